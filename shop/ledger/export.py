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

import json
from typing import TextIO

from sqlalchemy import Connection

from shop.base import utcnow
from shop.ledger.chain import GENESIS
from shop.ledger.stream import canonical_time, stream_ledger

FORMAT = "points-kiosk-ledger"
VERSION = 1


def export_ledger(conn: Connection, out: TextIO, village_id: int | None = None) -> int:
    """Write the ledger (every village, or one) to `out` as JSON Lines. Returns the row count."""
    village = int(village_id) if village_id is not None else None
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
    journal, points, stock = stream_ledger(conn, village, name="export")
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
                    "created_at": canonical_time(created_at),
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
