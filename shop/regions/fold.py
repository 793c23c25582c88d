"""The monthly figures of every village, folded in from the journal (汇总).

The township's and the district's pages must stay fast over millions of journal rows, so they read
two small tables instead: `village_month_points` (points per village, month and kind) and
`household_month_awards` / `household_year_awards` (points awarded per household and month or
year), `village_month_goods` (元 of goods redeemed per month and funding source). Each village has a
mark, the seq of the last journal row folded in. `fold(session, village_ids)` adds every journal
row after the mark and moves the mark, in the caller's transaction; the region pages fold before
they read, so what they show is always the whole journal, and `kiosk region refresh` (a timer)
keeps the work of a page small. Two folds at once cannot count a row twice: the mark moves by a
guarded UPDATE (`WHERE seq = :seen`) before anything is added, and the loser adds nothing.

`check(session)` recomputes both tables from the journal up to each mark; `kiosk verify` runs it.

Months are the business clock's (shop.clock), as on the village's own reports. Rows are read with
the tables' columns (not the mapped classes) and an explicit list of village ids: those ids are the
caller's (the scope confined the query that found them), and the confinement's per-row criterion
would otherwise be evaluated for every journal row read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shop import clock
from shop.ledger.models import Journal, LedgerHead, PointsEntry
from shop.regions.models import (
    FigureMark,
    HouseholdMonthAwards,
    HouseholdYearAwards,
    Village,
    VillageMonthGoods,
    VillageMonthPoints,
)

POINT_KINDS = ("award", "deduction", "redemption", "void")
_J = Journal.__table__
_P = PointsEntry.__table__
_VMP = VillageMonthPoints.__table__
_HMA = HouseholdMonthAwards.__table__
_HYA = HouseholdYearAwards.__table__
_MARK = FigureMark.__table__
_HEAD = LedgerHead.__table__
_VMG = VillageMonthGoods.__table__


def month_of(moment: dt.datetime) -> dt.date:
    day = clock.local_date(moment)
    return day.replace(day=1)


def _tail(session: Session, village_id: int, after: int, upto: int):
    return session.execute(
        select(_J.c.created_at, _J.c.kind, _P.c.household_id, _P.c.delta)
        .select_from(_J.join(_P, _P.c.journal_id == _J.c.id))
        .where(
            _J.c.village_id == village_id,
            _J.c.seq > after,
            _J.c.seq <= upto,
            _J.c.kind.in_(POINT_KINDS),
        )
        .execution_options(yield_per=50_000)
    )


def _sums(rows) -> tuple[dict, dict]:
    points: dict[tuple[dt.date, str], list[int]] = defaultdict(lambda: [0, 0])
    awards: dict[tuple[int, dt.date], int] = defaultdict(int)
    months: dict[tuple, dt.date] = {}
    for at, kind, household_id, delta in rows:
        # Zones are offset by whole quarter hours: one quarter's local month is computed once.
        key = (at.year, at.month, at.day, at.hour, at.minute // 15)
        month = months.get(key)
        if month is None:
            month = months[key] = month_of(at)
        cell = points[(month, kind)]
        cell[0] += delta
        cell[1] += 1
        if kind == "award":
            awards[(household_id, month)] += delta
    return points, awards


def _add(session: Session, village_id: int, points: dict, awards: dict) -> None:
    for (month, kind), (total, count) in points.items():
        changed = session.execute(
            update(_VMP)
            .where(_VMP.c.village_id == village_id, _VMP.c.month == month, _VMP.c.kind == kind)
            .values(points=_VMP.c.points + total, entries=_VMP.c.entries + count)
        ).rowcount
        if not changed:
            session.execute(
                insert(_VMP).values(
                    village_id=village_id, month=month, kind=kind, points=total, entries=count
                )
            )
    _add_awards(session, _HMA, _HMA.c.month, village_id, awards)
    years: dict[tuple[int, int], int] = defaultdict(int)
    for (h, month), value in awards.items():
        years[(h, month.year)] += value
    _add_awards(session, _HYA, _HYA.c.year, village_id, years)


def _add_awards(session: Session, table, period, village_id: int, awards: dict) -> None:
    """Add (household, period) -> points into a table of awards per household and period."""
    if not awards:
        return
    periods = {p for _h, p in awards}
    known = {
        (h, p)
        for h, p in session.execute(
            select(table.c.household_id, period).where(
                table.c.village_id == village_id, period.in_(periods)
            )
        )
    }
    fresh = [
        {"household_id": h, period.name: p, "village_id": village_id, "awarded": v}
        for (h, p), v in awards.items()
        if (h, p) not in known
    ]
    if fresh:
        session.execute(insert(table), fresh)
    again = [{"h": h, "p": p, "v": v} for (h, p), v in awards.items() if (h, p) in known and v]
    if again:
        session.execute(
            update(table)
            .where(table.c.household_id == bindparam("h"), period == bindparam("p"))
            .values(awarded=table.c.awarded + bindparam("v")),
            again,
            execution_options={"synchronize_session": False},
        )


def _marks(session: Session, village_ids: Sequence[int]) -> dict[int, int]:
    marks = dict(
        session.execute(
            select(_MARK.c.village_id, _MARK.c.seq).where(_MARK.c.village_id.in_(village_ids))
        ).all()
    )
    for vid in village_ids:
        if vid not in marks:
            try:
                with session.begin_nested():
                    session.execute(insert(_MARK).values(village_id=vid, seq=0, stock_value=0.0))
                marks[vid] = 0
            except IntegrityError:  # another fold made it first
                marks[vid] = session.scalar(select(_MARK.c.seq).where(_MARK.c.village_id == vid))
    return marks


def fold(session: Session, village_ids: Iterable[int] | None = None) -> int:
    """Fold every journal row after each village's mark into the monthly figures; returns how
    many postings were added. `village_ids`: the caller's villages (None: every village the
    session's scope can see)."""
    ids = sorted(
        set(village_ids) if village_ids is not None else set(session.scalars(select(Village.id)))
    )
    if not ids:
        return 0
    marks = _marks(session, ids)
    # The chain's head (its last seq) says how far each journal goes: rows up to a committed head
    # are committed with it.
    heads = dict(
        session.execute(
            select(_HEAD.c.village_id, _HEAD.c.seq).where(_HEAD.c.village_id.in_(ids))
        ).all()
    )
    added = 0
    for vid in ids:
        seen, head = marks.get(vid, 0), heads.get(vid) or 0
        if head <= seen:
            continue
        moved = session.execute(
            update(_MARK).where(_MARK.c.village_id == vid, _MARK.c.seq == seen).values(seq=head)
        ).rowcount
        if moved != 1:
            continue  # another fold took these rows
        rows = list(_tail(session, vid, seen, head))
        points, awards = _sums(rows)
        _add(session, vid, points, awards)
        _goods(session, vid)
        added += len(rows)
    return added


