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


def _monthly(session: Session, village_id: int, year: int, upto: int):
    start, end = clock.year_bounds(year)
    rows = session.execute(
        select(Journal.created_at, Journal.kind, PointsEntry.delta)
        .join(PointsEntry, PointsEntry.journal_id == Journal.id)
        .where(
            Journal.village_id == village_id,
            Journal.kind.in_(("award", "redemption", "void")),
            Journal.created_at >= start,
            Journal.created_at < end,
        )
    ).all()
    awarded = dict.fromkeys(range(1, upto + 1), 0)
    redeemed = dict.fromkeys(range(1, upto + 1), 0)
    for at, kind, delta in rows:
        month = clock.local(at).month
        if month > upto:
            continue
        if kind == "award":
            awarded[month] += delta
        else:
            redeemed[month] -= delta
    return [(m, awarded[m], redeemed[m]) for m in range(1, upto + 1)]


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
        month=points_between(session, village.id, month_start, month_end),
        year=points_between(session, village.id, year_start, year_end),
        outstanding=int(outstanding),
        households=int(households),
        redeemed_value_month=flow.redeemed_by_source(month_start, month_end),
        redeemed_value_year=flow.redeemed_by_source(year_start, year_end),
        stock_value=flow.stock_by_source(),
        unvalued_units=flow.unvalued_units(),
        low_stock=low_stock(session, village),
        pending_applications=int(pending or 0),
        daily=_daily_redeemed(session, village.id, today, 30),
        monthly=_monthly(session, village.id, today.year, today.month),
    )


__all__ = ["SOURCE_KINDS", "Dashboard", "PointsFigures", "dashboard", "points_between"]
