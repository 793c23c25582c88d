"""What the villager's screens show, read in one short transaction: the household, why its balance
is what it is, the goods with what this household can take, and the basket.

Reads only. Every rule that decides anything (balance, stock, limits) is enforced again by the
shop's services when the redemption is made; this module only helps the screen say it early.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

from shop import clock, households, points, transparency
from shop.errors import DomainError
from shop.households import codes
from shop.models import (
    Household,
    Kiosk,
    PointsApplication,
    PointsEntry,
    Product,
    Redemption,
    RedemptionLine,
    Rule,
    RuleCategory,
    ScanEvent,
    utcnow,
)
from shop.redemptions import dayclose, limits

from .basket import (  # noqa: F401  (the screens read the basket through shopfront)
    Basket,
    BasketLine,
    Tile,
    Trim,
    basket_of,
    change_basket,
    fit_basket,
    refusal,
    set_quantities,
    tiles,
)

RECENT_ENTRIES = 6


def this_kiosk(session: Session) -> Kiosk:
    code = current_app.config["DEVICE"]
    kiosk = session.scalar(select(Kiosk).where(Kiosk.code == code))
    if kiosk is None:
        raise DomainError("unknown_kiosk", code)
    return kiosk


def scan_household(session: Session, kiosk: Kiosk | None, raw: str) -> Household:
    """The household a scanned passbook opens, or the DomainError that screen shows.

    Beyond `lookup_passbook`: a passbook of another village is not ours (unknown_code), a paused
    household cannot redeem (household_inactive), a PIN-locked one waits for the clerk.
    """
    scan = households.lookup_passbook(session, raw)
    household = scan.household
    if kiosk is not None and household.village_id != kiosk.village_id:
        raise DomainError("unknown_code", "another village's passbook")
    if not household.is_active:
        raise DomainError("household_inactive", household.number, household_id=household.id)
    if household.is_pin_locked:
        raise DomainError("household_locked", household.number, household_id=household.id)
    return household


@dataclass(frozen=True)
class Closed:
    """Why the shop is not redeeming now (outside_window, day_closed) and when it opens next."""

    code: str
    opens_on: dt.date | None = None


def closed_now(session: Session, kiosk: Kiosk | None, village_id: int) -> Closed | None:
    """一季一兑换 and the day close, said at the scan: the household still sees its points and
    the why, and can apply for points; only choosing goods waits for the next opening."""
    now = utcnow()
    try:
        limits.check_window(session, village_id, now)
        if kiosk is not None:
            dayclose.check_day_open(session, kiosk.id, now)
    except DomainError as exc:
        return Closed(exc.code, exc.context.get("opens_on"))
    return None


def scan_fingerprint(raw: str) -> str:
    """What ScanEvent keeps of a scan: the code's hash (never the code), even for junk."""
    code = codes.normalize(raw or "")
    if code is not None:
        return codes.code_hash(code)
    return hashlib.sha256((raw or "").strip().encode("utf-8", "replace")).hexdigest()


def record_scan(
    session: Session,
    *,
    kiosk_id: int | None,
    raw: str,
    source: str,
    outcome: str,
    household_id: int | None,
) -> None:
    session.execute(
        insert(ScanEvent).values(
            kiosk_id=kiosk_id,
            code_hash=scan_fingerprint(raw),
            source=source[:16],
            outcome=outcome[:32],
            household_id=household_id,
            created_at=utcnow(),
        )
    )
    if outcome == "ok":
        households.card_scanned(session, scan_fingerprint(raw))


def recent_entries(session: Session, household: Household) -> list[PointsEntry]:
    return households.recent_entries(session, household, limit=RECENT_ENTRIES)


APPLICATIONS_SHOWN = 8
APPLICATIONS_DAYS = 90


