"""Fixtures of the ledger tests."""

from __future__ import annotations

import pytest

from shop import households, points, redemptions, regions, stock
from shop.db import session_factory, unit_of_work
from shop.ledger.verify import verify_ledger


@pytest.fixture
def ledger_with_history(fresh_backend):
    """A village with 10 journal rows: seq 1 the soap's creation (its price), 2 its delivery,
    3-4 households, 5-6 awards, 7-8 redemptions, 9 a deduction, 10 an award."""
    with unit_of_work(session_factory(fresh_backend.engine)) as s:
        village = regions.create_village(s, "V-T", "防篡改村")
        kiosk = regions.create_kiosk(s, village, "KT1", "一号机")
        soap = stock.create_product(s, village, "FZ", "肥皂", 5, unit="块")
        stock.receive_stock(s, soap, 50, actor="volunteer")
        homes = [
            households.create_household(s, village, f"01-00{i}", n, actor="panel")
            for i, n in enumerate(["张三", "李四"], 1)
        ]
        for h in homes:
            points.award_points(s, h, delta=40, actor="panel", memo="庭院整洁")
        for n, h in enumerate(homes):
            redemptions.redeem(s, h, {"FZ": 2}, kiosk=kiosk, idempotency_key=f"tamper-{n:03d}")
        points.award_points(s, homes[0], delta=-5, actor="panel", memo="乱倒垃圾")
        points.award_points(s, homes[1], delta=7, actor="panel", memo="志愿服务")
    with fresh_backend.engine.connect() as conn:
        assert verify_ledger(conn).problems == []
    return fresh_backend
