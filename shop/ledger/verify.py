"""`kiosk verify`: recompute every chain, every balance and every on-hand; name the first bad row.

Streams the journal and both posting tables in chain order and merges them, so a million rows
verify in seconds without loading the ledger into memory; with `jobs` > 1 the journal is checked
in that many parts at once, one process each (docs/LEDGER.md, "Checking it").
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import multiprocessing
import re
import time
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, func, select, text

from shop.db import make_engine, read_engine
from shop.ledger.chain import GENESIS, format_ts
from shop.ledger.models import Journal

# Rows are read in id order: appends take the village's head lock before inserting, so within a
# village id order is chain order, and reading by id needs no join or sort. Any row moved out of
# that order shows up as a seq or prev_hash mismatch.
_JOURNAL = (
    "SELECT id, village_id, seq, kind, {created_at}, actor, ref, memo, prev_hash, hash "
    "FROM journal {where} ORDER BY id"
)
# PostgreSQL prints the UTC timestamp as text (with DateStyle ISO, set by stream_ledger): making
# a datetime per row only to format it again would cost more than the hashing, and to_char()
# costs the server a third more than the plain text output.
_PG_CREATED_AT = "(created_at AT TIME ZONE 'UTC')::text"
_POINTS = (
    "SELECT journal_id, household_id, delta, balance_after, rule_id "
    "FROM points_entries {where} ORDER BY journal_id, id"
)
_STOCK = (
    "SELECT journal_id, product_id, delta, on_hand_after, reason "
    "FROM stock_moves {where} ORDER BY journal_id, id"
)
_IN_VILLAGE = "journal_id IN (SELECT id FROM journal WHERE village_id = {v})"
# Below this many journal rows a part, starting processes costs more than it saves.
PART_MIN_ROWS = 20_000
_SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")


@dataclass
class Report:
    rows: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    heads: dict[int, tuple[int, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> str | None:
        return self.problems[0] if self.problems else None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def canonical_time(value) -> str:
    """The canonical UTC text of a stored `created_at`, whatever the driver returned."""
    if isinstance(value, str) and value.endswith("Z"):
        return value
    if isinstance(value, str):
        # 'YYYY-MM-DD HH:MM:SS[.f…]' in UTC: SQLite keeps it so; PostgreSQL prints a timestamp
        # so, with the fraction's trailing zeros dropped.
        clock, _, fraction = value[11:].partition(".")
        return f"{value[:10]}T{clock}.{fraction.ljust(6, '0')}Z"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return format_ts(value)


def _stream(conn: Connection, sql: str, name: str):
    """Rows straight from the driver: a server-side cursor on PostgreSQL, plain on SQLite.

    SQLAlchemy's per-row processing would cost as much as the hashing itself."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        # Binary: the ids and figures arrive as numbers, without text to parse.
        cursor = raw.cursor(name=f"verify_{name}", binary=True)
        cursor.itersize = 10_000
    else:
        cursor = raw.cursor()
    cursor.execute(sql)
    try:
        while rows := cursor.fetchmany(10_000):
            yield from rows
    finally:
        cursor.close()


def snapshot(engine: Engine) -> Connection:
    """A connection whose reads all see one moment, without blocking the kiosks.

    verify reads the journal, the postings and the cached figures with separate queries; under
    READ COMMITTED a redemption committing between them would look like tampering. SQLite: a
    deferred read transaction (WAL keeps its snapshot, and no write lock is taken).
    PostgreSQL: REPEATABLE READ, read only.
    """
    if engine.dialect.name == "postgresql":
        return engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    return read_engine(engine).connect()


def stream_ledger(
    conn: Connection,
    village_id: int | None = None,
    name: str = "verify",
    *,
    lo: int | None = None,
    hi: int | None = None,
):
    """The journal and both posting tables, each in id order, straight from the driver: what
    verify checks and what the export writes. Three iterators; merge the postings by journal id.

    `lo` and `hi` bound the journal ids read (lo <= id < hi), for verifying a ledger in parts.
    """
    village = int(village_id) if village_id is not None else None
    jwhere = [f"village_id = {village}"] if village is not None else []
    pwhere = [_IN_VILLAGE.format(v=village)] if village is not None else []
    if lo is not None:
        jwhere.append(f"id >= {int(lo)}")
        pwhere.append(f"journal_id >= {int(lo)}")
    if hi is not None:
        jwhere.append(f"id < {int(hi)}")
        pwhere.append(f"journal_id < {int(hi)}")
    jw = f"WHERE {' AND '.join(jwhere)}" if jwhere else ""
    pw = f"WHERE {' AND '.join(pwhere)}" if pwhere else ""
    created_at = "created_at"
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL datestyle = 'ISO'")
        created_at = _PG_CREATED_AT
    return (
        _stream(conn, _JOURNAL.format(created_at=created_at, where=jw), f"{name}_journal"),
        _stream(conn, _POINTS.format(where=pw), f"{name}_points"),
        _stream(conn, _STOCK.format(where=pw), f"{name}_stock"),
    )


