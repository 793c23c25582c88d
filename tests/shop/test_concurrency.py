"""Several kiosks at once, as separate processes, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shop.db import session_factory, unit_of_work
from shop.ledger.verify import verify_ledger
from shop.models import Household, Journal, PointsEntry, Product, Redemption

from .helpers import committed_shop, run_mixed, run_processes

pytestmark = pytest.mark.slow


def _state(backend, shop):
    with unit_of_work(session_factory(backend.engine)) as s:
        balance = s.get(Household, shop.household_id).balance
        on_hand = s.scalar(select(Product.on_hand).where(Product.sku == shop.sku))
        receipts = s.scalar(select(func.count(Redemption.id)))
        seqs = s.scalars(select(Redemption.receipt_seq).order_by(Redemption.receipt_seq)).all()
    with backend.engine.connect() as conn:
        report = verify_ledger(conn)
    assert report.problems == []
    assert seqs == list(range(1, receipts + 1)), "receipt numbers must be gapless"
    return balance, on_hand, receipts


def test_eight_kiosks_spend_one_balance_exactly_once(fresh_backend):
    shop = committed_shop(fresh_backend.url, balance=1000, price=7, on_hand=10_000)
    outcome = run_processes(shop, [[f"p{p}-try-{i:03d}" for i in range(60)] for p in range(8)])
    assert outcome == {"ok": 142, "insufficient_points": 480 - 142}
    assert _state(fresh_backend, shop) == (6, 10_000 - 142, 142)


def test_eight_kiosks_take_the_last_three_items_exactly_once(fresh_backend):
    shop = committed_shop(fresh_backend.url, balance=100_000, price=7, on_hand=3)
    outcome = run_processes(shop, [[f"p{p}-last-{i:03d}" for i in range(10)] for p in range(8)])
    assert outcome == {"ok": 3, "out_of_stock": 77}
    assert _state(fresh_backend, shop) == (100_000 - 21, 0, 3)


def test_eight_processes_sending_the_same_fifty_keys_make_fifty_redemptions(fresh_backend):
    shop = committed_shop(fresh_backend.url, balance=10_000, price=7, on_hand=1_000)
    keys = [f"shared-key-{i:03d}" for i in range(50)]
    lists = [keys[p * 6 :] + keys[: p * 6] for p in range(8)]  # each starts somewhere else
    outcome = run_processes(shop, lists)
    assert outcome == {"ok": 400}  # every call answered, 350 of them as replays
    assert _state(fresh_backend, shop) == (10_000 - 350, 1_000 - 50, 50)


def _redemption_postings_never_below_zero(backend, shop):
    with unit_of_work(session_factory(backend.engine)) as s:
        lowest = s.scalar(
            select(func.min(PointsEntry.balance_after))
            .join(Journal, Journal.id == PointsEntry.journal_id)
            .where(Journal.kind == "redemption", PointsEntry.household_id == shop.household_id)
        )
        deductions = s.scalar(
            select(func.count(PointsEntry.id))
            .join(Journal, Journal.id == PointsEntry.journal_id)
            .where(Journal.kind == "deduction", PointsEntry.household_id == shop.household_id)
        )
    assert lowest is None or lowest >= 0
    return deductions


def test_eight_processes_deducting_and_redeeming_at_once(fresh_backend):
    """Deductions apply at any balance, redemptions stay guarded: 8 processes, each 20
    deductions of 3 points interleaved with 20 redemptions of a 7-point item, then 20 more
    redemptions; then, below the price, 10 of each again."""
    shop = committed_shop(fresh_backend.url, balance=600, price=7, on_hand=10_000)
    work = [
        [
            *((kind, f"p{p}-{kind}-{i:03d}") for i in range(20) for kind in ("deduct", "redeem")),
            *(("redeem", f"p{p}-tail-{i:03d}") for i in range(20)),
        ]
        for p in range(8)
    ]
    outcome = run_mixed(shop, work)
    redeemed = outcome["redeem:ok"]
    assert outcome == {
        "deduct:ok": 160,
        "redeem:ok": redeemed,
        "redeem:insufficient_points": 320 - redeemed,
    }
    balance, on_hand, receipts = _state(fresh_backend, shop)  # verify clean, receipts gapless
    assert balance == 600 - 160 * 3 - 7 * redeemed
    assert (on_hand, receipts) == (10_000 - redeemed, redeemed)
    # After the last deduction its process tried 20 redemptions (140 points) against at most
    # 600 - 480 = 120: whatever the order, the balance ends below the price.
    assert balance < 7
    assert _redemption_postings_never_below_zero(fresh_backend, shop) == 160

    # Below the price, every redemption is refused and every deduction still applies.
    work = [
        [(kind, f"q{p}-{kind}-{i:03d}") for i in range(10) for kind in ("redeem", "deduct")]
        for p in range(8)
    ]
    assert run_mixed(shop, work) == {"deduct:ok": 80, "redeem:insufficient_points": 80}
    assert _state(fresh_backend, shop) == (balance - 240, on_hand, receipts)
    assert _redemption_postings_never_below_zero(fresh_backend, shop) == 240
