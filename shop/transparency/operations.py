"""Transparency (公开透明): the monthly public notice (一月一公示), the annual ranking
(一年一排名), the supervisor's journal browser (监督) and the year-end policy (年终清零/结转).

Everything here reads the journal, the one source of truth; nothing reads the cached balances
except the year-end, which changes them through guarded updates like any other debit.

Dates are the village's local dates (config TIMEZONE, Asia/Shanghai): a month or a year is
[local midnight of its first day, local midnight of the next) and is compared with the journal's
UTC `created_at`.

Chain head on paper: a notice prints the seq and hash of the **last journal row written with a
time before the end of its period** (not the head at the moment of printing). Every line of the
notice is at or before that row, so the printed hash vouches for all of them, and printing the
same month again gives the same paper. Anyone holding the notice can check it against an export
of the ledger with `tools/verify_ledger.py --expect-head SEQ:HASH`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.orm import Session

from shop import ledger
from shop.base import utcnow
from shop.errors import DomainError
from shop.households.models import Household
from shop.ledger.models import Journal, PointsEntry, StockMove
from shop.points.models import AwardRequest, Rule, RuleCategory
from shop.regions.models import Village
from shop.stock.models import Product
from shop.transparency.models import YEAR_END_POLICIES, RankingMark, RankingTotal, YearEndPolicy

# Kinds on a monthly notice: the panel's awards and deductions, and the year-end (shown apart).
NOTICE_KINDS = ("award", "deduction", "year_end")
# Kinds that count for the ranking: what the panel awarded and deducted. Spending points in the
# shop (redemption, void) and the year-end are not merit and do not move a household's rank.
RANKING_KINDS = ("award", "deduction")
JOURNAL_KINDS = (
    "award",
    "deduction",
    "redemption",
    "void",
    "stock_receipt",
    "stock_adjustment",
    "passbook_issue",
    "passbook_revoke",
    "household_change",
    "day_close",
    "staff_change",
    "year_end",
    "genesis",
)
MAX_PAGE = 500


# ---------------------------------------------------------------------------------------------
# Time


def zone(tz: str | dt.tzinfo) -> dt.tzinfo:
    if isinstance(tz, dt.tzinfo):
        return tz
    try:
        return zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise DomainError("invalid_input", f"unknown time zone {tz!r}") from exc


def _local_midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(dt.UTC)


def month_bounds(year: int, month: int, tz: str | dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """UTC [start, end) of a local calendar month."""
    if not (1 <= month <= 12) or not (1900 <= year <= 9998):
        raise DomainError("invalid_input", f"no month {year}-{month}")
    z = zone(tz)
    first = dt.date(year, month, 1)
    following = dt.date(year + (month == 12), month % 12 + 1, 1)
    return _local_midnight(first, z), _local_midnight(following, z)


def year_bounds(year: int, tz: str | dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """UTC [start, end) of a local calendar year."""
    if not (1900 <= year <= 9998):
        raise DomainError("invalid_input", f"no year {year}")
    z = zone(tz)
    return _local_midnight(dt.date(year, 1, 1), z), _local_midnight(dt.date(year + 1, 1, 1), z)


# ---------------------------------------------------------------------------------------------
# Chain head


@dataclass(frozen=True)
class ChainHead:
    """A journal row's place in the village's chain, as printed on paper."""

    seq: int
    hash: str

    @property
    def short(self) -> str:
        """The part printed in large type: 16 hex characters (64 bits) are plenty to compare."""
        return self.hash[:16]

    @property
    def text(self) -> str:
        """`SEQ:HASH`, what the QR code holds and `verify_ledger.py --expect-head` accepts."""
        return f"{self.seq}:{self.hash}"


def head_before(session: Session, village_id: int, end: dt.datetime) -> ChainHead:
    """The last row (highest seq) of the village's chain written with a time before `end`.

    Walks back from the chain's head over the (village_id, seq) index in growing steps, so the
    cost is the number of rows written after `end` (none for a period that includes today),
    not the length of the whole chain."""
    hi, _ = ledger.head(session, village_id)
    step = 256
    while hi > 0:
        lo = max(0, hi - step)
        row = session.execute(
            select(Journal.seq, Journal.hash)
            .where(
                Journal.village_id == village_id,
                Journal.seq > lo,
                Journal.seq <= hi,
                Journal.created_at < end,
            )
            .order_by(Journal.seq.desc())
            .limit(1)
        ).one_or_none()
        if row is not None:
            return ChainHead(row[0], row[1])
        hi, step = lo, step * 4
    return ChainHead(0, ledger.GENESIS)


# ---------------------------------------------------------------------------------------------
# Monthly notice (一月一公示)


@dataclass(frozen=True)
class NoticeItem:
    """One award, deduction or year-end posting on the notice."""

    seq: int
    at: dt.datetime  # local time
    kind: str
    category: str
    item: str  # the rule's name, else the memo
    memo: str
    delta: int
    actor: str


@dataclass
class NoticeHousehold:
    household_id: int
    number: str
    head_name: str
    group_name: str
    items: list[NoticeItem] = field(default_factory=list)
    awarded: int = 0  # sum of award postings (> 0)
    deducted: int = 0  # sum of deduction postings, as a positive number
    cleared: int = 0  # year-end postings (清零/封顶), as a positive number

    @property
    def net(self) -> int:
        return self.awarded - self.deducted - self.cleared

    def add(self, item: NoticeItem) -> None:
        self.items.append(item)
        if item.kind == "year_end":
            self.cleared -= item.delta
        elif item.delta > 0:
            self.awarded += item.delta
        else:
            self.deducted -= item.delta


@dataclass
class NoticeGroup:
    name: str
    households: list[NoticeHousehold]

    @property
    def awarded(self) -> int:
        return sum(h.awarded for h in self.households)

    @property
    def deducted(self) -> int:
        return sum(h.deducted for h in self.households)

    @property
    def cleared(self) -> int:
        return sum(h.cleared for h in self.households)

    @property
    def net(self) -> int:
        return sum(h.net for h in self.households)


@dataclass
class MonthlyNotice:
    """积分公示: every household's awards and deductions in one local month, by villager group."""

    village_id: int
    village_code: str
    village_name: str
    year: int
    month: int
    tz: str
    start: dt.datetime  # UTC, inclusive
    end: dt.datetime  # UTC, exclusive
    groups: list[NoticeGroup]
    head: ChainHead  # last row written before `end`: vouches for every line of the notice
    generated_at: dt.datetime

    @property
    def households(self) -> list[NoticeHousehold]:
        return [h for g in self.groups for h in g.households]

    @property
    def active_households(self) -> list[NoticeHousehold]:
        return [h for h in self.households if h.items]

    @property
    def awarded(self) -> int:
        return sum(g.awarded for g in self.groups)

    @property
    def deducted(self) -> int:
        return sum(g.deducted for g in self.groups)

    @property
    def cleared(self) -> int:
        return sum(g.cleared for g in self.groups)

    @property
    def net(self) -> int:
        return sum(g.net for g in self.groups)

    @property
    def is_empty(self) -> bool:
        return not self.active_households


