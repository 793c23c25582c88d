"""`kiosk verify --jobs N`: the journal checked in N parts at once, one process each, every
part reading the same snapshot; the parts are joined into what one pass would have found, or, if
any part found a problem, the caller checks again in one pass to name it exactly.
"""

from __future__ import annotations

import multiprocessing
import re

from sqlalchemy import Connection, func, select, text

from shop.db import make_engine, read_engine
from shop.ledger.chain import GENESIS
from shop.ledger.models import Journal
from shop.ledger.stream import _check_part, _Part, stream_ledger

# Below this many journal rows a part, starting processes costs more than it saves.
PART_MIN_ROWS = 20_000
_SNAPSHOT_ID = re.compile(r"^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$")


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
