"""`kiosk verify`: recompute every chain, every balance and every on-hand; name the first bad row.

Streams the journal and both posting tables in chain order and merges them, so a million rows
verify in seconds without loading the ledger into memory; with `jobs` > 1 the journal is checked
in that many parts at once, one process each (docs/LEDGER.md, "Checking it"): the stream and
the one-pass check live in shop.ledger.stream, the parts in shop.ledger.verify_parts.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, text

from shop.db import read_engine
from shop.ledger.chain import GENESIS
from shop.ledger.stream import _check_part, stream_ledger
from shop.ledger.verify_parts import _check_in_parts


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
