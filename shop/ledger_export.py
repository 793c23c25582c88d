"""Export the ledger for outside checking (账本导出): JSON Lines, streamed.

Line 1 is a header, then one line per journal row in chain order with its postings in canonical
order (points entries, then stock moves, each in the order written), then an end line::

    {"type": "header", "format": "points-kiosk-ledger", "version": 1, "canonical": "J1", ...}
    {"type": "row", "village_id": 1, "seq": 1, "kind": "household_change",
     "created_at": "2026-11-23T02:00:00.000000Z", "actor": "panel", "ref": "household:01-001",
     "memo": "", "prev_hash": "000…", "hash": "9f2…",
     "points": [[household_id, delta, balance_after, rule_id or null], …],
     "stock": [[product_id, delta, on_hand_after, reason], …]}
    {"type": "end", "rows": 1234, "heads": {"1": [1234, "ab…"]}}

`created_at` is already in the canonical text form, so the standalone verifier
(tools/verify_ledger.py, standard library only) can rebuild the hashed bytes exactly.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TextIO

from sqlalchemy import Connection

from .ledger import GENESIS, format_ts
from .models import utcnow

# Rows in id order, as `kiosk verify` reads them: within a village, id order is chain order
# (appends hold the village's head lock), and postings merge in by journal id without a join.
_JOURNAL = (
    "SELECT id, village_id, seq, kind, created_at, actor, ref, memo, prev_hash, hash "
    "FROM journal {where} ORDER BY id"
)
_POINTS = (
    "SELECT journal_id, household_id, delta, balance_after, rule_id "
    "FROM points_entries {where} ORDER BY journal_id, id"
)
_STOCK = (
    "SELECT journal_id, product_id, delta, on_hand_after, reason "
    "FROM stock_moves {where} ORDER BY journal_id, id"
)
_IN_VILLAGE = "journal_id IN (SELECT id FROM journal WHERE village_id = {v})"


def _ts(value) -> str:
    """The canonical UTC text of a stored `created_at` (SQLite returns the stored string)."""
    if isinstance(value, str):
        if len(value) == 19:
            value += ".000000"
        return f"{value[:10]}T{value[11:26]}Z"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return format_ts(value)


def _stream(conn: Connection, sql: str, name: str):
    """Rows straight from the driver in batches: a server-side cursor on PostgreSQL."""
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cursor = raw.cursor(name=name)
        cursor.itersize = 10_000
    else:
        cursor = raw.cursor()
    cursor.execute(sql)
    try:
        while rows := cursor.fetchmany(10_000):
            yield from rows
    finally:
        cursor.close()


FORMAT = "points-kiosk-ledger"
VERSION = 1


def export_ledger(conn: Connection, out: TextIO, village_id: int | None = None) -> int:
    """Write the ledger (every village, or one) to `out` as JSON Lines. Returns the row count."""
    village = int(village_id) if village_id is not None else None
    jwhere = f"WHERE village_id = {village}" if village is not None else ""
    pwhere = f"WHERE {_IN_VILLAGE.format(v=village)}" if village is not None else ""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    out.write(
        dumps(
            {
                "type": "header",
                "format": FORMAT,
                "version": VERSION,
                "canonical": "J1",
                "genesis": GENESIS,
                "village_id": village,
                "exported_at": utcnow().strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
        )
        + "\n"
    )
    journal = _stream(conn, _JOURNAL.format(where=jwhere), "export_journal")
    points = _stream(conn, _POINTS.format(where=pwhere), "export_points")
    stock = _stream(conn, _STOCK.format(where=pwhere), "export_stock")
    p = next(points, None)
    s = next(stock, None)
    heads: dict[str, list] = {}
    rows = 0
    for jid, vid, seq, kind, created_at, actor, ref, memo, prev_hash, row_hash in journal:
        # Orphan postings (journal row gone) cannot be exported as part of any row; the
        # verifier will then find balances that do not add up, which is the honest outcome.
        while p is not None and p[0] < jid:
            p = next(points, None)
        while s is not None and s[0] < jid:
            s = next(stock, None)
        row_points = []
        while p is not None and p[0] == jid:
            row_points.append([p[1], p[2], p[3], p[4]])
            p = next(points, None)
        row_stock = []
        while s is not None and s[0] == jid:
            row_stock.append([s[1], s[2], s[3], s[4] or ""])
            s = next(stock, None)
        out.write(
            dumps(
                {
                    "type": "row",
                    "village_id": vid,
                    "seq": seq,
                    "kind": kind,
                    "created_at": _ts(created_at),
                    "actor": actor or "",
                    "ref": ref or "",
                    "memo": memo or "",
                    "prev_hash": prev_hash,
                    "hash": row_hash,
                    "points": row_points,
                    "stock": row_stock,
                }
            )
            + "\n"
        )
        heads[str(vid)] = [seq, row_hash]
        rows += 1
    out.write(dumps({"type": "end", "rows": rows, "heads": heads}) + "\n")
    return rows
