"""Figures of a township or the district (乡镇/区县看板): one row per village for a month, the
months' trend, a ranking of households and the honour board (光荣榜).

Points come from the monthly figures folded in from the journal (shop/regions/fold.py: the
caller folds first, so they are the whole journal); receipts, applications and day closes are
read with grouped queries over every village of the caller's scope at once (shop/scope.py
confines them; the ids passed narrow further). Points
awarded are award postings, deducted are deductions (positive here), redeemed are redemptions
net of voids, outstanding is the sum of the households' balances (= the sum of postings, the
ledger's first invariant). Goods in 元 by funding source come from each village's goods walk
(shop.reports.goods), the same numbers as the village's own dashboard.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shop import clock
from shop.households.models import Household
from shop.points.models import PointsApplication
from shop.redemptions.models import DayClose, Redemption
from shop.regions.models import (
    FigureMark,
    HouseholdMonthAwards,
    HouseholdYearAwards,
    Township,
    Village,
    VillageMonthGoods,
    VillageMonthPoints,
)
from shop.reports.goods import SOURCE_KINDS

POINT_KINDS = ("award", "deduction", "redemption", "void")


@dataclass
class VillageMonth:
    """One village's figures for one month (and its state today)."""

    village_id: int
    code: str
    name: str
    township: str
    households: int = 0
    participating: int = 0  # households with at least one award this month
    awarded: int = 0
    deducted: int = 0
    redeemed: int = 0
    outstanding: int = 0
    redemptions: int = 0
    goods_value: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SOURCE_KINDS, 0.0))
    stock_value: float = 0.0
    pending_applications: int = 0
    last_close: dt.date | None = None
    days_since_close: int | None = None

    @property
    def participation(self) -> float:
        return self.participating / self.households if self.households else 0.0

    @property
    def goods_total(self) -> float:
        return sum(self.goods_value.values())


@dataclass(frozen=True)
class Ranked:
    rank: int
    household_id: int
    number: str
    head_name: str
    village: str
    points: int


def visible(session: Session, village_ids: Sequence[int] | None) -> list[int]:
    """The ids asked for, or every village the session's scope sees: the queries below name
    their villages themselves rather than trust the scope's criterion inside subqueries."""
    if village_ids is not None:
        return list(village_ids)
    return list(session.scalars(select(Village.id)))


def _villages(session: Session, village_ids: Sequence[int] | None) -> list[tuple]:
    query = (
        select(Village.id, Village.code, Village.name, func.coalesce(Township.name, ""))
        .outerjoin(Township, Township.id == Village.township_id)
        .order_by(Township.name, Village.code)
    )
    if village_ids is not None:
        query = query.where(Village.id.in_(list(village_ids)))
    return session.execute(query).all()


def village_months(
    session: Session,
    village_ids: Sequence[int] | None,
    year: int,
    month: int,
    *,
    today: dt.date | None = None,
) -> list[VillageMonth]:
    """One row per village (of `village_ids`, else every village the scope sees) for the month."""
    today = today or clock.today()
    start, end = clock.month_bounds(year, month)
    rows = {
        vid: VillageMonth(vid, code, name, town)
        for vid, code, name, town in _villages(session, village_ids)
    }
    ids = list(rows)
    if not ids:
        return []
    for vid, count, balance in session.execute(
        select(Household.village_id, func.count(Household.id), func.sum(Household.balance))
        .where(Household.village_id.in_(ids))
        .group_by(Household.village_id)
    ):
        rows[vid].households, rows[vid].outstanding = int(count), int(balance or 0)
    first = dt.date(year, month, 1)
    for vid, kind, total in session.execute(
        select(
            VillageMonthPoints.village_id, VillageMonthPoints.kind, VillageMonthPoints.points
        ).where(VillageMonthPoints.village_id.in_(ids), VillageMonthPoints.month == first)
    ):
        row, total = rows[vid], int(total or 0)
        if kind == "award":
            row.awarded += total
        elif kind == "deduction":
            row.deducted -= total
        else:
            row.redeemed -= total
    for vid, homes in session.execute(
        select(HouseholdMonthAwards.village_id, func.count())
        .where(
            HouseholdMonthAwards.village_id.in_(ids),
            HouseholdMonthAwards.month == first,
            HouseholdMonthAwards.awarded != 0,
        )
        .group_by(HouseholdMonthAwards.village_id)
    ):
        rows[vid].participating = int(homes)
    for vid, count in session.execute(
        select(Redemption.village_id, func.count(Redemption.id))
        .where(
            Redemption.village_id.in_(ids),
            Redemption.state == "completed",
            Redemption.created_at >= start,
            Redemption.created_at < end,
        )
        .group_by(Redemption.village_id)
    ):
        rows[vid].redemptions = int(count)
    for vid, count in session.execute(
        select(PointsApplication.village_id, func.count(PointsApplication.id))
        .where(PointsApplication.village_id.in_(ids), PointsApplication.state == "pending")
        .group_by(PointsApplication.village_id)
    ):
        rows[vid].pending_applications = int(count)
    for vid, last in session.execute(
        select(DayClose.village_id, func.max(DayClose.business_date))
        .where(DayClose.village_id.in_(ids))
        .group_by(DayClose.village_id)
    ):
        rows[vid].last_close = last
        rows[vid].days_since_close = (today - last).days if last else None
    for vid, source, value in session.execute(
        select(
            VillageMonthGoods.village_id, VillageMonthGoods.source, VillageMonthGoods.value
        ).where(VillageMonthGoods.village_id.in_(ids), VillageMonthGoods.month == first)
    ):
        rows[vid].goods_value[source] = rows[vid].goods_value.get(source, 0.0) + float(value)
    for vid, value in session.execute(
        select(FigureMark.village_id, FigureMark.stock_value).where(FigureMark.village_id.in_(ids))
    ):
        rows[vid].stock_value = float(value or 0.0)
    return list(rows.values())