def applications_of(session: Session, household: Household) -> list[PointsApplication]:
    """我的申请: the household's own applications, still pending or decided lately, newest first."""
    since = utcnow() - dt.timedelta(days=APPLICATIONS_DAYS)
    return list(
        session.scalars(
            select(PointsApplication)
            .options(joinedload(PointsApplication.rule))
            .where(
                PointsApplication.household_id == household.id,
                (PointsApplication.state == "pending") | (PointsApplication.created_at >= since),
            )
            .order_by(PointsApplication.created_at.desc(), PointsApplication.id.desc())
            .limit(APPLICATIONS_SHOWN)
        )
    )


def goods(session: Session, village_id: int) -> list[Product]:
    return list(
        session.scalars(
            select(Product)
            .where(Product.village_id == village_id, Product.is_active)
            .order_by(Product.sort_order, Product.id)
        )
    )


def allowances(session: Session, household: Household) -> dict[int, limits.LimitStatus]:
    """product id -> the household's limit this period (used/allowed), for limited goods."""
    return {status.product_id: status for status in limits.limits_for(session, household).values()}


def redemption_by_key(session: Session, key: str, household_id: int) -> Redemption | None:
    """The redemption an earlier submit with this key made for this household, if any."""
    return session.scalar(
        select(Redemption).where(
            Redemption.idempotency_key == key, Redemption.household_id == household_id
        )
    )


def redemption_lines(session: Session, redemption_id: int) -> list[RedemptionLine]:
    return list(
        session.scalars(
            select(RedemptionLine)
            .options(joinedload(RedemptionLine.product))
            .where(RedemptionLine.redemption_id == redemption_id)
            .order_by(RedemptionLine.id)
        )
    )


NOTICES_REFRESH_SECONDS = 600


def notices(app, read) -> transparency.WaitingScreen | None:
    """What the waiting screen shows in turns: last month's public notice (一月一公示), last
    year's ranking (一年一排名) and announced year-ends.

    Last month and last year no longer change, so one read serves every villager for a while;
    a fresh one every ten minutes picks up a new year-end announcement. None when the database
    is down: the waiting screen still invites a scan.
    """
    today = clock.today()
    cached = app.extensions.get("kiosk_notices")
    if cached and cached[0] == today and time.monotonic() - cached[1] < NOTICES_REFRESH_SECONDS:
        return cached[2]
    try:
        with read() as session:
            kiosk = this_kiosk(session)
            made = transparency.waiting_screen(
                session, kiosk.village_id, today, clock.zone(), top=10
            )
    except DomainError:
        return None
    app.extensions["kiosk_notices"] = (today, time.monotonic(), made)
    return made


APPLY_REPEAT_SECONDS = 120


def application_catalog(session: Session, village_id: int) -> list[tuple[RuleCategory, list[Rule]]]:
    """What a villager may apply for (双向积分认证): the active deeds worth points, by category."""
    categories = session.scalars(
        select(RuleCategory)
        .where(RuleCategory.village_id == village_id)
        .order_by(RuleCategory.sort_order, RuleCategory.id)
    ).all()
    rules = session.scalars(
        select(Rule)
        .where(Rule.category_id.in_([c.id for c in categories]), Rule.is_active, Rule.points > 0)
        .order_by(Rule.id)
    ).all()
    by_category = {c.id: (c, []) for c in categories}
    for rule in rules:
        by_category[rule.category_id][1].append(rule)
    return [entry for entry in by_category.values() if entry[1]]


def apply_for_points(session: Session, household: Household, rule_id: int, actor: str):
    """The villager's own application. A second tap on the same deed within two minutes is the
    same application, not a new one for the panel to reject."""
    rule = session.get(Rule, rule_id)
    category = rule and session.get(RuleCategory, rule.category_id)
    if rule is None or category.village_id != household.village_id or rule.points <= 0:
        raise DomainError("unknown_rule", str(rule_id))
    recent = session.scalar(
        select(PointsApplication)
        .where(
            PointsApplication.household_id == household.id,
            PointsApplication.rule_id == rule.id,
            PointsApplication.state == "pending",
            PointsApplication.created_at >= utcnow() - dt.timedelta(seconds=APPLY_REPEAT_SECONDS),
        )
        .limit(1)
    )
    return recent or points.submit_application(session, household, rule, actor=actor)
