"""合户 while the merged household is spending at three kiosks, in separate processes on SQLite
and PostgreSQL: the merge moves exactly the balance left when it lands (a redemption between its
read and its write makes it try again, never leaves a remainder behind), every point is counted
once and `kiosk verify` passes."""

from __future__ import annotations

import collections
import time

from sqlalchemy import func, select

from shop import households, points
from shop.db import make_engine, session_factory, unit_of_work
from shop.errors import DomainError
from shop.households import split_merge
from shop.ledger.verify import verify_ledger
from shop.models import Household, Journal, Redemption, Village
from tests.shop.helpers import FORK, Shop, committed_shop, redeem_many


def _merge_while_busy(url: str, keep_id: int, gone_id: int, start, results) -> None:
    """Child process: merge `gone` into `keep` at the balance it reads, again while it changes."""
    engine = make_engine(url)
    factory = session_factory(engine)
    start.wait()
    time.sleep(0.05)  # the kiosks are spending by now
    outcome: collections.Counter = collections.Counter()
    for _ in range(200):
        try:
            with unit_of_work(factory) as s:
                gone = s.get(Household, gone_id)
                split_merge.merge_households(
                    s, s.get(Household, keep_id), gone, expected_balance=gone.balance, actor="t"
                )
            outcome["merge:ok"] += 1
            break
        except DomainError as exc:
            outcome[f"merge:{exc.code}"] += 1
            if exc.code != "household_changed":
                break
    engine.dispose()
    results.put(dict(outcome))


def test_a_merge_during_redemptions_moves_exactly_what_is_left(fresh_backend):
    shop: Shop = committed_shop(fresh_backend.url, balance=600, price=3, on_hand=10_000)
    with unit_of_work(session_factory(fresh_backend.engine)) as s:
        village = s.get(Village, shop.village_id)
        keep = households.create_household(s, village, "01-002", "王大山", actor="t")
        points.award_points(s, keep, delta=50, actor="t")
        keep_id = keep.id
    start, results = FORK.Event(), FORK.Queue()
    procs = [
        FORK.Process(
            target=redeem_many,
            args=(shop, [f"merge-k{p}-{i:03d}" for i in range(40)], start, results),
        )
        for p in range(3)
    ]
    procs.append(
        FORK.Process(
            target=_merge_while_busy,
            args=(fresh_backend.url, keep_id, shop.household_id, start, results),
        )
    )
    for p in procs:
        p.start()
    start.set()
    outcome: collections.Counter = collections.Counter()
    for _ in procs:
        outcome.update(results.get(timeout=240))
    for p in procs:
        p.join(timeout=30)
    assert outcome["merge:ok"] == 1, outcome
    redeemed = outcome["ok"]
    # Before the merge a kiosk sells; after it, the household is merged (inactive) or its
    # balance is gone to the other household (not enough points): never both, never neither.
    assert redeemed + outcome["insufficient_points"] + outcome["household_inactive"] == 120, outcome
    with unit_of_work(session_factory(fresh_backend.engine)) as s:
        gone, keep = s.get(Household, shop.household_id), s.get(Household, keep_id)
        assert gone.merged_into_id == keep_id and gone.balance == 0
        sold = s.scalar(select(func.count(Redemption.id)).where(Redemption.household_id == gone.id))
        assert sold == redeemed
        assert keep.balance == 50 + 600 - 3 * redeemed
        moved = s.scalar(select(func.count(Journal.id)).where(Journal.kind == "transfer"))
        assert moved == 1  # 600 points never run out at 120 × 3
    with fresh_backend.engine.connect() as conn:
        assert verify_ledger(conn).problems == []
