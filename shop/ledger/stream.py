"""The ledger read straight from the driver, and the one pass that checks it.

`stream_ledger` gives the journal and both posting tables in chain order (what `kiosk verify`
checks and what the export writes); `_check_part` recomputes every hash and running figure of a
stretch of it. shop.ledger.verify runs it over the whole ledger, shop.ledger.verify_parts over
parts at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass, field

from sqlalchemy import Connection

from shop.ledger.chain import GENESIS, format_ts

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
