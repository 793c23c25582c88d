"""Stocktake (盘点): counts against the books, with the shop open during the count."""

from __future__ import annotations

import pytest

from shop import redemptions, stock
from shop.errors import DomainError
from shop.models import Journal
from shop.stock import stocktake

from .helpers import buy, verified


def test_a_count_finalises_into_one_adjustment_event_and_locks(session, village, create_product):
    soap, oil, salt = create_product(5, 10), create_product(8, 20), create_product(2, 5)
    take = stocktake.start_stocktake(session, village, actor="volunteer:li")
    stocktake.record_count(session, take, soap, 8, actor="volunteer:li")  # 2 missing
    stocktake.record_count(session, take, oil, 21, actor="volunteer:li")  # 1 found
    stocktake.record_count(session, take, salt, 5, actor="volunteer:li")  # right
    lines = {ln.product_id: ln for ln in stocktake.review(session, take)}
    assert (lines[soap.id].difference, lines[oil.id].difference, lines[salt.id].difference) == (
        -2,
        1,
        0,
    )
    entry = stocktake.finalise_stocktake(session, take, actor="volunteer:li")
    journal = session.get(Journal, entry.id)
    assert journal.kind == "stock_adjustment" and journal.ref == f"stocktake:{take.id}"
    assert sorted((m.product_id, m.delta) for m in journal.stock_moves) == sorted(
        [(soap.id, -2), (oil.id, 1)]
    )
    for p in (soap, oil, salt):
        session.refresh(p)
    assert (soap.on_hand, oil.on_hand, salt.on_hand) == (8, 21, 5)
    assert take.state == "finalised"
    with pytest.raises(DomainError) as err:
        stocktake.record_count(session, take, soap, 7, actor="volunteer:li")
    assert err.value.code == "stocktake_closed"
    with pytest.raises(DomainError) as err:
        stocktake.finalise_stocktake(session, take, actor="volunteer:li")
    assert err.value.code == "stocktake_closed"
    assert verified(session, village)


def test_redemptions_during_the_count_are_neither_lost_nor_counted_twice(
    session, village, kiosk, create_household, create_product
):
    soap, oil = create_product(5, 10), create_product(8, 10)
    household = create_household(500)
    take = stocktake.start_stocktake(session, village, actor="v")
    # Before soap is counted, 3 go out: the shelf shows 7, and 7 are on the books.
    buy(session, household, kiosk, {soap.sku: 3})
    stocktake.record_count(session, take, soap, 7, actor="v")
    # Oil is counted first (one is broken: 9 on the shelf), then 4 go out: shelf 5, books 6.
    stocktake.record_count(session, take, oil, 9, actor="v")
    receipt = buy(session, household, kiosk, {oil.sku: 4, soap.sku: 1})
    # A void during the count puts goods back on shelf and books alike.
    redemptions.void_redemption(session, receipt, reason="退回", actor="clerk")
    buy(session, household, kiosk, {oil.sku: 4})
    stocktake.finalise_stocktake(session, take, actor="v")
    session.refresh(soap)
    session.refresh(oil)
    # soap: no difference (10 - 3 = 7 counted); oil: the one broken bottle, after 4 went out.
    assert (soap.on_hand, oil.on_hand) == (7, 5)
    lines = {ln.product_id: ln for ln in stocktake.review(session, take)}
    assert (lines[soap.id].expected, lines[soap.id].on_hand_at_count) == (10, 7)
    assert (lines[oil.id].expected, lines[oil.id].difference) == (10, -1)
    assert verified(session, village)


def test_a_recount_replaces_the_first_count_and_uncounted_goods_stay(
    session, village, create_product
):
    soap, oil = create_product(5, 10), create_product(8, 10)
    take = stocktake.start_stocktake(session, village, actor="v")
    stocktake.record_count(session, take, soap, 4, actor="v")
    stocktake.record_count(session, take, soap, 9, actor="v")
    stocktake.finalise_stocktake(session, take, actor="v")
    session.refresh(soap)
    session.refresh(oil)
    assert (soap.on_hand, oil.on_hand) == (9, 10)


def test_only_one_count_at_a_time_and_a_product_added_during_it_can_be_counted(
    session, village, create_product
):
    take = stocktake.start_stocktake(session, village, actor="v")
    with pytest.raises(DomainError) as err:
        stocktake.start_stocktake(session, village, actor="v")
    assert err.value.code == "stocktake_open"
    late = create_product(3, 4)
    stocktake.record_count(session, take, late, 3, actor="v")
    assert stocktake.finalise_stocktake(session, take, actor="v") is not None
    assert stock.get_product(session, village.id, late.sku).on_hand == 3
    stocktake.start_stocktake(session, village, actor="v")  # the next count may begin


def test_a_count_that_matches_everywhere_writes_no_event(session, village, create_product):
    soap = create_product(5, 10)
    take = stocktake.start_stocktake(session, village, actor="v")
    stocktake.record_count(session, take, soap, 10, actor="v")
    assert stocktake.finalise_stocktake(session, take, actor="v") is None
    assert take.state == "finalised"


def test_a_negative_or_odd_count_is_refused(session, village, create_product):
    soap = create_product(5, 10)
    take = stocktake.start_stocktake(session, village, actor="v")
    for bad in (-1, 2.5, "3", True):
        with pytest.raises(DomainError) as err:
            stocktake.record_count(session, take, soap, bad, actor="v")
        assert err.value.code == "invalid_quantity"


def test_a_cancelled_count_changes_nothing(session, village, create_product):
    soap = create_product(5, 10)
    take = stocktake.start_stocktake(session, village, actor="v")
    stocktake.record_count(session, take, soap, 1, actor="v")
    stocktake.cancel_stocktake(session, take, actor="v")
    with pytest.raises(DomainError):
        stocktake.finalise_stocktake(session, take, actor="v")
    session.refresh(soap)
    assert soap.on_hand == 10