def _village(session: Session, village: Village | int) -> Village:
    found = village if isinstance(village, Village) else session.get(Village, village)
    if found is None:
        raise DomainError("unknown_village", str(village))
    return found


def _group_order(households: Iterable) -> list[str]:
    """Groups in the order of their first household number (第一, 第二, 第三 … not by code
    point, which would put 第三 before 第二)."""
    first: dict[str, str] = {}
    for h in households:
        if h.group_name not in first or h.number < first[h.group_name]:
            first[h.group_name] = h.number
    return sorted(first, key=lambda g: (first[g], g))


def monthly_notice(
    session: Session, village: Village | int, year: int, month: int, tz: str | dt.tzinfo
) -> MonthlyNotice:
    """The month's public notice. Lists every household of the village (a household with nothing
    this month shows no items and zeros, so every family finds its own line)."""
    village = _village(session, village)
    z = zone(tz)
    start, end = month_bounds(year, month, z)
    homes = session.execute(
        select(Household.id, Household.number, Household.head_name, Household.group_name)
        .where(Household.village_id == village.id)
        .order_by(Household.number)
    ).all()
    by_id = {h.id: NoticeHousehold(h.id, h.number, h.head_name, h.group_name) for h in homes}
    entries = session.execute(
        select(
            Journal.seq,
            Journal.kind,
            Journal.created_at,
            Journal.actor,
            Journal.memo,
            PointsEntry.household_id,
            PointsEntry.delta,
            Rule.name,
            RuleCategory.name,
        )
        .join(PointsEntry, PointsEntry.journal_id == Journal.id)
        .outerjoin(Rule, Rule.id == PointsEntry.rule_id)
        .outerjoin(RuleCategory, RuleCategory.id == Rule.category_id)
        .where(
            Journal.village_id == village.id,
            Journal.kind.in_(NOTICE_KINDS),
            Journal.created_at >= start,
            Journal.created_at < end,
        )
        .order_by(Journal.seq, PointsEntry.id)
    )
    for seq, kind, at, actor, memo, hid, delta, rule_name, category in entries:
        home = by_id.get(hid)
        if home is None:  # a posting to another village's household cannot happen; stay safe
            continue
        item = rule_name or memo or _KIND_ZH.get(kind, kind)
        home.add(NoticeItem(seq, at.astimezone(z), kind, category or "", item, memo, delta, actor))
    groups: dict[str, list[NoticeHousehold]] = {}
    for name in _group_order(homes):
        groups[name] = []
    for home in by_id.values():
        groups[home.group_name].append(home)
    return MonthlyNotice(
        village_id=village.id,
        village_code=village.code,
        village_name=village.name,
        year=year,
        month=month,
        tz=str(z),
        start=start,
        end=end,
        groups=[NoticeGroup(name, members) for name, members in groups.items()],
        head=head_before(session, village.id, end),
        generated_at=utcnow(),
    )


