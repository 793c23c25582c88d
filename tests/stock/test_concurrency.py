"""Several processes at once: a day close while kiosks keep selling, on SQLite and PostgreSQL."""

from __future__ import annotations

import collections
import json
import time

import pytest
from sqlalchemy import func, select

from shop.db import make_engine, session_factory, unit_of_work
from shop.ledger.verify import verify_ledger
from shop.models import DayClose, Kiosk, Redemption, utcnow
from shop.redemptions import dayclose
from shop.redemptions.limits import local_date

from ..shop.helpers import FORK, committed_shop, redeem_many

pytestmark = pytest.mark.slow


def _close_after(url: str, kiosk_id: int, start, delay: float, results) -> None:
    engine = make_engine(url)
    start.wait()
    time.sleep(delay)
    with unit_of_work(session_factory(engine)) as s:
        close = dayclose.close_day(
            s, s.get(Kiosk, kiosk_id), local_date(utcnow()), actor="clerk:test"
        )
        report = json.loads(close.report_json)
    engine.dispose()
    results.put({"report": report})


def test_a_close_while_kiosks_sell_misses_no_receipt_and_lets_none_in_after(fresh_backend):
    shop = committed_shop(fresh_backend.url, balance=100_000, price=7, on_hand=100_000)
    start, results = FORK.Event(), FORK.Queue()
    sellers = [
        FORK.Process(
            target=redeem_many,
            args=(shop, [f"p{p}-close-{i:03d}" for i in range(25)], start, results),
        )
        for p in range(6)
    ]
    closer = FORK.Process(target=_close_after, args=(shop.url, shop.kiosk_id, start, 0.3, results))
    for p in [*sellers, closer]:
        p.start()
    start.set()
    outcome: collections.Counter = collections.Counter()
    report = None
    for _ in range(len(sellers) + 1):
        got = results.get(timeout=240)
        if "report" in got:
            report = got["report"]
        else:
            outcome.update(got)
    for p in [*sellers, closer]:
        p.join(timeout=30)
    assert set(outcome) <= {"ok", "day_closed"} and sum(outcome.values()) == 150
    with unit_of_work(session_factory(fresh_backend.engine)) as s:
        made = s.scalar(select(func.count(Redemption.id)))
        last = s.scalar(select(func.max(Redemption.receipt_seq)))
        stored = s.scalar(select(DayClose.report_json))
    # Every receipt the kiosks made is in the closed day's report; none came after the close.
    assert made == outcome["ok"] == report["receipts"]["issued"]
    assert report["receipts"]["last"] == (f"KMP-{last:06d}" if last else None)
    assert report["receipts"]["missing"] == 0 and json.loads(stored) == report
    with fresh_backend.engine.connect() as conn:
        assert verify_ledger(conn).problems == []
