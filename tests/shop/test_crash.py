"""Crash safety: kiosks killed with SIGKILL mid-redemption lose nothing and apply no key twice."""

from __future__ import annotations

import os
import random
import signal
import time

import pytest
from sqlalchemy import func, select

from shop.db import session_factory, unit_of_work
from shop.ledger.verify import verify_ledger
from shop.models import Household, Redemption

from .helpers import FORK, committed_shop, redeem_many

pytestmark = pytest.mark.slow
KILLS = 20


def test_redemptions_killed_at_random_moments_leave_a_valid_ledger(fresh_backend):
    shop = committed_shop(fresh_backend.url, balance=100_000, price=3, on_hand=100_000)
    tried: list[str] = []
    rng = random.Random(20261123)
    retried: list[str] = []
    for round_no in range(KILLS):
        # Each round first retries the last keys of the round before (a kiosk resubmitting
        # after a crash), then goes on with new keys until it is killed.
        keys = retried + [f"crash-{round_no:02d}-{i:05d}" for i in range(100_000)]
        proc = FORK.Process(target=redeem_many, args=(shop, keys, None, None))
        proc.start()
        time.sleep(rng.uniform(0.2, 0.6))
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(timeout=10)
        assert proc.exitcode == -signal.SIGKILL
        with unit_of_work(session_factory(fresh_backend.engine)) as s:
            mine = s.scalars(
                select(Redemption.idempotency_key).where(
                    Redemption.idempotency_key.like(f"crash-{round_no:02d}-%")
                )
            ).all()
        reached = max((int(k.rsplit("-", 1)[1]) for k in mine), default=-1) + 1
        # Keys 0..reached-1 must all be applied (one child, in order); `reached` may have been
        # in flight when the kill came.
        assert len(mine) == reached
        retried = [f"crash-{round_no:02d}-{i:05d}" for i in range(max(0, reached - 2), reached + 1)]
        tried.extend(f"crash-{round_no:02d}-{i:05d}" for i in range(reached + 1))
    engine = fresh_backend.engine
    with engine.connect() as conn:
        assert verify_ledger(conn).problems == []
    with unit_of_work(session_factory(engine)) as s:
        applied = s.scalar(select(func.count(Redemption.id)))
    assert applied > KILLS, "the kills should come after some redemptions committed"

    # Every key again, as a kiosk retrying each request: nothing is applied twice.
    redeem_many(shop, tried, None, None)
    with unit_of_work(session_factory(engine)) as s:
        receipts = s.scalar(select(func.count(Redemption.id)))
        distinct = s.scalar(select(func.count(func.distinct(Redemption.idempotency_key))))
        balance = s.get(Household, shop.household_id).balance
    assert receipts == distinct == len(tried)
    assert balance == 100_000 - 3 * receipts
    with engine.connect() as conn:
        assert verify_ledger(conn).problems == []