_KIND_ZH = {"award": "加分", "deduction": "扣分", "year_end": "年终积分处理"}


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
        return _group_order(self.rows)


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
    village = _village(session, village)
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
    village = _village(session, village)
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


# ---------------------------------------------------------------------------------------------
# Journal browser for the supervision panel (监督小组)


@dataclass(frozen=True)
class PostingRow:
    household_id: int
    household_number: str
    head_name: str
    delta: int
    balance_after: int
    rule: str | None


@dataclass(frozen=True)
class MoveRow:
    product_id: int
    sku: str
    product_name: str
    delta: int
    on_hand_after: int
    reason: str


@dataclass(frozen=True)
class JournalRow:
    id: int
    seq: int
    kind: str
    created_at: dt.datetime  # UTC
    actor: str  # who did it: staff username, "panel:…", kiosk code …
    ref: str
    memo: str
    hash: str
    points: list[PostingRow]
    stock: list[MoveRow]


@dataclass(frozen=True)
class JournalPage:
    rows: list[JournalRow]
    limit: int
    offset: int
    has_more: bool


def browse_journal(
    session: Session,
    village_id: int,
    *,
    household: Household | int | None = None,
    actor: str | None = None,
    kind: str | Iterable[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: int = 50,
    offset: int = 0,
    tz: str | dt.tzinfo = "Asia/Shanghai",
) -> JournalPage:
    """The village's journal, newest first, with postings; read-only, for the supervisor.

    household: rows posting points to it, or about it (ref ``household:<number>``).
    actor: exact match. kind: one kind or several. date_from/date_to: local dates, inclusive.
    """
    if not (1 <= limit <= MAX_PAGE) or offset < 0:
        raise DomainError("invalid_input", f"limit 1..{MAX_PAGE}, offset >= 0")
    z = zone(tz)
    query = select(Journal).where(Journal.village_id == village_id)
    if household is not None:
        home = household if isinstance(household, Household) else session.get(Household, household)
        if home is None or home.village_id != village_id:
            raise DomainError("unknown_household", str(household))
        query = query.where(
            or_(
                exists().where(
                    PointsEntry.journal_id == Journal.id, PointsEntry.household_id == home.id
                ),
                Journal.ref == f"household:{home.number}",
            )
        )
    if actor:
        query = query.where(Journal.actor == actor)
    if kind:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        unknown = set(kinds) - set(JOURNAL_KINDS)
        if unknown:
            raise DomainError("invalid_input", f"unknown kind {sorted(unknown)}")
        query = query.where(Journal.kind.in_(kinds))
    if date_from is not None:
        query = query.where(Journal.created_at >= _local_midnight(date_from, z))
    if date_to is not None:
        query = query.where(Journal.created_at < _local_midnight(date_to + dt.timedelta(days=1), z))
    journal = list(
        session.scalars(query.order_by(Journal.seq.desc()).limit(limit + 1).offset(offset))
    )
    has_more = len(journal) > limit
    journal = journal[:limit]
    ids = [j.id for j in journal]
    points: dict[int, list[PostingRow]] = {i: [] for i in ids}
    stock: dict[int, list[MoveRow]] = {i: [] for i in ids}
    if ids:
        for jid, hid, number, name, delta, after, rule in session.execute(
            select(
                PointsEntry.journal_id,
                PointsEntry.household_id,
                Household.number,
                Household.head_name,
                PointsEntry.delta,
                PointsEntry.balance_after,
                Rule.name,
            )
            .join(Household, Household.id == PointsEntry.household_id)
            .outerjoin(Rule, Rule.id == PointsEntry.rule_id)
            .where(PointsEntry.journal_id.in_(ids))
            .order_by(PointsEntry.id)
        ):
            points[jid].append(PostingRow(hid, number, name, delta, after, rule))
        for jid, pid, sku, pname, delta, after, reason in session.execute(
            select(
                StockMove.journal_id,
                StockMove.product_id,
                Product.sku,
                Product.name,
                StockMove.delta,
                StockMove.on_hand_after,
                StockMove.reason,
            )
            .join(Product, Product.id == StockMove.product_id)
            .where(StockMove.journal_id.in_(ids))
            .order_by(StockMove.id)
        ):
            stock[jid].append(MoveRow(pid, sku, pname, delta, after, reason))
    rows = [
        JournalRow(
            j.id,
            j.seq,
            j.kind,
            j.created_at,
            j.actor,
            j.ref,
            j.memo,
            j.hash,
            points[j.id],
            stock[j.id],
        )
        for j in journal
    ]
    return JournalPage(rows, limit, offset, has_more)


def journal_actors(session: Session, village_id: int) -> list[str]:
    """Everyone who ever wrote to the village's journal, for the browser's actor filter."""
    return list(
        session.scalars(select(Journal.actor).where(Journal.village_id == village_id).distinct())
    )


# ---------------------------------------------------------------------------------------------
# Year-end (年终积分处理): keep, expire (清零), or carry at most a cap


@dataclass(frozen=True)
class YearEndLine:
    household_id: int
    number: str
    head_name: str
    group_name: str
    balance: int
    deduct: int

    @property
    def keeps(self) -> int:
        return self.balance - self.deduct


@dataclass(frozen=True)
class YearEndPlan:
    policy: str
    cap: int | None
    on_date: dt.date
    lines: list[YearEndLine]  # only households that lose points

    @property
    def total_deducted(self) -> int:
        return sum(line.deduct for line in self.lines)


@dataclass(frozen=True)
class YearEndResult:
    village_id: int
    year: int
    policy: str
    cap: int | None
    head: ChainHead  # the year_end journal row
    households: int  # households that lost points
    total_deducted: int


def _check_policy(policy: str, cap: int | None) -> None:
    if policy not in YEAR_END_POLICIES:
        raise DomainError("invalid_input", f"policy must be one of {YEAR_END_POLICIES}")
    if policy == "cap":
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 0:
            raise DomainError("invalid_input", "a cap of 0 points or more is required")
    elif cap is not None:
        raise DomainError("invalid_input", "a cap is only for the cap policy")


def _target(policy: str, cap: int | None, balance: int) -> int:
    """The balance a household keeps into the new year."""
    if policy == "expire":
        return 0
    if policy == "cap":
        return min(balance, cap)
    return balance


def plan_year_end(
    session: Session,
    village: Village | int,
    policy: str,
    on_date: dt.date,
    cap: int | None = None,
) -> YearEndPlan:
    """What the policy would take from whom, at today's balances (a forecast: applying it
    takes from the balances as they are at that moment)."""
    village = _village(session, village)
    _check_policy(policy, cap)
    lines = []
    if policy != "keep":
        floor = 0 if policy == "expire" else cap
        for hid, number, name, group, balance in session.execute(
            select(
                Household.id,
                Household.number,
                Household.head_name,
                Household.group_name,
                Household.balance,
            )
            .where(Household.village_id == village.id, Household.balance > floor)
            .order_by(Household.number)
        ):
            lines.append(
                YearEndLine(
                    hid, number, name, group, balance, balance - _target(policy, cap, balance)
                )
            )
    return YearEndPlan(policy, cap, on_date, lines)


def announce_year_end(
    session: Session,
    village: Village | int,
    year: int,
    policy: str,
    effective_on: dt.date,
    cap: int | None = None,
    *,
    actor: str,
    today: dt.date,
) -> YearEndPolicy:
    """Announce (or change, until applied) the year-end for points year `year`. It must be
    announced before the day it takes effect, so villagers can spend their points first."""
    village = _village(session, village)
    _check_policy(policy, cap)
    if not (1900 <= year <= 9998) or effective_on <= today:
        raise DomainError("invalid_input", "the year-end must be announced before its day")
    row = session.scalar(
        select(YearEndPolicy).where(
            YearEndPolicy.village_id == village.id, YearEndPolicy.year == year
        )
    )
    if row is not None and row.is_applied:
        raise DomainError("duplicate", f"year-end {year} already applied")
    if row is None:
        row = YearEndPolicy(village_id=village.id, year=year)
        session.add(row)
    row.policy, row.cap, row.effective_on = policy, cap, effective_on
    row.announced_at, row.announced_by = utcnow(), actor
    session.flush()
    return row


def upcoming_year_end(
    session: Session, village: Village | int, today: dt.date
) -> list[YearEndPolicy]:
    """Announced year-ends not yet applied, soonest first: for the kiosk's waiting screen."""
    village_id = village.id if isinstance(village, Village) else village
    return list(
        session.scalars(
            select(YearEndPolicy)
            .where(
                YearEndPolicy.village_id == village_id,
                YearEndPolicy.applied_at.is_(None),
                YearEndPolicy.effective_on >= today,
            )
            .order_by(YearEndPolicy.effective_on)
        )
    )


_POLICY_ZH = {"keep": "积分保留", "expire": "积分清零", "cap": "积分封顶结转"}
CAS_ATTEMPTS = 5


def apply_year_end(
    session: Session,
    village: Village | int,
    year: int,
    *,
    actor: str,
    today: dt.date,
    at: dt.datetime | None = None,
) -> YearEndResult:
    """Apply the announced year-end as ONE `year_end` journal row with a posting per household
    that loses points. Idempotent per village and year: a repeat returns the first result.

    Each household's deduction is computed from its balance and written with a compare-and-set
    (`UPDATE … WHERE balance = :seen`), so a redemption racing with the year-end can neither be
    lost nor take the balance below zero; a changed balance is read again and retried.
    """
    village = _village(session, village)
    row = session.scalar(
        select(YearEndPolicy)
        .where(YearEndPolicy.village_id == village.id, YearEndPolicy.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)  # a concurrent apply may have committed
    )
    if row is None:
        raise DomainError("invalid_input", f"no year-end announced for {year}")
    key = f"year-end:{village.id}:{year}"
    request_hash = hashlib.sha256(f"{row.policy}|{row.cap}".encode()).hexdigest()
    if row.is_applied:
        return _year_end_result(session, village.id, row)
    if today < row.effective_on:
        raise DomainError("invalid_input", f"the year-end takes effect on {row.effective_on}")
    postings = []
    if row.policy != "keep":
        floor = 0 if row.policy == "expire" else row.cap
        candidates = session.execute(
            select(Household.id, Household.balance)
            .where(Household.village_id == village.id, Household.balance > floor)
            .order_by(Household.id)
        ).all()
        for hid, seen in candidates:
            posting = _take(session, hid, seen, row.policy, row.cap)
            if posting is not None:
                postings.append(posting)
    result = ledger.append(
        session,
        village.id,
        "year_end",
        actor=actor,
        ref=f"year_end:{year}",
        memo=f"{year}年度{_POLICY_ZH[row.policy]}"
        + (f"（上限{row.cap}分）" if row.policy == "cap" else ""),
        points=postings,
        at=at,
    )
    session.add(AwardRequest(idempotency_key=key, request_hash=request_hash, journal_id=result.id))
    row.applied_at, row.applied_by, row.journal_id = utcnow(), actor, result.id
    session.flush()
    return YearEndResult(
        village.id,
        year,
        row.policy,
        row.cap,
        ChainHead(result.seq, result.hash),
        len(postings),
        -sum(p.delta for p in postings),
    )


def _take(session: Session, hid: int, seen: int, policy: str, cap: int | None):
    for _ in range(CAS_ATTEMPTS):
        keep = _target(policy, cap, seen)
        if keep >= seen:
            return None
        done = session.execute(
            update(Household)
            .where(and_(Household.id == hid, Household.balance == seen))
            .values(balance=keep)
        ).rowcount
        if done == 1:
            return ledger.Posting(hid, keep - seen, keep)
        seen = session.scalar(select(Household.balance).where(Household.id == hid))
    raise DomainError("invalid_input", f"household {hid}: balance kept changing, try again")


def _year_end_result(session: Session, village_id: int, row: YearEndPolicy) -> YearEndResult:
    journal = session.get(Journal, row.journal_id)
    deltas = list(
        session.scalars(select(PointsEntry.delta).where(PointsEntry.journal_id == row.journal_id))
    )
    return YearEndResult(
        village_id,
        row.year,
        row.policy,
        row.cap,
        ChainHead(journal.seq, journal.hash),
        len(deltas),
        -sum(deltas),
    )


# ---------------------------------------------------------------------------------------------
# The kiosk's waiting screen (待机画面)


@dataclass(frozen=True)
class WaitingScreen:
    """What the waiting screen shows in turns: last month's notice, last year's ranking (top
    places overall), and year-ends announced but not yet applied."""

    notice: MonthlyNotice
    ranking: Ranking
    top: list[RankRow]
    year_ends: list[YearEndPolicy]
    ranking_to_date: bool = False  # this year so far: last year had no points (a new scheme)


def waiting_screen(
    session: Session, village: Village | int, today: dt.date, tz: str | dt.tzinfo, *, top: int = 10
) -> WaitingScreen:
    """One call for the waiting screen's rotation (read-only)."""
    village = _village(session, village)
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    notice = monthly_notice(session, village, last_month.year, last_month.month, tz)
    ranking = annual_ranking(session, village, today.year - 1, tz)
    to_date = not any(row.points > 0 for row in ranking.rows)
    if to_date:
        ranking = annual_ranking(session, village, today.year, tz)
    return WaitingScreen(
        notice, ranking, ranking.top(top), upcoming_year_end(session, village, today), to_date
    )
