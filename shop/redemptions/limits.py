"""Redemption windows (兑换期, 一季一兑换) and per-household limits (每户限兑).

Windows: a village with no window rows redeems any day ("always"); once it has windows, goods
can be redeemed only on a day inside one (dates inclusive, the shop's local time).

Limits: at most `allowed` of a product per household per month, quarter or year (periods in
local time). The counter is a row per household, product and period, raised by a guarded
``UPDATE … SET used = used + :q WHERE … AND used + :q <= :allowed`` inside the redemption, so
eight kiosks at once can never give a household more than its allowance. What a redemption
counted is kept (LimitCharge) and a void gives exactly that back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shop import clock, ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.households.models import Household
from shop.redemptions.models import (
    HouseholdLimitUsage,
    LimitCharge,
    ProductLimit,
    RedemptionWindow,
)
from shop.regions.models import Village
from shop.stock import products
from shop.stock.models import Product
from shop.text import plain_text

PERIODS = ("month", "quarter", "year")


def local_date(moment: dt.datetime, tz: dt.tzinfo | None = None) -> dt.date:
    return clock.local_date(moment, tz)


def period_key(period: str, day: dt.date) -> str:
    """2026-11 (month), 2026-Q4 (quarter), 2026 (year)."""
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if period == "year":
        return f"{day.year}"
    raise ValueError(f"unknown period {period!r}")


# --- windows -----------------------------------------------------------------------------------


def add_window(
    session: Session,
    village: Village,
    starts_on: dt.date,
    ends_on: dt.date,
    *,
    label: str = "",
    actor: str = "",
) -> RedemptionWindow:
    """Open redemption from `starts_on` to `ends_on`, both days included."""
    if not isinstance(starts_on, dt.date) or not isinstance(ends_on, dt.date):
        raise DomainError("invalid_date", "a window's first or last day")  # empty or mistyped
    if ends_on < starts_on:
        raise DomainError("invalid_dates", f"{starts_on} {ends_on}")
    label = plain_text(label, "label", max_length=64)
    window = RedemptionWindow(
        village_id=village.id, starts_on=starts_on, ends_on=ends_on, label=label
    )
    session.add(window)
    session.flush()
    memo = f"window {starts_on.isoformat()} {ends_on.isoformat()}" + (f" {label}" if label else "")
    ledger.append(session, village.id, "staff_change", actor=actor, ref="", memo=memo)
    return window


def quarter_windows(year: int, days: int = 7) -> list[tuple[dt.date, dt.date, str]]:
    """一季一兑换: the first `days` days of each quarter, as (starts_on, ends_on, label)."""
    if not 1 <= days <= 90:
        raise DomainError("invalid_window_days", f"days {days}")
    return [
        (
            dt.date(year, month, 1),
            dt.date(year, month, 1) + dt.timedelta(days=days - 1),
            f"{year}年第{q}季度兑换",
        )
        for q, month in enumerate((1, 4, 7, 10), start=1)
    ]


def set_always_open(session: Session, village: Village, *, actor: str = "") -> int:
    """Back to redeeming any day: removes the village's windows, journaled with what they were
    (a removed window leaves no row, so the journal is where it is seen). Returns how many."""
    removed = list_windows(session, village.id)
    if not removed:
        return 0
    session.execute(delete(RedemptionWindow).where(RedemptionWindow.village_id == village.id))
    spans = " ".join(f"{w.starts_on.isoformat()}..{w.ends_on.isoformat()}" for w in removed)
    memo = f"always open, windows removed {len(removed)}: {spans}"
    ledger.append(session, village.id, "staff_change", actor=actor, ref="", memo=memo)
    return len(removed)


def list_windows(session: Session, village_id: int) -> list[RedemptionWindow]:
    return list(
        session.scalars(
            select(RedemptionWindow)
            .where(RedemptionWindow.village_id == village_id)
            .order_by(RedemptionWindow.starts_on)
        )
    )


def is_open(session: Session, village_id: int, now: dt.datetime | None = None) -> bool:
    today = local_date(now or utcnow())
    rows = session.execute(
        select(RedemptionWindow.starts_on, RedemptionWindow.ends_on).where(
            RedemptionWindow.village_id == village_id
        )
    ).all()
    return not rows or any(s <= today <= e for s, e in rows)


def next_window(
    session: Session, village: Village | int, now: dt.datetime | None = None
) -> RedemptionWindow | None:
    """The window open now, else the next one to open; None when there is none (or no windows
    at all: then the shop is always open, see `is_open`)."""
    village_id = village if isinstance(village, int) else village.id
    today = local_date(now or utcnow())
    return session.scalar(
        select(RedemptionWindow)
        .where(RedemptionWindow.village_id == village_id, RedemptionWindow.ends_on >= today)
        .order_by(RedemptionWindow.starts_on)
        .limit(1)
    )


def check_window(session: Session, village_id: int, now: dt.datetime) -> None:
    """Raise outside_window (with `opens_on` when a next window is known)."""
    if is_open(session, village_id, now):
        return
    upcoming = next_window(session, village_id, now)
    if upcoming is None:
        raise DomainError("outside_window", "no window ahead", opens_on=None)
    raise DomainError(
        "outside_window",
        f"next window opens {upcoming.starts_on}",
        opens_on=upcoming.starts_on,
        closes_on=upcoming.ends_on,
    )


# --- limits ------------------------------------------------------------------------------------


def set_limit(
    session: Session,
    product: Product,
    allowed: int | None,
    *,
    period: str = "quarter",
    actor: str = "",
) -> ProductLimit | None:
    """Limit a product to `allowed` per household per period; None removes the limit.

    Usage already counted stays: lowering a limit below what a household took refuses its
    next redemption of the product, it takes nothing back."""
    existing = session.scalar(select(ProductLimit).where(ProductLimit.product_id == product.id))
    if allowed is None:
        if existing is not None:
            session.delete(existing)
            session.flush()
            products.journal_product(session, product, "limit removed", actor=actor)
        return None
    if not isinstance(allowed, int) or isinstance(allowed, bool) or allowed < 1:
        raise DomainError("invalid_quantity", repr(allowed))
    if period not in PERIODS:
        raise DomainError("invalid_limit_period", f"period {period!r}")
    if existing is not None and (existing.allowed, existing.period) == (allowed, period):
        return existing  # nothing changed, nothing to journal
    if existing is None:
        existing = ProductLimit(product_id=product.id, allowed=allowed, period=period)
        session.add(existing)
    else:
        existing.allowed = allowed
        existing.period = period
    session.flush()
    memo = f"limit {period} {allowed} {product.unit}".rstrip()
    products.journal_product(session, product, memo, actor=actor)
    return existing


@dataclass(frozen=True)
class LimitStatus:
    """What the kiosk shows beside a limited product: 本季已兑 1/2."""

    product_id: int
    sku: str
    name: str
    period: str
    period_key: str
    used: int
    allowed: int

    @property
    def remaining(self) -> int:
        return max(self.allowed - self.used, 0)


def limits_for(
    session: Session, household: Household, now: dt.datetime | None = None
) -> dict[str, LimitStatus]:
    """sku -> used/allowed this period, for every limited product of the household's village."""
    today = local_date(now or utcnow())
    rows = session.execute(
        select(ProductLimit, Product.sku, Product.name)
        .join(Product, Product.id == ProductLimit.product_id)
        .where(Product.village_id == household.village_id)
    ).all()
    if not rows:
        return {}
    keys = {limit.product_id: period_key(limit.period, today) for limit, _, _ in rows}
    used = {
        (u.product_id, u.period_key): u.used
        for u in session.scalars(
            select(HouseholdLimitUsage).where(
                HouseholdLimitUsage.household_id == household.id,
                HouseholdLimitUsage.product_id.in_(keys),
            )
        )
    }
    return {
        sku: LimitStatus(
            limit.product_id,
            sku,
            name,
            limit.period,
            keys[limit.product_id],
            used.get((limit.product_id, keys[limit.product_id]), 0),
            limit.allowed,
        )
        for limit, sku, name in rows
    }


