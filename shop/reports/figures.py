"""The village dashboard's figures (村务看板): one read of the ledger, the receipts and the
goods, for the back-office home page.

Periods are the village's calendar (shop.clock): today, this month, this year. Points awarded are
award postings; deductions are shown apart; points redeemed are redemptions net of voids. The
outstanding points (the village's liability to its households) are the sum of every household's
balance, which the ledger's first invariant makes equal to the sum of all postings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from shop import clock
from shop.households.models import Household
from shop.ledger.models import Journal, PointsEntry
from shop.points.models import PointsApplication
from shop.redemptions.models import Redemption
from shop.regions.models import Village
from shop.reports.goods import SOURCE_KINDS, goods_flow
from shop.stock.products import low_stock


@dataclass(frozen=True)
class PointsFigures:
    awarded: int
    deducted: int  # as a positive number
    redeemed: int  # net of voids


@dataclass(frozen=True)
class Dashboard:
    today: dt.date
    receipts_today: int  # not voided
    households_today: int
    points_today: int
    month: PointsFigures
    year: PointsFigures
    outstanding: int
    households: int
    redeemed_value_month: dict[str, float]  # 元 by funding source
    redeemed_value_year: dict[str, float]
    stock_value: dict[str, float]
    unvalued_units: int  # on the shelf with no value on record
    low_stock: list  # shop.stock.products.LowStock
    pending_applications: int
    daily: list[tuple[dt.date, int]]  # points redeemed per day, the last 30 days
    monthly: list[tuple[int, int, int]]  # (month, awarded, redeemed) for this year

    @property
    def stock_value_total(self) -> float:
        return sum(self.stock_value.values())


def points_between(
    session: Session, village_id: int, start: dt.datetime, end: dt.datetime
) -> PointsFigures:
    kind_sum = func.coalesce(
        func.sum(
            case(
                (Journal.kind == "award", PointsEntry.delta),
                else_=0,
            )
        ),
        0,
    )
    deducted = func.coalesce(
        func.sum(case((Journal.kind == "deduction", -PointsEntry.delta), else_=0)), 0
    )
    redeemed = func.coalesce(
        func.sum(case((Journal.kind.in_(("redemption", "void")), -PointsEntry.delta), else_=0)),
        0,
    )
    row = session.execute(
        select(kind_sum, deducted, redeemed)
        .select_from(PointsEntry)
        .join(Journal, Journal.id == PointsEntry.journal_id)
        .where(
            Journal.village_id == village_id, Journal.created_at >= start, Journal.created_at < end
        )
    ).one()
    return PointsFigures(int(row[0]), int(row[1]), int(row[2]))


def _daily_redeemed(session: Session, village_id: int, today: dt.date, days: int):
    first = today - dt.timedelta(days=days - 1)
    start, end = clock.midnight(first), clock.day_bounds(today)[1]
    rows = session.execute(
        select(Journal.created_at, PointsEntry.delta)
        .join(PointsEntry, PointsEntry.journal_id == Journal.id)
        .where(
            Journal.village_id == village_id,
            Journal.kind.in_(("redemption", "void")),
            Journal.created_at >= start,
            Journal.created_at < end,
        )
    ).all()
    per_day = dict.fromkeys((first + dt.timedelta(days=i) for i in range(days)), 0)
    for at, delta in rows:
        per_day[clock.local_date(at)] -= delta
    return sorted(per_day.items())


def _by_month(session: Session, village_id: int, year: int) -> dict[int, PointsFigures]:
    """Awarded, deducted and redeemed per month of `year`, summed by the database in one pass
    (a month is picked by comparing the row's time with the months' bounds)."""
    bounds = [clock.month_bounds(year, m)[0] for m in range(1, 13)] + [clock.year_bounds(year)[1]]
    month = case(
        *[(Journal.created_at < bounds[m], m) for m in range(1, 13)],
        else_=13,
    ).label("month")
    rows = session.execute(
        select(month, Journal.kind, func.sum(PointsEntry.delta))
        .select_from(Journal)
        .join(PointsEntry, PointsEntry.journal_id == Journal.id)
        .where(
            Journal.village_id == village_id,
            Journal.kind.in_(("award", "deduction", "redemption", "void")),
            Journal.created_at >= bounds[0],
            Journal.created_at < bounds[12],
        )
        .group_by(month, Journal.kind)
    ).all()
    sums: dict[int, dict[str, int]] = {m: {} for m in range(1, 13)}
    for m, kind, total in rows:
        if 1 <= m <= 12:
            sums[m][kind] = int(total or 0)
    return {
        m: PointsFigures(
            awarded=k.get("award", 0),
            deducted=-k.get("deduction", 0),
            redeemed=-(k.get("redemption", 0) + k.get("void", 0)),
        )
        for m, k in sums.items()
    }


def dashboard(session: Session, village: Village, *, today: dt.date | None = None) -> Dashboard:
    today = today or clock.today()
    day_start, day_end = clock.day_bounds(today)
    month_start, month_end = clock.month_bounds(today.year, today.month)
    year_start, year_end = clock.year_bounds(today.year)
    receipts, homes, points = session.execute(
        select(
            func.count(Redemption.id),
            func.count(func.distinct(Redemption.household_id)),
            func.coalesce(func.sum(Redemption.total), 0),
        ).where(
            Redemption.village_id == village.id,
            Redemption.state == "completed",
            Redemption.created_at >= day_start,
            Redemption.created_at < day_end,
        )
    ).one()
    outstanding, households = session.execute(
        select(func.coalesce(func.sum(Household.balance), 0), func.count(Household.id)).where(
            Household.village_id == village.id
        )
    ).one()
    flow = goods_flow(session, village.id)
    months = _by_month(session, village.id, today.year)
    pending = session.scalar(
        select(func.count(PointsApplication.id)).where(
            PointsApplication.village_id == village.id, PointsApplication.state == "pending"
        )
    )
    return Dashboard(
        today=today,
        receipts_today=int(receipts),
        households_today=int(homes),
        points_today=int(points),
        month=months[today.month],
        year=PointsFigures(
            sum(f.awarded for f in months.values()),
            sum(f.deducted for f in months.values()),
            sum(f.redeemed for f in months.values()),
        ),
        outstanding=int(outstanding),
        households=int(households),
        redeemed_value_month=flow.redeemed_by_source(month_start, month_end),
        redeemed_value_year=flow.redeemed_by_source(year_start, year_end),
        stock_value=flow.stock_by_source(),
        unvalued_units=flow.unvalued_units(),
        low_stock=low_stock(session, village),
        pending_applications=int(pending or 0),
        daily=_daily_redeemed(session, village.id, today, 30),
        monthly=[(m, months[m].awarded, months[m].redeemed) for m in range(1, today.month + 1)],
    )


__all__ = ["SOURCE_KINDS", "Dashboard", "PointsFigures", "dashboard", "points_between"]
