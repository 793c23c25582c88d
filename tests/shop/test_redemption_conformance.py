"""The redemption conformance suite: every redemption rule, run through both twins.

A redemption has two implementations of the same steps (docs/ARCHITECTURE.md says why): the
Python steps (`_redeem`, SQLite's path) and the PostgreSQL function `shop_redeem` (one round trip,
PostgreSQL's path). Here each rule runs on SQLite through the steps and on PostgreSQL through
BOTH, so a rule changed in one twin and not the other fails a test. A change to a redemption rule
adds its case here.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from shop import clock, households, ledger, points, redemptions
from shop.errors import DomainError
from shop.ledger.verify import verify_ledger
from shop.models import Kiosk, LimitCharge, PointsEntry, Redemption, StockMove
from shop.redemptions import dayclose, limits, operations
from shop.stock import products

_keys = itertools.count(1)
NOON = dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC)  # 12:00 in the village


TWINS = [
    pytest.param(("sqlite", "steps"), id="sqlite-steps"),
    pytest.param(("postgres", "steps"), id="postgres-steps", marks=pytest.mark.postgres),
    pytest.param(("postgres", "server"), id="postgres-server", marks=pytest.mark.postgres),
]


@pytest.fixture(params=TWINS)
def twin(request, pg_available) -> tuple[str, str]:
    """(engine, twin): PostgreSQL runs both twins, SQLite has only the steps."""
    if request.param[0] == "postgres" and not pg_available:
        pytest.skip("PostgreSQL not reachable (required in CI)")
    return request.param


@pytest.fixture
def backend_name(twin) -> str:
    return twin[0]


@pytest.fixture
def path(twin, monkeypatch) -> str:
    monkeypatch.setattr(operations, "redemption_path", lambda session: twin[1])
    return twin[1]


@pytest.fixture
def buy(session, kiosk, path):
    def redeem(household, basket, *, key=None, at=NOON, on=kiosk):
        return redemptions.redeem(
            session,
            household,
            basket,
            kiosk=on,
            idempotency_key=key or f"conform-{next(_keys):06d}",
            at=at,
        )

    return redeem


def refused(call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value


def clean(session, village) -> None:
    assert verify_ledger(session.connection(), village.id).problems == []


def test_a_basket_debits_points_takes_goods_numbers_and_journals_together(
    session, village, kiosk, create_household, create_product, buy
):
    soap, oil = create_product(5, 10), create_product(8, 3)
    household = create_household(100)
    receipt = buy(household, {soap.sku: 2, oil.sku: 1})
    session.refresh(household), session.refresh(soap), session.refresh(oil)
    assert (receipt.total, receipt.balance_after, household.balance) == (18, 82, 82)
    assert (soap.on_hand, oil.on_hand) == (8, 2)
    assert receipt.receipt_no == f"{kiosk.code}-000001" and receipt.print_state == "pending"
    assert sorted(
        (line.product_id, line.qty, line.points_each) for line in receipt.lines
    ) == sorted([(soap.id, 2, 5), (oil.id, 1, 8)])
    entry = session.scalar(select(PointsEntry).where(PointsEntry.journal_id == receipt.journal_id))
    assert (entry.delta, entry.balance_after) == (-18, 82)
    moves = session.scalars(select(StockMove).where(StockMove.journal_id == receipt.journal_id))
    assert sorted((m.product_id, m.delta, m.on_hand_after) for m in moves) == sorted(
        [(soap.id, -2, 8), (oil.id, -1, 2)]
    )
    assert session.scalar(select(Kiosk.last_receipt_seq).where(Kiosk.id == kiosk.id)) == 1
    clean(session, village)


def test_too_few_points_is_refused_with_what_is_needed_and_had(
    session, village, create_household, create_product, buy
):
    household, soap = create_household(9), create_product(5, 10)
    error = refused(lambda: buy(household, {soap.sku: 2}))
    assert error.code == "insufficient_points"
    assert (error.context["need"], error.context["have"]) == (10, 9)
    session.refresh(household), session.refresh(soap)
    assert (household.balance, soap.on_hand) == (9, 10)


def test_a_household_below_zero_is_refused_until_it_earns_back_above_the_price(
    session, village, kiosk, create_household, create_product, buy
):
    """A deduction took the household to -17: both twins refuse, say how much is missing
    (还差N分), take no goods and number no receipt; back at the price, the sale goes through."""
    household, soap = create_household(3), create_product(7, 10)
    points.award_points(session, household, delta=-20, actor="panel:test")
    error = refused(lambda: buy(household, {soap.sku: 1}))
    assert error.code == "insufficient_points"
    assert (error.context["need"], error.context["have"]) == (7, -17)
    assert error.text == "积分不够，还差24分。"
    session.refresh(household), session.refresh(soap)
    assert (household.balance, soap.on_hand) == (-17, 10)
    assert session.scalar(select(Kiosk.last_receipt_seq).where(Kiosk.id == kiosk.id)) == 0
    points.award_points(session, household, delta=23, actor="panel:test")
    assert refused(lambda: buy(household, {soap.sku: 1})).context["have"] == 6
    points.award_points(session, household, delta=1, actor="panel:test")
    assert buy(household, {soap.sku: 1}).balance_after == 0
    clean(session, village)


def test_the_exact_balance_may_be_spent_to_zero(session, create_household, create_product, buy):
    household, soap = create_household(10), create_product(5, 10)
    assert buy(household, {soap.sku: 2}).balance_after == 0


def test_more_than_the_shelf_holds_is_refused_naming_the_goods(
    session, create_household, create_product, buy
):
    household, broom = create_household(100), create_product(5, 1)
    error = refused(lambda: buy(household, {broom.sku: 2}))
    assert (error.code, error.detail) == ("out_of_stock", broom.sku)
    session.refresh(household)
    assert household.balance == 100


def test_unknown_retired_and_foreign_goods_are_refused(
    session, create_village, create_household, create_product, buy
):
    household = create_household(100)
    retired = create_product(5, 10)
    products.update_product(session, retired, actor="test", is_active=False)
    elsewhere = create_product(5, 10, target=create_village())
    assert refused(lambda: buy(household, {"NO-SUCH": 1})).code == "unknown_product"
    assert refused(lambda: buy(household, {retired.sku: 1})).code == "product_inactive"
    assert refused(lambda: buy(household, {elsewhere.sku: 1})).code == "unknown_product"


def test_a_paused_household_is_refused(session, create_household, create_product, buy):
    household, soap = create_household(100), create_product(5, 10)
    households.set_household_status(session, household, "inactive", actor="test")
    assert refused(lambda: buy(household, {soap.sku: 1})).code == "household_inactive"


def test_a_limit_counts_per_household_and_period_and_says_how_many(
    session, create_household, create_product, buy
):
    detergent = create_product(5, 50)
    limits.set_limit(session, detergent, 2, period="month")
    household = create_household(100)
    first = buy(household, {detergent.sku: 1})
    error = refused(lambda: buy(household, {detergent.sku: 2}))
    assert error.code == "limit_reached"
    assert (error.context["used"], error.context["allowed"]) == (1, 2)
    buy(household, {detergent.sku: 2}, at=NOON + dt.timedelta(days=11))  # December
    charges = session.scalars(select(LimitCharge).where(LimitCharge.redemption_id == first.id))
    assert [c.qty for c in charges] == [1]


def test_outside_a_redemption_window_nothing_is_sold(
    session, village, create_household, create_product, buy
):
    limits.add_window(session, village, dt.date(2026, 12, 1), dt.date(2026, 12, 7))
    household, soap = create_household(100), create_product(5, 10)
    assert refused(lambda: buy(household, {soap.sku: 1})).code == "outside_window"
    assert buy(household, {soap.sku: 1}, at=NOON + dt.timedelta(days=12)).total == 5


def test_a_closed_day_takes_no_more_receipts(session, kiosk, create_household, create_product, buy):
    household, soap = create_household(100), create_product(5, 10)
    buy(household, {soap.sku: 1})
    dayclose.close_day(session, kiosk, clock.local_date(NOON), actor="test")
    assert refused(lambda: buy(household, {soap.sku: 1})).code == "day_closed"


def test_a_repeated_key_returns_the_first_receipt_and_another_basket_is_refused(
    session, create_household, create_product, buy
):
    household, soap = create_household(100), create_product(5, 10)
    first = buy(household, {soap.sku: 1}, key="conform-repeat-1")
    again = buy(household, {soap.sku: 1}, key="conform-repeat-1")
    assert again.id == first.id and again.receipt_no == first.receipt_no
    error = refused(lambda: buy(household, {soap.sku: 2}, key="conform-repeat-1"))
    assert error.code == "idempotency_conflict"
    session.refresh(household)
    assert household.balance == 95


def test_refusals_use_no_receipt_number(session, kiosk, create_household, create_product, buy):
    rich, poor, soap = create_household(100), create_household(1), create_product(5, 10)
    buy(rich, {soap.sku: 1})
    refused(lambda: buy(poor, {soap.sku: 1}))
    refused(lambda: buy(rich, {soap.sku: 99}))
    assert buy(rich, {soap.sku: 1}).receipt_no == f"{kiosk.code}-000002"


def test_each_twin_writes_rows_verify_recomputes(
    session, village, kiosk, create_household, create_product, buy
):
    household, soap = create_household(100), create_product(5, 10)
    receipts = [buy(household, {soap.sku: 1}, at=NOON + dt.timedelta(minutes=i)) for i in range(3)]
    seq, head = ledger.head(session, village.id)
    last = session.get(Redemption, receipts[-1].id).journal
    assert (last.seq, last.hash) == (seq, head)
    clean(session, village)


def test_text_counted_in_characters_not_bytes_hashes_the_same_in_both_twins(
    session, village, kiosk, create_household, create_product, path
):
    """The canonical text writes `<length>:<text>`: characters, which differ from bytes for
    Chinese and more for characters outside the basic plane (𠮷, 😀). verify recomputes in Python
    what the twin wrote (the server function counts with PostgreSQL's length())."""
    household, soap = create_household(100), create_product(5, 10)
    receipt = redemptions.redeem(
        session,
        household,
        {soap.sku: 1},
        kiosk=kiosk,
        idempotency_key=f"conform-{next(_keys):06d}",
        actor="兑换机·吉𠮷😀",
        at=NOON,
    )
    assert receipt.journal.actor == "兑换机·吉𠮷😀"
    clean(session, village)


def test_lines_of_the_same_goods_are_merged_and_the_sum_is_held_to_99(
    session, create_household, create_product, buy
):
    household, soap = create_household(10_000), create_product(1, 500)
    assert buy(household, [(soap.sku, 60), (soap.sku, 39)]).lines[0].qty == 99
    error = refused(lambda: buy(household, [(soap.sku, 60), (soap.sku, 40)]))
    assert error.code == "invalid_quantity"
