"""A long import leaves room for sales (issue 14, finding 12), on SQLite and PostgreSQL.

A 12,000-row roster once ran as one transaction: it held SQLite's write lock (on PostgreSQL, the
village's chain head) for 49 s and a kiosk's confirm failed after waiting 31.5 s. Imports now run
in short transactions (shop.db.apply_in_batches): a confirm made while the import runs lands
between its batches, in the journal and in time. bench/imports.py measures the waits.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from shop import households, points, redemptions, regions, stock
from shop.db import apply_in_batches, read_engine, session_factory, unit_of_work
from shop.errors import DomainError
from shop.households import roster_import
from shop.models import Household, Journal, Redemption

ROWS = 1_500


def _shop(engine) -> dict:
    with unit_of_work(session_factory(engine)) as s:
        village = regions.create_village(s, "V-IMP", "导入村")
        kiosk = regions.create_kiosk(s, village, "KI1", "一号机")
        home = households.create_household(s, village, "00-001", "张三", actor="test")
        points.award_points(s, home, delta=500, actor="test", memo="opening")
        soap = stock.create_product(s, village, "FZ", "肥皂", 5, unit="块")
        stock.receive_stock(s, soap, 100, actor="test")
        return {"village": village.id, "kiosk": kiosk.id, "home": home.id}


def _roster(n: int) -> list[dict]:
    return [
        {"户号": f"{i // 500 + 1:02d}-{i % 500 + 1:03d}", "户主": f"户主{i}", "村民小组": "第一组"}
        for i in range(1, n + 1)
    ]


def test_a_confirm_during_a_roster_import_lands_between_its_batches(fresh_backend):
    engine = fresh_backend.engine
    shop = _shop(engine)
    writer = session_factory(engine)
    reader = session_factory(read_engine(engine))
    finished: dict = {}

    def run_import():
        started = time.monotonic()
        finished["preview"] = roster_import.import_roster(
            lambda: unit_of_work(writer),
            shop["village"],
            _roster(ROWS),
            actor="staff:admin",
            read_unit=lambda: unit_of_work(reader),  # the file checked without the write lock
        )
        finished["seconds"] = time.monotonic() - started

    importer = threading.Thread(target=run_import)
    importer.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the first batch is in: the import is under way
            with unit_of_work(writer) as s:
                if s.scalar(select(func.count(Household.id))) > 1:
                    break
            time.sleep(0.01)
        began = time.monotonic()
        with unit_of_work(writer) as s:
            from shop.models import Kiosk

            receipt = redemptions.redeem(
                s, s.get(Household, shop["home"]), {"FZ": 1},
                kiosk=s.get(Kiosk, shop["kiosk"]), idempotency_key="import-confirm-1",
            )  # fmt: skip
            seq = receipt.journal.seq
        waited = time.monotonic() - began
    finally:
        importer.join(120)
    assert len(finished["preview"].creates) == ROWS
    with unit_of_work(writer) as s:
        imported = s.execute(
            select(func.min(Journal.seq), func.max(Journal.seq)).where(
                Journal.kind == "household_change", Journal.ref != "household:00-001"
            )
        ).one()
        assert s.scalar(select(func.count(Redemption.id))) == 1
    # The sale went in while the import was running, not after its last row.
    assert imported[0] < seq < imported[1], (imported, seq)
    assert waited < finished["seconds"], (waited, finished["seconds"])


def test_batches_commit_apart_and_a_refused_file_writes_nothing(fresh_backend):
    engine = fresh_backend.engine
    shop = _shop(engine)
    writer = session_factory(engine)
    rows = _roster(300)
    sizes = []
    apply_in_batches(
        lambda: unit_of_work(writer),
        rows,
        lambda s, batch: sizes.append(len(batch)),
        batch_s=0.0,  # the smallest batch each time after the first
        pause_s=0,
    )
    assert sizes[0] == 50 and sum(sizes) == 300 and len(sizes) > 2
    bad = rows + [{"户号": rows[0]["户号"], "户主": "重复"}]  # a number twice: all refused
    with pytest.raises(DomainError) as refused:
        roster_import.import_roster(lambda: unit_of_work(writer), shop["village"], bad, actor="t")
    assert refused.value.code == "file_has_bad_rows"  # 文件里有问题的行，没有导入
    with unit_of_work(writer) as s:
        assert s.scalar(select(func.count(Household.id))) == 1