@dataclass
class _Part:
    """What checking one stretch of the journal found, and what the next stretch must match.

    A part that does not start at the beginning cannot know the balances or the chain it
    continues: it takes them from its own first rows (`firsts`, `openings`) and checks
    everything after them; `_join` then checks those against the parts before it."""

    rows: int = 0
    problems: list[str] = field(default_factory=list)
    chains: dict[int, tuple[int, str]] = field(default_factory=dict)  # village: last (seq, hash)
    # village: the (seq, hash) its first row here says came before it
    firsts: dict[int, tuple[int, str]] = field(default_factory=dict)
    balances: dict[int, int] = field(default_factory=dict)  # household: running balance
    openings: dict[int, int] = field(default_factory=dict)  # household: balance it started from
    on_hand: dict[int, int] = field(default_factory=dict)
    stock_openings: dict[int, int] = field(default_factory=dict)


def _check_part(journal, points, stock, *, continues: bool, max_problems: int) -> _Part:
    """Recompute every row's hash and every posting's running figure, in one pass.

    `continues`: this stretch starts after rows checked elsewhere (see `_Part`); otherwise it
    starts at the genesis of every chain, from balances of zero. This loop runs once per journal
    row, so it is written for speed: locals, no helper calls on the common path.
    """
    part = _Part()
    problems = part.problems
    chains, firsts = part.chains, part.firsts
    balances, openings = part.balances, part.openings
    on_hand, stock_openings = part.on_hand, part.stock_openings
    sha256 = hashlib.sha256
    end = float("inf")
    # A last row that sorts after every journal row, so the merge needs no None checks.
    points = itertools.chain(points, ((end,),))
    stock = itertools.chain(stock, ((end,),))
    p = next(points)
    s = next(stock)
    pj, sj = p[0], s[0]
    rows = 0

    def bad(village: int, seq: int, jid: int, why: str) -> None:
        problems.append(f"village {village} journal seq {seq} (id {jid}): {why}")

    # actor, ref, memo and reason are NOT NULL columns: no `or ""` needed.
    for jid, vid, seq, kind, created_at, actor, ref, memo, stored_prev, stored_hash in journal:
        rows += 1
        chain = chains.get(vid)
        if chain is None:
            if continues:
                chain = firsts[vid] = (seq - 1, stored_prev)
            else:
                chain = (0, GENESIS)
        last_seq, prev_hash = chain
        # 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC from both engines; a shorter fraction or a
        # datetime (rare) goes the long way.
        if created_at.__class__ is str and len(created_at) == 26:
            created_at = f"{created_at[:10]}T{created_at[11:]}Z"
        else:
            created_at = canonical_time(created_at)
        text = (
            f"{prev_hash}J1|{vid}|{seq}|{kind}|{created_at}|{len(actor)}:{actor}|"
            f"{len(ref)}:{ref}|{len(memo)}:{memo}"
        )
        while pj < jid:
            problems.append(f"points entry for missing journal row id {pj}")
            p = next(points)
            pj = p[0]
        while sj < jid:
            problems.append(f"stock move for missing journal row id {sj}")
            s = next(stock)
            sj = s[0]
        while pj == jid:
            _, hid, delta, after, rule_id = p
            if rule_id is None:
                text += f"\nP|{hid}|{delta}|{after}|"
            else:
                text += f"\nP|{hid}|{delta}|{after}|{rule_id}"
            running = balances.get(hid)
            if running is None:
                running = 0
                if continues:
                    running = openings[hid] = after - delta
            running += delta
            balances[hid] = running
            if running != after and len(problems) < max_problems:
                why = f"household {hid} balance_after {after}, entries sum to {running}"
                bad(vid, seq, jid, why)
            elif after < 0 and kind == "redemption" and len(problems) < max_problems:
                # A deduction may take a balance below zero; a redemption never may.
                bad(vid, seq, jid, f"redemption left household {hid} at {after} points")
            p = next(points)
            pj = p[0]
        while sj == jid:
            _, pid, delta, after, reason = s
            text += f"\nS|{pid}|{delta}|{after}|{len(reason)}:{reason}"
            running = on_hand.get(pid)
            if running is None:
                running = 0
                if continues:
                    running = stock_openings[pid] = after - delta
            running += delta
            on_hand[pid] = running
            if running != after and len(problems) < max_problems:
                bad(vid, seq, jid, f"product {pid} on_hand_after {after}, moves sum to {running}")
            s = next(stock)
            sj = s[0]
        if seq != last_seq + 1:
            if len(problems) < max_problems:
                bad(vid, seq, jid, f"expected seq {last_seq + 1}: a row is missing or reordered")
        elif stored_prev != prev_hash:
            if len(problems) < max_problems:
                bad(vid, seq, jid, "prev_hash does not match the row before it")
        elif sha256(text.encode()).hexdigest() != stored_hash and len(problems) < max_problems:
            bad(vid, seq, jid, "hash mismatch: the row or its postings were changed")
        chains[vid] = (seq, stored_hash)
    if pj != end or sj != end:
        problems.append(
            "postings out of chain order (a posting's journal row was moved or removed)"
        )
    part.rows = rows
    return part


