"""Redemption windows (一季一兑换) and per-household limits (每户限兑)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from shop import redemptions
from shop.db import session_factory, unit_of_work
from shop.errors import DomainError
from shop.models import Household, HouseholdLimitUsage, Product
from shop.redemptions import limits

from ..shop.helpers import committed_shop, run_processes
from .helpers import buy, local, verified

# windows


def test_a_village_without_windows_redeems_any_day(
    session, village, kiosk, create_household, create_product
):
    assert limits.is_open(session, village.id, local(2026, 2, 14))
    assert limits.next_window(session, village, local(2026, 2, 14)) is None
    assert (
        buy(
            session, create_household(50), kiosk, {create_product().sku: 1}, at=local(2026, 2, 14)
        ).state
        == "completed"
    )


def test_outside_a_window_redeem_is_refused_and_says_when_the_next_opens(
    session, village, kiosk, create_household, create_product
):
    for start, end, label in limits.quarter_windows(2026, days=7):
        limits.add_window(session, village, start, end, label=label)
    household, soap = create_household(50), create_product(5, 10)
    with pytest.raises(DomainError) as err:
        buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 2, 14))
    assert err.value.code == "outside_window"
    assert err.value.context["opens_on"] == dt.date(2026, 4, 1)
    session.refresh(household)
    session.refresh(soap)
    assert (household.balance, soap.on_hand) == (50, 10)  # nothing taken, nothing numbered
    assert kiosk.last_receipt_seq == 0
    nxt = limits.next_window(session, village, local(2026, 2, 14))
    assert (nxt.starts_on, nxt.ends_on) == (dt.date(2026, 4, 1), dt.date(2026, 4, 7))


def test_window_days_are_inclusive_in_local_time(
    session, village, kiosk, create_household, create_product
):
    limits.add_window(session, village, dt.date(2026, 4, 1), dt.date(2026, 4, 7))
    household, soap = create_household(50), create_product(5, 10)
    # 00:30 on 1 April in Shanghai is still 31 March in UTC: open.
    assert buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 4, 1, 0, 30))
    assert buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 4, 7, 23, 50))
    with pytest.raises(DomainError) as err:
        buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 4, 8, 0, 5))
    assert err.value.code == "outside_window" and err.value.context["opens_on"] is None
    # The window open now is the "next" one the kiosk names.
    assert limits.next_window(session, village, local(2026, 4, 3)).starts_on == dt.date(2026, 4, 1)


def test_always_open_again_after_removing_the_windows(session, village):
    limits.add_window(session, village, dt.date(2026, 4, 1), dt.date(2026, 4, 7))
    assert not limits.is_open(session, village.id, local(2026, 5, 1))
    assert limits.set_always_open(session, village) == 1
    assert limits.is_open(session, village.id, local(2026, 5, 1))


def test_a_window_ending_before_it_starts_is_refused(session, village):
    with pytest.raises(DomainError) as err:
        limits.add_window(session, village, dt.date(2026, 4, 7), dt.date(2026, 4, 1))
    assert err.value.code == "invalid_dates"


# limits


def test_limit_is_enforced_per_household_per_quarter_and_shown_as_used_of_allowed(
    session, village, kiosk, create_household, create_product
):
    detergent = create_product(5, 50)
    limits.set_limit(session, detergent, 2, period="quarter")
    a, b = create_household(500), create_household(500)
    buy(session, a, kiosk, {detergent.sku: 1}, at=local(2026, 10, 2))
    status = limits.limits_for(session, a, local(2026, 10, 3))[detergent.sku]
    assert (status.used, status.allowed, status.period_key, status.remaining) == (
        1,
        2,
        "2026-Q4",
        1,
    )
    with pytest.raises(DomainError) as err:
        buy(session, a, kiosk, {detergent.sku: 2}, at=local(2026, 10, 3))
    assert err.value.code == "limit_reached"
    assert err.value.context["used"] == 1 and err.value.context["allowed"] == 2
    buy(session, a, kiosk, {detergent.sku: 1}, at=local(2026, 11, 3))
    with pytest.raises(DomainError):
        buy(session, a, kiosk, {detergent.sku: 1}, at=local(2026, 12, 31, 23))
    buy(session, b, kiosk, {detergent.sku: 2}, at=local(2026, 12, 31, 23))  # another household
    buy(session, a, kiosk, {detergent.sku: 2}, at=local(2027, 1, 1, 8))  # a new quarter
    assert limits.limits_for(session, a, local(2027, 1, 2))[detergent.sku].used == 2
    session.refresh(a)
    assert a.balance == 500 - 4 * 5
    assert verified(session, village)


def test_a_refused_limit_takes_nothing_else_from_the_basket(
    session, village, kiosk, create_household, create_product
):
    detergent, soap = create_product(5, 50), create_product(3, 50)
    limits.set_limit(session, detergent, 1, period="month")
    household = create_household(100)
    with pytest.raises(DomainError) as err:
        buy(session, household, kiosk, {soap.sku: 2, detergent.sku: 2})
    assert err.value.code == "limit_reached"
    for thing in (household, soap, detergent):
        session.refresh(thing)
    assert (household.balance, soap.on_hand, detergent.on_hand) == (100, 50, 50)
    assert limits.limits_for(session, household)[detergent.sku].used == 0


def test_a_void_gives_back_points_goods_and_allowance_exactly(
    session, village, kiosk, create_household, create_product
):
    detergent, soap = create_product(5, 10), create_product(3, 10)
    limits.set_limit(session, detergent, 2, period="quarter")
    household = create_household(100)
    receipt = buy(session, household, kiosk, {detergent.sku: 2, soap.sku: 1})
    assert limits.limits_for(session, household)[detergent.sku].used == 2
    redemptions.void_redemption(session, receipt, reason="拿错了", actor="clerk:test")
    for thing in (household, soap, detergent):
        session.refresh(thing)
    assert (household.balance, detergent.on_hand, soap.on_hand) == (100, 10, 10)
    assert limits.limits_for(session, household)[detergent.sku].used == 0
    buy(session, household, kiosk, {detergent.sku: 2})  # the allowance is usable again
    assert verified(session, village)


def test_a_limit_set_after_a_redemption_is_not_refunded_by_its_void(
    session, village, kiosk, create_household, create_product
):
    detergent = create_product(5, 10)
    household = create_household(100)
    receipt = buy(session, household, kiosk, {detergent.sku: 2})
    limits.set_limit(session, detergent, 2, period="quarter")
    buy(session, household, kiosk, {detergent.sku: 1})
    redemptions.void_redemption(session, receipt, reason="退回", actor="clerk:test")
    # The void refunds only what its own redemption counted (nothing): used stays 1.
    assert limits.limits_for(session, household)[detergent.sku].used == 1


def test_limit_needs_a_positive_whole_number_and_a_known_period(session, create_product):
    product = create_product()
    for bad in (0, -1, 1.5, True):
        with pytest.raises(DomainError):
            limits.set_limit(session, product, bad)
    with pytest.raises(DomainError) as refused:
        limits.set_limit(session, product, 2, period="week")
    assert refused.value.code == "invalid_limit_period"
    limits.set_limit(session, product, 2)
    assert limits.set_limit(session, product, None) is None


@pytest.mark.slow
def test_eight_kiosks_at_once_give_one_household_exactly_its_limit_of_two(fresh_backend):
    shop = committed_shop(fresh_backend.url, balance=10_000, price=7, on_hand=1_000)
    factory = session_factory(fresh_backend.engine)
    with unit_of_work(factory) as s:
        product = s.scalar(select(Product).where(Product.sku == shop.sku))
        limits.set_limit(s, product, 2, period="quarter")
    outcome = run_processes(shop, [[f"p{p}-lim-{i:03d}" for i in range(6)] for p in range(8)])
    assert outcome == {"ok": 2, "limit_reached": 46}
    with unit_of_work(factory) as s:
        assert s.get(Household, shop.household_id).balance == 10_000 - 14
        assert s.scalar(select(HouseholdLimitUsage.used)) == 2
        assert s.scalar(select(Product.on_hand).where(Product.sku == shop.sku)) == 998
