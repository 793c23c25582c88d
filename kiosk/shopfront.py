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
from shop.redemptions import MAX_QTY_PER_LINE, dayclose, limits

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


@dataclass(frozen=True)
class Tile:
    """One goods button: the product, how many are in the basket, and whether one more fits."""

    product: Product
    qty: int
    can_add: bool
    out_of_stock: bool
    unaffordable: bool  # one more costs more than the points left after the basket
    at_stock_limit: bool
    allowance: limits.LimitStatus | None = None  # a per-household limit this period
    at_allowance: bool = False
    dear: bool = False  # costs more than the whole balance: 积分不够 whatever the basket

    @property
    def dom_id(self) -> str:
        return f"goods-{self.product.id}"

    @property
    def allowance_left(self) -> int | None:
        return None if self.allowance is None else self.allowance.remaining

    @property
    def flag(self) -> str:
        """Why the + is grey, one word for the tile (the page recomputes it the same way)."""
        if self.out_of_stock:
            return "out"
        if self.dear and not self.qty:
            return "dear"
        if self.at_allowance and not self.qty:
            return "limit"
        if self.unaffordable and not self.qty:
            return "tight"
        if self.at_stock_limit and self.qty:
            return "shelf"
        return ""


@dataclass(frozen=True)
class BasketLine:
    product: Product
    qty: int
    available: bool  # still offered and enough on the shelf

    @property
    def points(self) -> int:
        return self.product.points * self.qty


@dataclass(frozen=True)
class Basket:
    balance: int
    lines: tuple[BasketLine, ...]

    @property
    def total(self) -> int:
        return sum(line.points for line in self.lines)

    @property
    def count(self) -> int:
        return sum(line.qty for line in self.lines)

    @property
    def remaining(self) -> int:
        return self.balance - self.total

    @property
    def over_balance(self) -> bool:
        return self.total > self.balance

    @property
    def unavailable(self) -> list[BasketLine]:
        return [line for line in self.lines if not line.available]

    @property
    def can_confirm(self) -> bool:
        return bool(self.lines) and not self.over_balance and not self.unavailable

    @property
    def signature(self) -> str:
        """What the confirm screen showed, so a basket changed since then is never redeemed."""
        body = ",".join(f"{line.product.id}:{line.qty}" for line in self.lines)
        return hashlib.sha256(body.encode()).hexdigest()[:16]

    def as_skus(self) -> dict[str, int]:
        return {line.product.sku: line.qty for line in self.lines}


def basket_of(balance: int, products: list[Product], wanted: dict[int, int]) -> Basket:
    by_id = {p.id: p for p in products}
    lines = []
    for product_id, qty in wanted.items():
        product = by_id.get(product_id)
        if product is None or qty <= 0:
            continue  # withdrawn from sale: it drops out, and the confirm screen shows the rest
        lines.append(BasketLine(product, qty, available=qty <= product.on_hand))
    lines.sort(key=lambda line: (line.product.sort_order, line.product.id))
    return Basket(balance, tuple(lines))


def allowances(session: Session, household: Household) -> dict[int, limits.LimitStatus]:
    """product id -> the household's limit this period (used/allowed), for limited goods."""
    return {status.product_id: status for status in limits.limits_for(session, household).values()}


def tiles(
    products: list[Product], basket: Basket, allowed: dict[int, limits.LimitStatus] | None = None
) -> list[Tile]:
    in_basket = {line.product.id: line.qty for line in basket.lines}
    remaining = basket.remaining
    allowed = allowed or {}
    made = []
    for product in products:
        qty = in_basket.get(product.id, 0)
        out_of_stock = product.on_hand <= 0
        at_stock_limit = qty >= product.on_hand
        unaffordable = product.points > remaining
        allowance = allowed.get(product.id)
        at_allowance = allowance is not None and qty >= allowance.remaining
        made.append(
            Tile(
                product=product,
                qty=qty,
                can_add=not out_of_stock
                and not at_stock_limit
                and not unaffordable
                and not at_allowance
                and qty < MAX_QTY_PER_LINE,
                out_of_stock=out_of_stock,
                unaffordable=unaffordable,
                at_stock_limit=at_stock_limit,
                allowance=allowance,
                at_allowance=at_allowance,
                dear=product.points > basket.balance,
            )
        )
    return made