def _insert_ignore(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(HouseholdLimitUsage).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(HouseholdLimitUsage).on_conflict_do_nothing()
    raise NotImplementedError(dialect)


def charge_limits(
    session: Session,
    household_id: int,
    quantities: dict[int, int],
    now: dt.datetime,
) -> list[tuple[int, str, int]]:
    """Count `product_id -> qty` against the household's limits; raise limit_reached.

    Called inside the redemption's savepoint, after the balance debit (which already locks the
    household's row on PostgreSQL). Returns (product_id, period_key, qty) to record once the
    redemption row exists (`record_charges`)."""
    limits = session.execute(
        select(ProductLimit.product_id, ProductLimit.allowed, ProductLimit.period).where(
            ProductLimit.product_id.in_(quantities)
        )
    ).all()
    if not limits:
        return []
    today = local_date(now)
    charged = []
    for product_id, allowed, period in sorted(limits):
        qty = quantities[product_id]
        key = period_key(period, today)
        session.execute(
            _insert_ignore(session).values(
                household_id=household_id, product_id=product_id, period_key=key, used=0
            )
        )
        used = session.execute(
            update(HouseholdLimitUsage)
            .where(
                HouseholdLimitUsage.household_id == household_id,
                HouseholdLimitUsage.product_id == product_id,
                HouseholdLimitUsage.period_key == key,
                HouseholdLimitUsage.used + qty <= allowed,
            )
            .values(used=HouseholdLimitUsage.used + qty)
            .returning(HouseholdLimitUsage.used)
        ).scalar_one_or_none()
        if used is None:
            had = session.scalar(
                select(HouseholdLimitUsage.used).where(
                    HouseholdLimitUsage.household_id == household_id,
                    HouseholdLimitUsage.product_id == product_id,
                    HouseholdLimitUsage.period_key == key,
                )
            )
            raise DomainError(
                "limit_reached",
                f"product {product_id}: {had}+{qty} > {allowed} in {key}",
                product_id=product_id,
                used=had,
                allowed=allowed,
                period_key=key,
            )
        charged.append((product_id, key, qty))
    return charged


def record_charges(
    session: Session, redemption_id: int, household_id: int, charged: list[tuple[int, str, int]]
) -> None:
    if charged:
        session.execute(
            insert(LimitCharge),
            [
                dict(
                    redemption_id=redemption_id,
                    household_id=household_id,
                    product_id=product_id,
                    period_key=key,
                    qty=qty,
                )
                for product_id, key, qty in charged
            ],
        )


def refund_limits(session: Session, redemption_id: int) -> None:
    """A void gives back exactly what its redemption counted (in the redemption's period)."""
    for charge in session.scalars(
        select(LimitCharge)
        .where(LimitCharge.redemption_id == redemption_id)
        .order_by(LimitCharge.product_id)
    ):
        session.execute(
            update(HouseholdLimitUsage)
            .where(
                HouseholdLimitUsage.household_id == charge.household_id,
                HouseholdLimitUsage.product_id == charge.product_id,
                HouseholdLimitUsage.period_key == charge.period_key,
            )
            .values(used=HouseholdLimitUsage.used - charge.qty)
        )
