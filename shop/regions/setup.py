"""The first run (开通) and opening one more village (开通乡村): a village, its villager groups,
kiosks and first admin in one unit of work, so a half-opened village never exists."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import ledger
from shop.errors import DomainError
from shop.points import district_catalog
from shop.regions.models import Township, Village
from shop.regions.operations import create_kiosk, create_village
from shop.staff.operations import create_staff


@dataclass(frozen=True)
class KioskPlan:
    code: str
    name: str = ""
    receipt_prefix: str | None = None


@dataclass(frozen=True)
class FirstRun:
    """What the first-run page or `kiosk setup` asks for."""

    village_code: str
    village_name: str
    admin_username: str
    admin_password: str
    county: str = ""
    township: str = ""
    groups: tuple[str, ...] = ()
    kiosks: tuple[KioskPlan, ...] = field(default_factory=tuple)
    admin_name: str = ""
    # 开通乡村: the district's items (district rule ids) the new village takes switched off.
    district_rules_off: frozenset[int] = frozenset()


def needs_first_run(session: Session) -> bool:
    """True while the database holds no village at all (not even the demo)."""
    return session.scalar(select(Village.id).limit(1)) is None


def first_run(session: Session, plan: FirstRun, *, actor: str = "setup") -> Village:
    """Open the first village with its groups, kiosks and admin. Flushes; the edge commits."""
    if not needs_first_run(session):
        raise DomainError("already_set_up")
    return _open(session, plan, None, actor)


def open_village(session: Session, plan: FirstRun, region: Township, *, actor: str) -> Village:
    """开通乡村: a township's or the district's admin opens one more village in `region`, with
    its groups, kiosks and first admin, in one unit of work, and the district's catalogue of
    rules (those in `plan.district_rules_off` switched off). The caller's scope must hold the
    township (shop/scope.py refuses otherwise: not_found)."""
    village = _open(session, plan, region, actor)
    district_catalog.take_district_rules(session, village, off=plan.district_rules_off, actor=actor)
    return village


def _open(session: Session, plan: FirstRun, region: Township | None, actor: str) -> Village:
    if not plan.kiosks:
        raise DomainError("kiosk_required")
    village = create_village(
        session,
        plan.village_code,
        plan.village_name,
        county=plan.county,
        township=plan.township if region is None else region.name,
        region=region,
        groups=plan.groups,
    )
    kiosks = [
        create_kiosk(
            session,
            village,
            k.code,
            k.name or f"{village.name}积分超市{n}号机",
            receipt_prefix=k.receipt_prefix or None,
        )
        for n, k in enumerate(plan.kiosks, start=1)
    ]
    ledger.append(
        session,
        village.id,
        "genesis",
        actor=actor,
        ref=f"village:{village.code}",
        memo="village opened; kiosks " + " ".join(f"{k.code}({k.prefix})" for k in kiosks),
    )
    create_staff(
        session,
        plan.admin_username,
        "admin",
        plan.admin_password,
        village=village,
        display_name=plan.admin_name.strip(),
        actor=actor,
    )
    return village