def verify_ledger(
    conn: Connection, village_id: int | None = None, max_problems: int = 20, *, jobs: int = 1
) -> Report:
    """Recompute the chain of every village (or one) and check the cached figures.

    `jobs` > 1 checks the journal in that many parts at once, each in a process of its own
    reading the same snapshot (`conn` must come from `snapshot()` and hold no writes of its
    own). A ledger that passes is reported as the single pass would; one that does not is
    checked again in a single pass, so the first bad row is always named the same way.
    """
    started = time.perf_counter()
    report = Report()
    village = int(village_id) if village_id is not None else None
    # Read through SQLAlchemy first: it opens the transaction (and on SQLite takes the snapshot)
    # before the driver-level cursors below, so every read sees the same moment.
    heads = _read_heads(conn, village)
    part = _check_in_parts(conn, village, jobs) if jobs > 1 else None
    if part is None:
        journal, points, stock = stream_ledger(conn, village)
        part = _check_part(journal, points, stock, continues=False, max_problems=max_problems)
    report.problems.extend(part.problems)
    report.heads.update(part.chains)
    report.rows = part.rows
    _check_heads(report, heads)
    _check_caches(conn, report, part.balances, part.on_hand, village_id)
    _check_receipt_times(conn, report, village_id)
    report.seconds = time.perf_counter() - started
    return report


# --- in parts, in parallel ---------------------------------------------------------------------


def _check_in_parts(conn: Connection, village: int | None, jobs: int) -> _Part | None:
    """The journal checked in `jobs` parts at once; None when a part found a problem (or the
    parts do not join up), so the caller checks again in one pass and names it exactly."""
    bounds = _part_bounds(conn, village, jobs)
    if len(bounds) < 2:
        return None
    if conn.dialect.name == "postgresql":
        snapshot_id = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
    else:
        snapshot_id = None  # SQLite: rows up to the last id read here never change
    url = conn.engine.url.render_as_string(hide_password=False)
    tasks = [
        (url, snapshot_id, village, lo, hi, i > 0)
        for i, (lo, hi) in enumerate(zip(bounds, bounds[1:], strict=False))
    ]
    if _postings_after(conn, village, bounds[-1]):
        return None
    with multiprocessing.get_context("fork").Pool(len(tasks)) as pool:
        parts = pool.map(_check_part_in_process, tasks)
    return _join(parts)