def totals(rows: Sequence[VillageMonth]) -> VillageMonth:
    """The region's row: every village's figures added (days since close: the longest)."""
    out = VillageMonth(0, "", "", "")
    for row in rows:
        for name in (
            "households",
            "participating",
            "awarded",
            "deducted",
            "redeemed",
            "outstanding",
            "redemptions",
            "pending_applications",
        ):
            setattr(out, name, getattr(out, name) + getattr(row, name))
        out.stock_value += row.stock_value
        for kind, value in row.goods_value.items():
            out.goods_value[kind] = out.goods_value.get(kind, 0.0) + value
        if row.days_since_close is not None:
            out.days_since_close = max(out.days_since_close or 0, row.days_since_close)
    return out


def trend(
    session: Session,
    village_ids: Sequence[int] | None,
    *,
    today: dt.date | None = None,
    months: int = 12,
) -> list[tuple[int, int, int, int]]:
    """(year, month, awarded, redeemed) for the last `months` months, the region's sum."""
    village_ids = visible(session, village_ids)
    today = today or clock.today()
    firsts: list[tuple[int, int]] = []
    y, m = today.year, today.month
    for _ in range(months):
        firsts.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    firsts.reverse()
    index = {dt.date(y, m, 1): i for i, (y, m) in enumerate(firsts)}
    query = (
        select(
            VillageMonthPoints.month, VillageMonthPoints.kind, func.sum(VillageMonthPoints.points)
        )
        .where(VillageMonthPoints.month.in_(list(index)))
        .group_by(VillageMonthPoints.month, VillageMonthPoints.kind)
    )
    if village_ids is not None:
        query = query.where(VillageMonthPoints.village_id.in_(list(village_ids)))
    sums = {i: [0, 0] for i in range(months)}
    for first, kind, total in session.execute(query):
        i = index.get(first)
        if i is None:
            continue
        if kind == "award":
            sums[i][0] += int(total or 0)
        elif kind in ("redemption", "void"):
            sums[i][1] -= int(total or 0)
    return [(y, m, *sums[i]) for i, (y, m) in enumerate(firsts)]


def ranking(
    session: Session,
    village_ids: Sequence[int] | None,
    year: int,
    *,
    limit: int = 50,
) -> list[Ranked]:
    """The region's households by points earned (awards) in `year`, best first; ties share a
    rank and are listed by household number."""
    village_ids = visible(session, village_ids)
    query = (
        select(HouseholdYearAwards.household_id, HouseholdYearAwards.awarded)
        .where(HouseholdYearAwards.year == year, HouseholdYearAwards.awarded > 0)
        .order_by(HouseholdYearAwards.awarded.desc(), HouseholdYearAwards.household_id)
        .limit(limit)
    )
    if village_ids is not None:
        query = query.where(HouseholdYearAwards.village_id.in_(list(village_ids)))
    top = session.execute(query).all()
    if not top:
        return []
    names = {
        hid: (number, head, village)
        for hid, number, head, village in session.execute(
            select(Household.id, Household.number, Household.head_name, Village.name)
            .join(Village, Village.id == Household.village_id)
            .where(Household.id.in_([hid for hid, _ in top]))
        )
    }
    out: list[Ranked] = []
    rank, last = 0, None
    for position, (hid, points) in enumerate(top, start=1):
        if points != last:
            rank, last = position, points
        number, head, village = names.get(hid, ("", "", ""))
        out.append(Ranked(rank, hid, number, head, village, int(points)))
    return out


def honour_board(
    session: Session, village_ids: Sequence[int] | None, year: int, month: int
) -> list[Ranked]:
    """光荣榜: each village's household that earned most in the month (ties: lowest number)."""
    village_ids = visible(session, village_ids)
    # Each village's best household by one index probe a village (village, month, awarded desc),
    # not a sort of every household of the month.
    first = dt.date(year, month, 1)
    ids = list(village_ids)
    if not ids:
        return []
    best_of = (
        select(HouseholdMonthAwards.household_id)
        .where(
            HouseholdMonthAwards.village_id == Village.id,
            HouseholdMonthAwards.month == first,
            HouseholdMonthAwards.awarded > 0,
        )
        .order_by(HouseholdMonthAwards.awarded.desc(), HouseholdMonthAwards.household_id)
        .limit(1)
        .correlate(Village)
        .scalar_subquery()
    )
    winners = {
        vid: hid
        for vid, hid in session.execute(select(Village.id, best_of).where(Village.id.in_(ids)))
        if hid is not None
    }
    best = {
        vid: (hid, int(points))
        for vid, hid, points in session.execute(
            select(
                HouseholdMonthAwards.village_id,
                HouseholdMonthAwards.household_id,
                HouseholdMonthAwards.awarded,
            ).where(
                HouseholdMonthAwards.household_id.in_(list(winners.values())),
                HouseholdMonthAwards.month == first,
            )
        )
    }
    if not best:
        return []
    names = {
        hid: (number, head, village)
        for hid, number, head, village in session.execute(
            select(Household.id, Household.number, Household.head_name, Village.name)
            .join(Village, Village.id == Household.village_id)
            .where(Household.id.in_([hid for hid, _ in best.values()]))
        )
    }
    ordered = sorted(best.values(), key=lambda item: (-item[1], names[item[0]][2]))
    return [Ranked(n, hid, *names[hid], points) for n, (hid, points) in enumerate(ordered, start=1)]
