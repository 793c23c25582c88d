"""Opening villages (村), their villager groups and kiosks (兑换机); renaming; retiring kiosks.

Codes are what machines and receipts carry (ASCII letters, digits and dashes); names are what
people read. A kiosk's receipts are numbered with its receipt prefix, so prefixes are unique
across every kiosk of the database, like the receipt numbers they start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shop import clock, ledger
from shop.errors import DomainError
from shop.regions.models import District, Kiosk, Township, Village, VillagerGroup
from shop.words import N_

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
VILLAGE_CODE_MAX = 32
DEVICE_CODE_MAX = 16
NAME_MAX = 64


def _code(value: str, limit: int, what: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit or not _CODE.match(value):
        raise DomainError("invalid_code", f"{what}: {value!r}")
    return value


# Which name a refusal is about, shown beside it (请填写名称。（村名）) in the reader's language.
GROUP_NAME, DISTRICT_NAME, TOWNSHIP_NAME = N_("村民小组"), N_("区县名称"), N_("乡镇名称")
VILLAGE_NAME, KIOSK_NAME = N_("村名"), N_("兑换机名称")


def _name(value: str, limit: int, what: str, *, required: bool = True) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise DomainError("name_required", what)
    if not value.isprintable():
        raise DomainError("invalid_characters", what)
    if len(value) > limit:
        raise DomainError("text_too_long", what)
    return value


def clean_groups(names: Iterable[str]) -> list[str]:
    """Villager group names in the order given, blanks and repeats dropped."""
    seen: list[str] = []
    for raw in names:
        name = _name(raw, NAME_MAX, GROUP_NAME, required=False)
        if name and name not in seen:
            seen.append(name)
    return seen


DEFAULT_DISTRICT = "未分区县"  # where a village goes when nobody typed its county (rename later)
DEFAULT_TOWNSHIP = "未分乡镇"


def create_district(session: Session, code: str, name: str) -> District:
    """区/县: the top of the tree."""
    code = _code(code, VILLAGE_CODE_MAX, "district")
    name = _name(name, 100, DISTRICT_NAME)
    if session.scalar(select(District.id).where(District.code == code)):
        raise DomainError("district_code_taken", f"district {code}")
    district = District(code=code, name=name)
    session.add(district)
    session.flush()
    return district


def create_township(session: Session, district: District, code: str, name: str) -> Township:
    """镇/乡 in a district; its name is unique in the district, its code everywhere."""
    code = _code(code, VILLAGE_CODE_MAX, "township")
    name = _name(name, 100, TOWNSHIP_NAME)
    if session.scalar(select(Township.id).where(Township.code == code)):
        raise DomainError("township_code_taken", f"township {code}")
    if session.scalar(
        select(Township.id).where(Township.district_id == district.id, Township.name == name)
    ):
        raise DomainError("township_name_taken", f"township {name}")
    township = Township(district_id=district.id, code=code, name=name)
    session.add(township)
    session.flush()
    return township


def _free_code(session: Session, model, stem: str) -> str:
    n = (session.scalar(select(func.count(model.id))) or 0) + 1
    while session.scalar(select(model.id).where(model.code == f"{stem}{n}")):
        n += 1
    return f"{stem}{n}"


def region_for(session: Session, county: str = "", township: str = "") -> Township:
    """The township named `township` in the district named `county`, made when missing (the
    first run and the command line type names, not codes); blank names go to the defaults."""
    dname = _name(county, 100, DISTRICT_NAME, required=False) or DEFAULT_DISTRICT
    tname = _name(township, 100, TOWNSHIP_NAME, required=False) or DEFAULT_TOWNSHIP
    district = session.scalar(select(District).where(District.name == dname).limit(1))
    if district is None:
        district = create_district(session, _free_code(session, District, "D"), dname)
    found = session.scalar(
        select(Township).where(Township.district_id == district.id, Township.name == tname)
    )
    return found or create_township(session, district, _free_code(session, Township, "T"), tname)


def get_district(session: Session, code: str) -> District:
    found = session.scalar(select(District).where(District.code == (code or "").strip()))
    if found is None:
        raise DomainError("not_found", f"district {code}")
    return found


def get_township(session: Session, code: str) -> Township:
    found = session.scalar(select(Township).where(Township.code == (code or "").strip()))
    if found is None:
        raise DomainError("not_found", f"township {code}")
    return found


def list_districts(session: Session) -> list[District]:
    return list(session.scalars(select(District).order_by(District.code)))


def list_townships(session: Session, district_id: int | None = None) -> list[Township]:
    query = select(Township).order_by(Township.district_id, Township.code)
    if district_id is not None:
        query = query.where(Township.district_id == district_id)
    return list(session.scalars(query))


def villages_in(
    session: Session, *, township_id: int | None = None, district_id: int | None = None
) -> list[Village]:
    """The villages of a township or of a district (as the session's scope lets it see)."""
    query = select(Village).order_by(Village.code)
    if township_id is not None:
        query = query.where(Village.township_id == township_id)
    if district_id is not None:
        query = query.join(Township, Township.id == Village.township_id).where(
            Township.district_id == district_id
        )
    return list(session.scalars(query))


def rename_region(session: Session, region: District | Township, name: str) -> None:
    """A district's or a township's name as people read it; its code stays."""
    region.name = _name(name, 100, DISTRICT_NAME if isinstance(region, District) else TOWNSHIP_NAME)
    session.flush()


def create_village(
    session: Session,
    code: str,
    name: str,
    *,
    county: str = "",
    township: str = "",
    region: Township | None = None,
    groups: Iterable[str] = (),
    is_demo: bool = False,
) -> Village:
    """Open a village and its (empty) chain, in `region` (a township) or in the township and
    district named by `township` and `county`. Real and demo villages never share a database."""
    code = _code(code, VILLAGE_CODE_MAX, "village")
    name = _name(name, 100, VILLAGE_NAME)
    if session.scalar(select(Village).where(Village.code == code)):
        raise DomainError("village_code_taken", f"village {code}")
    other = session.scalar(select(Village).where(Village.is_demo.is_(not is_demo)).limit(1))
    if other is not None:
        raise DomainError("demo_mix", other.name)
    if region is None:
        region = region_for(session, county, township)
    village = Village(
        code=code,
        name=name,
        county=_name(county, 100, DISTRICT_NAME, required=False),
        township=_name(township, 100, TOWNSHIP_NAME, required=False),
        township_id=region.id,
        is_demo=is_demo,
    )
    session.add(village)
    session.flush()
    from shop.scope import admit_new_village  # the scope module knows every model: import late

    admit_new_village(session, village)
    ledger.ensure_head(session, village.id)
    for position, group in enumerate(clean_groups(groups), start=1):
        session.add(VillagerGroup(village_id=village.id, name=group, position=position))
    session.flush()
    return village


DEMO_MARK = {"zh": "（演示）", "en": " (DEMO)"}


def shop_title(village: Village, lang: str = "zh") -> str:
    """The village's name as paper prints it: the demo village is marked 演示 on every slip."""
    if not village.is_demo:
        return village.name
    return village.name + DEMO_MARK["en" if str(lang).startswith("en") else "zh"]


def get_village(session: Session, code: str) -> Village:
    village = session.scalar(select(Village).where(Village.code == (code or "").strip()))
    if village is None:
        raise DomainError("unknown_village", code)
    return village


def list_villages(session: Session) -> list[Village]:
    return list(session.scalars(select(Village).order_by(Village.id)))


def rename_village(
    session: Session,
    village: Village,
    name: str,
    *,
    county: str | None = None,
    township: str | None = None,
    actor: str,
) -> Village:
    """Change the names people read; the code (on receipts and in the chain) stays."""
    old = village.name
    village.name = _name(name, 100, VILLAGE_NAME)
    if county is not None:
        village.county = _name(county, 100, DISTRICT_NAME, required=False)
    if township is not None:
        village.township = _name(township, 100, TOWNSHIP_NAME, required=False)
    session.flush()
    ledger.append(
        session,
        village.id,
        "genesis",
        actor=actor,
        ref=f"village:{village.code}",
        memo=f"rename {old} -> {village.name}",
    )
    return village


def move_village(session: Session, village: Village, township: Township, *, actor: str) -> bool:
    """Place the village under another township (乡镇区划调整); False when it already is. Its
    households, receipts and chain stay; from now on that township (and its district) sees it
    and the old one no longer does. Into another district: its catalogue of rules keeps the old
    district's items as its own and takes the new district's (shop/points/district_move.py)."""
    if village.township_id == township.id:
        return False
    before = session.get(Township, village.township_id) if village.township_id else None
    old_district = before.district if before is not None else None
    old = before.name if before is not None else (village.township or "-")
    village.township_id = township.id
    village.township = township.name
    village.county = township.district.name
    session.flush()
    ledger.append(
        session,
        village.id,
        "genesis",
        actor=actor,
        ref=f"village:{village.code}",
        memo=f"move from {old} to {township.name}",
    )
    # Imported here: shop.points reads the region models, which this package defines.
    from shop.points import district_move

    district_move.move_catalogue(session, village, old_district, township.district, actor=actor)
    return True


def village_groups(session: Session, village_id: int) -> list[str]:
    return list(
        session.scalars(
            select(VillagerGroup.name)
            .where(VillagerGroup.village_id == village_id)
            .order_by(VillagerGroup.position, VillagerGroup.id)
        )
    )


def add_group(session: Session, village: Village, name: str) -> VillagerGroup:
    name = _name(name, NAME_MAX, GROUP_NAME)
    found = session.scalar(
        select(VillagerGroup).where(
            VillagerGroup.village_id == village.id, VillagerGroup.name == name
        )
    )
    if found is not None:
        return found
    last = session.scalar(
        select(func.max(VillagerGroup.position)).where(VillagerGroup.village_id == village.id)
    )
    group = VillagerGroup(village_id=village.id, name=name, position=(last or 0) + 1)
    session.add(group)
    session.flush()
    return group


def create_kiosk(
    session: Session,
    village: Village,
    code: str,
    name: str,
    *,
    receipt_prefix: str | None = None,
) -> Kiosk:
    code = _code(code, DEVICE_CODE_MAX, "kiosk")
    name = _name(name or code, NAME_MAX, KIOSK_NAME)
    prefix = _code(receipt_prefix, DEVICE_CODE_MAX, "receipt prefix") if receipt_prefix else None
    if session.scalar(select(Kiosk).where(Kiosk.code == code)):
        raise DomainError("kiosk_code_taken", f"kiosk {code}")
    effective = prefix or code
    clash = session.scalar(
        select(Kiosk).where(
            or_(
                Kiosk.receipt_prefix == effective,
                (Kiosk.receipt_prefix.is_(None)) & (Kiosk.code == effective),
            )
        )
    )
    if clash is not None:
        raise DomainError("receipt_prefix_taken", f"receipt prefix {effective}")
    kiosk = Kiosk(village_id=village.id, code=code, name=name, receipt_prefix=prefix)
    session.add(kiosk)
    session.flush()
    return kiosk


def add_kiosk(
    session: Session,
    village: Village,
    code: str,
    name: str,
    *,
    receipt_prefix: str | None = None,
    actor: str,
) -> Kiosk:
    """A new kiosk for a village already open, journaled."""
    kiosk = create_kiosk(session, village, code, name, receipt_prefix=receipt_prefix)
    ledger.append(
        session,
        village.id,
        "genesis",
        actor=actor,
        ref=f"kiosk:{kiosk.code}",
        memo=f"kiosk added, receipts {kiosk.prefix}-",
    )
    return kiosk


def get_kiosk(session: Session, code: str) -> Kiosk:
    kiosk = session.scalar(select(Kiosk).where(Kiosk.code == (code or "").strip()))
    if kiosk is None:
        raise DomainError("unknown_kiosk", code)
    return kiosk


def list_kiosks(session: Session, village_id: int | None = None) -> list[Kiosk]:
    query = select(Kiosk).order_by(Kiosk.village_id, Kiosk.code)
    if village_id is not None:
        query = query.where(Kiosk.village_id == village_id)
    return list(session.scalars(query))


def retire_kiosk(session: Session, kiosk: Kiosk, *, actor: str) -> Kiosk:
    """The kiosk sells no more; its receipts, day closes and number sequence stay."""
    if kiosk.retired_at is not None:
        raise DomainError("kiosk_retired", kiosk.code)
    kiosk.retired_at = clock.now()
    session.flush()
    ledger.append(
        session,
        kiosk.village_id,
        "genesis",
        actor=actor,
        ref=f"kiosk:{kiosk.code}",
        memo="kiosk retired",
    )
    return kiosk