def _part_bounds(conn: Connection, village: int | None, jobs: int) -> list[int | None]:
    """Journal ids splitting the ledger into parts of about equal rows: [None, b1, …, end]."""
    in_village = [Journal.village_id == village] if village is not None else []
    total, last = conn.execute(select(func.count(), func.max(Journal.id)).where(*in_village)).one()
    if not total or total < jobs * PART_MIN_ROWS:  # a small ledger: not worth the processes
        return []
    ids = select(Journal.id).where(*in_village).order_by(Journal.id).limit(1)
    bounds: list[int | None] = [None]
    for i in range(1, jobs):
        bounds.append(conn.execute(ids.offset(total * i // jobs)).scalar_one())
    bounds.append(last + 1)
    return bounds


def _postings_after(conn: Connection, village: int | None, end: int) -> bool:
    """Postings beyond the last journal row: the single pass reports these as out of order."""
    if village is not None:
        return False  # their journal rows are in the village or they are not its postings
    return any(
        conn.execute(text(sql), {"end": end}).first()
        for sql in (
            "SELECT 1 FROM points_entries WHERE journal_id >= :end LIMIT 1",
            "SELECT 1 FROM stock_moves WHERE journal_id >= :end LIMIT 1",
        )
    )


def _check_part_in_process(task) -> _Part:
    url, snapshot_id, village, lo, hi, continues = task
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            conn = engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            if not _SNAPSHOT_ID.match(snapshot_id):
                raise ValueError(f"not a snapshot id: {snapshot_id!r}")
            conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot_id}'")
        else:
            conn = read_engine(engine).connect()
            conn.exec_driver_sql("SELECT 1")  # begin the read transaction
        with conn:
            journal, points, stock = stream_ledger(conn, village, f"part_{lo}", lo=lo, hi=hi)
            return _check_part(journal, points, stock, continues=continues, max_problems=1)
    finally:
        engine.dispose()


def _join(parts: list[_Part]) -> _Part | None:
    """The parts as one pass, if every part was clean and each starts where the one before it
    ended: the next row of each chain, from the balances and stock the parts before left."""
    whole = _Part()
    for part in parts:
        if part.problems:
            return None
        for vid, before in part.firsts.items():
            if before != whole.chains.get(vid, (0, GENESIS)):
                return None
        if any(opening != whole.balances.get(h, 0) for h, opening in part.openings.items()):
            return None
        if any(opening != whole.on_hand.get(p, 0) for p, opening in part.stock_openings.items()):
            return None
        whole.rows += part.rows
        whole.chains.update(part.chains)
        whole.balances.update(part.balances)
        whole.on_hand.update(part.on_hand)
    return whole


def _read_heads(conn: Connection, village_id: int | None) -> dict[int, tuple[int, str]]:
    sql = "SELECT village_id, seq, head_hash FROM ledger_heads"
    rows = conn.execute(
        text(sql + (" WHERE village_id = :v" if village_id else "")),
        {"v": village_id} if village_id else {},
    )
    return {vid: (seq, head_hash) for vid, seq, head_hash in rows}


def _check_heads(report: Report, heads: dict[int, tuple[int, str]]) -> None:
    for vid, (seq, head_hash) in heads.items():
        got = report.heads.get(vid, (0, GENESIS))
        if (seq, head_hash) != got:
            report.problems.append(
                f"village {vid} head says seq {seq} {head_hash[:12]}, chain ends at seq {got[0]} "
                f"{got[1][:12]}: rows were removed from the end or the head was edited"
            )


# A kiosk's receipts, in number order, may go back in time by a clock correction's seconds, never
# more: a clock set back backdates sales into days already counted (see check_clock at redeem).
RECEIPT_TIME_SLACK = dt.timedelta(minutes=2)


def _moment(value) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _check_receipt_times(conn, report, village_id) -> None:
    """Each kiosk's receipts in number order must not go back in time beyond the slack."""
    flt = " WHERE village_id = :v" if village_id else ""
    rows = conn.execute(
        text(
            "SELECT receipt_no, created_at, prev_no, prev_at FROM ("  # noqa: S608 (constant filter)
            " SELECT receipt_no, created_at,"
            " LAG(receipt_no) OVER (PARTITION BY kiosk_id ORDER BY receipt_seq) AS prev_no,"
            " LAG(created_at) OVER (PARTITION BY kiosk_id ORDER BY receipt_seq) AS prev_at"
            " FROM redemptions" + flt + ") t WHERE prev_at IS NOT NULL AND created_at < prev_at"
        ),
        {"v": village_id} if village_id else {},
    )
    for number, at, prev_no, prev_at in rows:
        at, prev_at = _moment(at), _moment(prev_at)
        if at < prev_at - RECEIPT_TIME_SLACK:
            report.problems.append(
                f"receipt {number} is dated {at:%Y-%m-%d %H:%M} UTC, before receipt {prev_no} "
                f"({prev_at:%Y-%m-%d %H:%M} UTC): the kiosk's clock went back"
            )


def _check_caches(conn, report, balances, on_hand, village_id) -> None:
    flt = " WHERE village_id = :v" if village_id else ""
    params = {"v": village_id} if village_id else {}
    for hid, number, balance in conn.execute(
        text("SELECT id, number, balance FROM households" + flt),  # noqa: S608 (constant filter)
        params,
    ):
        if balance != balances.get(hid, 0):
            report.problems.append(
                f"household {number} (id {hid}): balance {balance}, "
                f"entries sum to {balances.get(hid, 0)}"
            )
    products = text("SELECT id, sku, on_hand FROM products" + flt)  # noqa: S608 (constant filter)
    for pid, sku, have in conn.execute(products, params):
        if have != on_hand.get(pid, 0):
            report.problems.append(
                f"product {sku} (id {pid}): on_hand {have}, moves sum to {on_hand.get(pid, 0)}"
            )
