"""kiosk verify on a live shop: kiosks keep redeeming while it runs, and it sees no false
tampering (one snapshot for all its reads) and does not stop them (no write lock)."""

from __future__ import annotations

import os
import signal
import time

import pytest
from sqlalchemy import func, select

from shop.db import session_factory, unit_of_work
from shop.ledger.verify import snapshot, verify_ledger
from shop.models import Redemption

from .helpers import FORK, committed_shop, redeem_many

pytestmark = pytest.mark.slow


def _receipts(engine) -> int:
    with unit_of_work(session_factory(engine)) as s:
        return s.scalar(select(func.count(Redemption.id)))


def test_verify_while_kiosks_redeem_sees_one_moment(fresh_backend):
    shop = committed_shop(fresh_backend.url, balance=100_000, price=1, on_hand=100_000)
    keys = [f"live-{i:05d}" for i in range(100_000)]
    writer = FORK.Process(target=redeem_many, args=(shop, keys, None, None))
    writer.start()
    try:
        time.sleep(0.3)
        runs = 0
        started = _receipts(fresh_backend.engine)
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            with snapshot(fresh_backend.engine) as conn:
                report = verify_ledger(conn)
            assert report.problems == []
            runs += 1
        assert _receipts(fresh_backend.engine) > started, "the kiosk kept selling during verify"
        assert runs >= 3
    finally:
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(timeout=10)