def _goods_values(session: Session, village_id: int) -> tuple[dict, float]:
    from shop.reports.goods import goods_flow  # reports read stock and receipts: import late

    flow = goods_flow(session, village_id)
    values: dict[tuple[dt.date, str], float] = defaultdict(float)
    for use in flow.uses:
        if use.kind == "redeemed":
            values[(month_of(use.at), use.lot.source_kind)] += use.lot.value(use.qty)
    return dict(values), round(sum(flow.stock_by_source().values()), 2)


def _goods(session: Session, village_id: int) -> None:
    """The village's goods in 元 made again from its goods walk (its journal moved)."""
    values, stock_value = _goods_values(session, village_id)
    session.execute(_VMG.delete().where(_VMG.c.village_id == village_id))
    if values:
        session.execute(
            insert(_VMG),
            [
                {"village_id": village_id, "month": m, "source": k, "value": round(v, 2)}
                for (m, k), v in values.items()
            ],
        )
    session.execute(
        update(_MARK).where(_MARK.c.village_id == village_id).values(stock_value=stock_value)
    )


def check(session: Session, village_ids: Iterable[int] | None = None) -> list[str]:
    """The monthly figures recomputed from the journal up to each village's mark; a problem for
    each figure that differs (empty: they equal the journal)."""
    query = select(_MARK.c.village_id, _MARK.c.seq)
    if village_ids is not None:
        query = query.where(_MARK.c.village_id.in_(list(village_ids)))
    problems: list[str] = []
    for vid, mark in session.execute(query).all():
        points, awards = _sums(_tail(session, vid, 0, mark))
        stored = {
            (m, k): [p, e]
            for m, k, p, e in session.execute(
                select(_VMP.c.month, _VMP.c.kind, _VMP.c.points, _VMP.c.entries).where(
                    _VMP.c.village_id == vid
                )
            )
        }
        if {k: list(v) for k, v in points.items()} != stored:
            problems.append(f"village {vid}: monthly points differ from the journal")
        stored_awards = {
            (h, m): v
            for h, m, v in session.execute(
                select(_HMA.c.household_id, _HMA.c.month, _HMA.c.awarded).where(
                    _HMA.c.village_id == vid
                )
            )
        }
        if dict(awards) != stored_awards:
            problems.append(f"village {vid}: households' monthly awards differ from the journal")
        years: dict[tuple[int, int], int] = defaultdict(int)
        for (h, month), value in awards.items():
            years[(h, month.year)] += value
        stored_years = {
            (h, y): v
            for h, y, v in session.execute(
                select(_HYA.c.household_id, _HYA.c.year, _HYA.c.awarded).where(
                    _HYA.c.village_id == vid
                )
            )
        }
        if dict(years) != stored_years:
            problems.append(f"village {vid}: households' yearly awards differ from the journal")
        values, _stock = _goods_values(session, vid)
        stored_goods = {
            (m, k): v
            for m, k, v in session.execute(
                select(_VMG.c.month, _VMG.c.source, _VMG.c.value).where(_VMG.c.village_id == vid)
            )
        }
        if {k: round(v, 2) for k, v in values.items()} != stored_goods:
            problems.append(f"village {vid}: monthly goods in yuan differ from the goods walk")
    return problems
