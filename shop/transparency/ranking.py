"""The annual ranking (一年一排名), overall and per villager group, with its running cache."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from shop import ledger
from shop.base import utcnow
from shop.households.models import Household
from shop.ledger.models import Journal, PointsEntry
from shop.regions.models import Village
from shop.transparency.common import (
    RANKING_KINDS,
    ChainHead,
    group_order,
    head_before,
    village_of,
    year_bounds,
    zone,
)
from shop.transparency.models import RankingMark, RankingTotal

# ---------------------------------------------------------------------------------------------
# Annual ranking (一年一排名)


@dataclass(frozen=True)
class RankRow:
    rank: int  # competition ranking ("1224"): equal points share a rank, the next rank skips
    household_id: int
    number: str
    head_name: str
    group_name: str
    earned: int  # awards in the year
    deducted: int  # deductions in the year, as a positive number

    @property
    def points(self) -> int:
        """What the ranking is by: earned minus deducted."""
        return self.earned - self.deducted


@dataclass
class Ranking:
    """积分排名 of one year: overall, or within one villager group."""

    village_id: int
    village_code: str
    village_name: str
    year: int
    group: str | None
    tz: str
    rows: list[RankRow]
    head: ChainHead  # last row written before the end of the year
    generated_at: dt.datetime

    def top(self, n: int) -> list[RankRow]:
        """The rows ranked n or better: a tie at place n keeps everyone tied (so maybe > n)."""
        return [r for r in self.rows if r.rank <= n]

    @property
    def groups(self) -> list[str]:
        return group_order(self.rows)


def competition_ranks(scores: list[int]) -> list[int]:
    """Ranks for scores sorted best first: 100, 90, 90, 80 -> 1, 2, 2, 4 ("1224")."""
    ranks: list[int] = []
    for i, score in enumerate(scores):
        ranks.append(ranks[-1] if i and score == scores[i - 1] else i + 1)
    return ranks


def annual_ranking(
    session: Session,
    village: Village | int,
    year: int,
    tz: str | dt.tzinfo,
    group: str | None = None,
    *,
    use_totals: bool = True,
) -> Ranking:
    """Every household of the village (or of one villager group), ranked by points earned in
    the local calendar year: awards minus deductions. Redemptions, voids and the year-end do not
    count (spending is not a demerit). Equal points share a rank (1, 2, 2, 4); within a tie the
    list is in household-number order, which does not change anyone's rank.

    Reads the ranking totals cache up to its mark and the journal after it, so the result is
    exact however stale the cache is (`refresh_ranking_totals` keeps it fast). Read-only.
    `use_totals=False` reads the journal alone, e.g. to check the cache."""
    village = village_of(session, village)
    z = zone(tz)
    start, end = year_bounds(year, z)
    sums: dict[int, list[int]] = {}
    mark = 0
    if use_totals:
        mark = (
            session.scalar(
                select(RankingMark.seq).where(
                    RankingMark.village_id == village.id, RankingMark.tz == str(z)
                )
            )
            or 0
        )
        if mark:
            for hid, earned, deducted in session.execute(
                select(RankingTotal.household_id, RankingTotal.earned, RankingTotal.deducted).where(
                    RankingTotal.village_id == village.id,
                    RankingTotal.year == year,
                    RankingTotal.tz == str(z),
                )
            ):
                sums[hid] = [earned, deducted]
    positive = PointsEntry.delta > 0
    # After the mark only the rows since the last refresh count: find them by seq. Wrapping the
    # time in coalesce() keeps planners (SQLite's in particular) off the time index, which
    # would read the whole year to find those few rows.
    at = func.coalesce(Journal.created_at, Journal.created_at) if mark else Journal.created_at
    live = (
        select(
            PointsEntry.household_id,
            func.sum(case((positive, PointsEntry.delta), else_=0)),
            func.sum(case((positive, 0), else_=-PointsEntry.delta)),
        )
        .join(Journal, Journal.id == PointsEntry.journal_id)
        .where(
            Journal.village_id == village.id,
            Journal.kind.in_(RANKING_KINDS),
            at >= start,
            at < end,
        )
        .group_by(PointsEntry.household_id)
    )
    if mark:
        live = live.where(Journal.seq > mark)
    for hid, earned, deducted in session.execute(live):
        total = sums.setdefault(hid, [0, 0])
        total[0] += earned or 0
        total[1] += deducted or 0
    query = select(Household.id, Household.number, Household.head_name, Household.group_name).where(
        Household.village_id == village.id
    )
    if group is not None:
        query = query.where(Household.group_name == group)
    homes = []
    for hid, number, name, group_name in session.execute(query):
        earned, deducted = sums.get(hid, (0, 0))
        homes.append((-(earned - deducted), number, hid, name, group_name, earned, deducted))
    homes.sort()
    ranks = competition_ranks([h[0] for h in homes])
    rows = [
        RankRow(rank, hid, number, name, group_name, int(earned), int(deducted))
        for rank, (_, number, hid, name, group_name, earned, deducted) in zip(
            ranks, homes, strict=True
        )
    ]
    return Ranking(
        village_id=village.id,
        village_code=village.code,
        village_name=village.name,
        year=year,
        group=group,
        tz=str(z),
        rows=rows,
        head=head_before(session, village.id, end),
        generated_at=utcnow(),
    )


def refresh_ranking_totals(session: Session, village: Village | int, tz: str | dt.tzinfo) -> int:
    """Add the journal rows written since the last refresh to the ranking totals cache; returns
    how many postings were added. Flushes; call it from a writer (the CLI, a nightly job, the
    day close). Safe to repeat and to run concurrently: the mark row is locked, and rows are
    taken up to the chain head read first, which are all committed (appends to one village are
    serial and commit in seq order)."""
    village = village_of(session, village)
    z = zone(tz)
    name = str(z)
    mark = session.scalar(
        select(RankingMark)
        .where(RankingMark.village_id == village.id, RankingMark.tz == name)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if mark is None:
        mark = RankingMark(village_id=village.id, tz=name, seq=0)
        session.add(mark)
        session.flush()
    upto, _ = ledger.head(session, village.id)
    if upto <= mark.seq:
        return 0
    buckets: dict[tuple[int, int], list[int]] = {}
    bounds: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    added = 0
    rows = session.execute(
        select(Journal.created_at, PointsEntry.household_id, PointsEntry.delta)
        .join(PointsEntry, PointsEntry.journal_id == Journal.id)
        .where(
            Journal.village_id == village.id,
            Journal.seq > mark.seq,
            Journal.seq <= upto,
            Journal.kind.in_(RANKING_KINDS),
        )
    )
    for at, hid, delta in rows:
        year = at.year  # UTC year; the local year is this one or the next
        if year not in bounds:
            bounds[year] = year_bounds(year, z)
        if at >= bounds[year][1]:
            year += 1
        elif at < bounds[year][0]:
            year -= 1
        total = buckets.setdefault((hid, year), [0, 0])
        if delta > 0:
            total[0] += delta
        else:
            total[1] -= delta
        added += 1
    if buckets:
        years = {y for _, y in buckets}
        existing = {
            (h, y)
            for h, y in session.execute(
                select(RankingTotal.household_id, RankingTotal.year).where(
                    RankingTotal.village_id == village.id,
                    RankingTotal.tz == name,
                    RankingTotal.year.in_(years),
                )
            )
        }
        table = RankingTotal.__table__
        fresh = [
            dict(household_id=h, year=y, tz=name, village_id=village.id, earned=e, deducted=d)
            for (h, y), (e, d) in buckets.items()
            if (h, y) not in existing
        ]
        grown = [
            dict(h=h, y=y, e=e, d=d) for (h, y), (e, d) in buckets.items() if (h, y) in existing
        ]
        conn = session.connection()
        if fresh:
            conn.execute(table.insert(), fresh)
        if grown:
            conn.execute(
                table.update()
                .where(
                    table.c.household_id == bindparam("h"),
                    table.c.year == bindparam("y"),
                    table.c.tz == name,
                )
                .values(
                    earned=table.c.earned + bindparam("e"),
                    deducted=table.c.deducted + bindparam("d"),
                ),
                grown,
            )
    mark.seq, mark.updated_at = upto, utcnow()
    session.flush()
    return added


def group_rankings(
    session: Session, village: Village | int, year: int, tz: str | dt.tzinfo
) -> list[Ranking]:
    """One ranking per villager group, in group order (for the waiting screen and the PDF)."""
    overall = annual_ranking(session, village, year, tz)
    out = []
    for name in overall.groups:
        members = [r for r in overall.rows if r.group_name == name]
        ranks = competition_ranks([-r.points for r in members])
        rows = [
            RankRow(rank, r.household_id, r.number, r.head_name, r.group_name, r.earned, r.deducted)
            for rank, r in zip(ranks, members, strict=True)
        ]
        out.append(
            Ranking(
                overall.village_id,
                overall.village_code,
                overall.village_name,
                year,
                name,
                overall.tz,
                rows,
                overall.head,
                overall.generated_at,
            )
        )
    return out
