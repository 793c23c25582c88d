"""A kiosk whose clock goes backwards (a dead clock battery, a wrong manual setting) must not
backdate sales into days already counted (issue 14, finding 8): it refuses to sell with
请检查时间 until its clock is right, and `kiosk verify` names receipts that go back in time."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from shop.errors import DomainError
from shop.ledger.verify import verify_ledger
from shop.models import Redemption
from shop.redemptions import dayclose

from .helpers import buy, local


def test_a_sale_before_the_last_close_or_the_last_sale_is_refused(
    session, village, kiosk, create_household, create_product
):
    soap, household = create_product(5, 50), create_household(500)
    buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 18, 10))
    dayclose.close_day(
        session, kiosk, dt.date(2026, 11, 20), actor="clerk", now=local(2026, 11, 20, 18)
    )
    # The clock falls back two days, to a day that was never closed: before the last close.
    with pytest.raises(DomainError) as err:
        buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 19, 9))
    assert err.value.code == "clock_behind"
    session.refresh(household)
    assert household.balance == 495  # nothing taken
    # Right again: a sale the next morning, then the clock jumps back an hour.
    buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 21, 9))
    with pytest.raises(DomainError) as err:
        buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 21, 8))
    assert err.value.code == "clock_behind"
    # A time server's correction of a few seconds is no reason to stop the shop.
    buy(
        session,
        household,
        kiosk,
        {soap.sku: 1},
        at=local(2026, 11, 21, 9) - dt.timedelta(seconds=30),
    )


def test_verify_names_receipts_that_go_back_in_time(
    session, village, kiosk, create_household, create_product
):
    soap, household = create_product(5, 50), create_household(500)
    first = buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 21, 9))
    second = buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 21, 10))
    assert verify_ledger(session.connection(), village.id).problems == []
    # What a backwards clock left behind before this check existed (or a hand in the database).
    session.execute(
        update(Redemption)
        .where(Redemption.id == second.id)
        .values(created_at=local(2026, 11, 20, 10))
    )
    problems = verify_ledger(session.connection(), village.id).problems
    assert any(
        second.receipt_no in p and first.receipt_no in p and "clock" in p for p in problems
    ), problems