def change_basket(
    balance: int,
    products: list[Product],
    wanted: dict[int, int],
    product_id: int,
    delta: int,
    allowed: dict[int, limits.LimitStatus] | None = None,
) -> tuple[dict[int, int], str | None]:
    """The basket after one tap on + or −, or the unchanged basket and why not."""
    by_id = {p.id: p for p in products}
    product = by_id.get(product_id)
    if product is None:
        return wanted, "product_inactive"
    new = dict(wanted)
    qty = new.get(product_id, 0) + (1 if delta > 0 else -1)
    if qty <= 0:
        new.pop(product_id, None)
        return new, None
    if delta > 0:
        basket = basket_of(balance, products, wanted)
        if product.on_hand <= 0 or qty > product.on_hand:
            return wanted, "out_of_stock"
        if product.points > basket.remaining:
            return wanted, "insufficient_points"
        if qty > MAX_QTY_PER_LINE:
            return wanted, "invalid_quantity"
        limit = (allowed or {}).get(product_id)
        if limit is not None and qty > limit.remaining:
            return wanted, "limit_reached"
    new[product_id] = qty
    return new, None


def refusal(
    code: str, balance: int, products: list[Product], wanted: dict[int, int], product_id: int
) -> DomainError:
    """The refusal of one tap, saying how many points are missing when there are too few
    (还差N分: the item's price against what is left, below zero after a deduction)."""
    product = next((p for p in products if p.id == product_id), None)
    if code != "insufficient_points" or product is None:
        return DomainError(code)
    have = basket_of(balance, products, wanted).remaining
    return DomainError(code, need=product.points, have=have)


@dataclass(frozen=True)
class Trim:
    """A basket line cut to what can still be had, and why (the refusal's code)."""

    product: Product
    wanted: int
    kept: int
    reason: str  # out_of_stock | limit_reached | insufficient_points | invalid_quantity


def fit_basket(
    balance: int,
    products: list[Product],
    wanted: dict[int, int],
    allowed: dict[int, limits.LimitStatus] | None = None,
    *,
    last: tuple[int, ...] = (),
) -> tuple[dict[int, int], list[Trim]]:
    """The basket cut down to what the shelf, the limits and the balance allow now.

    Lines are kept in the goods' order, except those in `last` (just changed by the villager),
    which are fitted after the rest: a tap never takes away what was already in the basket.
    Goods no longer offered drop out without a trim (the goods no longer show them).
    """
    allowed = allowed or {}
    by_id = {p.id: p for p in products}
    order = sorted(
        (pid for pid in wanted if pid in by_id),
        key=lambda pid: (pid in last, by_id[pid].sort_order, pid),
    )
    fitted: dict[int, int] = {}
    trims: list[Trim] = []
    spent = 0
    for pid in order:
        product, qty = by_id[pid], wanted[pid]
        if qty <= 0:
            continue
        keep, reason = qty, ""
        affordable = (balance - spent) // product.points if product.points > 0 else qty
        for cap, why in (
            (MAX_QTY_PER_LINE, "invalid_quantity"),
            (max(product.on_hand, 0), "out_of_stock"),
            (allowed[pid].remaining if pid in allowed else qty, "limit_reached"),
            (affordable, "insufficient_points"),
        ):
            if keep > cap:
                keep, reason = max(cap, 0), why
        if reason:
            trims.append(Trim(product, qty, keep, reason))
        if keep:
            fitted[pid] = keep
            spent += keep * product.points
    return fitted, trims


def set_quantities(
    balance: int,
    products: list[Product],
    wanted: dict[int, int],
    changes: dict[int, int],
    allowed: dict[int, limits.LimitStatus] | None = None,
) -> tuple[dict[int, int], list[Trim]]:
    """The basket with the quantities the page asked for (the villager's taps, counted in the
    page), each cut to what is possible; unknown goods in `changes` are ignored."""
    known = {p.id for p in products}
    new = dict(wanted)
    for pid, qty in changes.items():
        if pid in known:
            new[pid] = max(0, qty)
    return fit_basket(balance, products, new, allowed, last=tuple(changes))


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
