"""`kiosk verify`: recompute every chain, every balance and every on-hand; name the first bad row.

Streams the journal and both posting tables in chain order and merges them, so a million rows
verify in seconds without loading the ledger into memory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, text

from .db import read_engine
from .ledger import GENESIS, format_ts

# Rows are read in id order: appends take the village's head lock before inserting, so within a
# village id order is chain order, and reading by id needs no join or sort. Any row moved out of
# that order shows up as a seq or prev_hash mismatch.
_JOURNAL = (
    "SELECT id, village_id, seq, kind, {created_at}, actor, ref, memo, prev_hash, hash "
    "FROM journal {where} ORDER BY id"
)
# PostgreSQL formats the timestamp itself: making a datetime per row only to format it again
# would cost more than the hashing.
_PG_CREATED_AT = """to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
_POINTS = (
    "SELECT journal_id, household_id, delta, balance_after, rule_id "
    "FROM points_entries {where} ORDER BY journal_id, id"
)
_STOCK = (
    "SELECT journal_id, product_id, delta, on_hand_after, reason "
    "FROM stock_moves {where} ORDER BY journal_id, id"
)
_IN_VILLAGE = "journal_id IN (SELECT id FROM journal WHERE village_id = {v})"


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
    if isinstance(value, str) and value.endswith("Z"):  # PostgreSQL, formatted by to_char
        return value
    if isinstance(value, str):  # SQLite: 'YYYY-MM-DD HH:MM:SS.ffffff', stored as UTC
        if len(value) == 19:
            value += ".000000"
        return f"{value[:10]}T{value[11:26]}Z"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return format_ts(value)


def _t(value: str | None) -> str:
    value = value or ""
    return f"{len(value)}:{value}"


def _stream(conn: Connection, sql: str, name: str):
    """Rows straight from the driver: a server-side cursor on PostgreSQL, plain on SQLite.

    SQLAlchemy's per-row processing would cost as much as the hashing itself."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cursor = raw.cursor(name=f"verify_{name}")
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


def stream_ledger(conn: Connection, village_id: int | None = None, name: str = "verify"):
    """The journal and both posting tables, each in id order, straight from the driver: what
    verify checks and what the export writes. Three iterators; merge the postings by journal id.
    """
    village = int(village_id) if village_id is not None else None
    jwhere = f"WHERE village_id = {village}" if village is not None else ""
    pwhere = f"WHERE {_IN_VILLAGE.format(v=village)}" if village is not None else ""
    created_at = _PG_CREATED_AT if conn.dialect.name == "postgresql" else "created_at"
    return (
        _stream(conn, _JOURNAL.format(created_at=created_at, where=jwhere), f"{name}_journal"),
        _stream(conn, _POINTS.format(where=pwhere), f"{name}_points"),
        _stream(conn, _STOCK.format(where=pwhere), f"{name}_stock"),
    )


def verify_ledger(
    conn: Connection, village_id: int | None = None, max_problems: int = 20
) -> Report:
    """Recompute the chain of every village (or one) and check the cached figures."""
    started = time.perf_counter()
    report = Report()
    village = int(village_id) if village_id is not None else None
    # Read through SQLAlchemy first: it opens the transaction (and on SQLite takes the snapshot)
    # before the driver-level cursors below, so every read sees the same moment.
    heads = _read_heads(conn, village)
    journal, points, stock = stream_ledger(conn, village)
    p = next(points, None)
    s = next(stock, None)
    balances: dict[int, int] = {}
    on_hand: dict[int, int] = {}
    problems = report.problems
    sha256 = hashlib.sha256
    chains: dict[int, tuple[int, str]] = {}  # village -> (last seq, last hash)
    rows = 0

    def bad(village: int, seq: int, jid: int, why: str) -> None:
        problems.append(f"village {village} journal seq {seq} (id {jid}): {why}")

    for jid, vid, seq, kind, created_at, actor, ref, memo, stored_prev, stored_hash in journal:
        rows += 1
        last_seq, prev_hash = chains.get(vid, (0, GENESIS))
        expected_seq = last_seq + 1
        # _ts and _t inlined for the common cases: this line runs once per journal row.
        if created_at.__class__ is not str or created_at[-1] != "Z":
            created_at = canonical_time(created_at)
        actor, ref, memo = actor or "", ref or "", memo or ""
        lines = [
            f"J1|{vid}|{seq}|{kind}|{created_at}|{len(actor)}:{actor}|{len(ref)}:{ref}|"
            f"{len(memo)}:{memo}"
        ]
        while p is not None and p[0] < jid:
            problems.append(f"points entry for missing journal row id {p[0]}")
            p = next(points, None)
        while s is not None and s[0] < jid:
            problems.append(f"stock move for missing journal row id {s[0]}")
            s = next(stock, None)
        while p is not None and p[0] == jid:
            _, hid, delta, after, rule_id = p
            lines.append(f"P|{hid}|{delta}|{after}|{'' if rule_id is None else rule_id}")
            running = balances.get(hid, 0) + delta
            balances[hid] = running
            if running != after and len(problems) < max_problems:
                bad(
                    vid,
                    seq,
                    jid,
                    f"household {hid} balance_after {after}, entries sum to {running}",
                )
            p = next(points, None)
        while s is not None and s[0] == jid:
            _, pid, delta, after, reason = s
            lines.append(f"S|{pid}|{delta}|{after}|{_t(reason)}")
            running = on_hand.get(pid, 0) + delta
            on_hand[pid] = running
            if running != after and len(problems) < max_problems:
                bad(vid, seq, jid, f"product {pid} on_hand_after {after}, moves sum to {running}")
            s = next(stock, None)
        if len(problems) < max_problems:
            if seq != expected_seq:
                bad(vid, seq, jid, f"expected seq {expected_seq}: a row is missing or reordered")
            elif stored_prev != prev_hash:
                bad(vid, seq, jid, "prev_hash does not match the row before it")
            else:
                digest = sha256((prev_hash + "\n".join(lines)).encode("utf-8")).hexdigest()
                if digest != stored_hash:
                    bad(vid, seq, jid, "hash mismatch: the row or its postings were changed")
        chains[vid] = (seq, stored_hash)
    report.heads.update(chains)
    report.rows = rows
    if p is not None or s is not None:
        problems.append(
            "postings out of chain order (a posting's journal row was moved or removed)"
        )
    _check_heads(report, heads)
    _check_caches(conn, report, balances, on_hand, village_id)
    report.seconds = time.perf_counter() - started
    return report


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
