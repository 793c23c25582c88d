"""One business clock: with a village on another time zone than the default, the day close,
the limits' periods and the back-office's "today" all count days on that zone's calendar.

Xinjiang villages keep Urumqi time (UTC+6), two hours behind Beijing: a sale at 23:30 local time
is the next day in Beijing. Each moment below is fixed in UTC so the two readings differ.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.app import create_app
from shop import clock
from shop.errors import DomainError
from shop.redemptions import dayclose, limits

from .helpers import buy

URUMQI = "Asia/Urumqi"


def utc(y, m, d, hh, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=dt.UTC)


def test_the_app_sets_the_business_clock_from_its_configured_zone(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "TIMEZONE": URUMQI})
    try:
        assert str(clock.zone()) == URUMQI
        with app.test_request_context():
            from kiosk.backoffice.common import today

            assert today() == dt.datetime.now(clock.named(URUMQI)).date()
    finally:
        app.extensions["kiosk_db"].engine.dispose()


def test_an_unknown_zone_is_refused_when_the_app_starts(tmp_path):
    with pytest.raises(ValueError, match="Mars/Olympus"):
        create_app({"INSTANCE_PATH": str(tmp_path), "TIMEZONE": "Mars/Olympus"})


def test_the_day_close_counts_the_local_day_of_the_configured_zone(
    session, village, kiosk, create_household, create_product
):
    clock.set_zone(URUMQI)
    soap, household = create_product(5, 50), create_household(500)
    evening = buy(session, household, kiosk, {soap.sku: 1}, at=utc(2026, 11, 20, 17, 30))
    after_midnight = buy(session, household, kiosk, {soap.sku: 1}, at=utc(2026, 11, 20, 18, 30))
    # 23:30 and 00:30 in Urumqi; both are already 21 November in Beijing.
    report = dayclose.day_report(session, kiosk, dt.date(2026, 11, 20))
    assert (report["receipts"]["first"], report["receipts"]["last"]) == (
        evening.receipt_no,
        evening.receipt_no,
    )
    assert report["timezone"] == URUMQI
    next_day = dayclose.day_report(session, kiosk, dt.date(2026, 11, 21))
    assert next_day["receipts"]["first"] == after_midnight.receipt_no


def test_a_monthly_limit_renews_at_local_midnight_of_the_configured_zone(
    session, village, kiosk, create_household, create_product
):
    clock.set_zone(URUMQI)
    broom = create_product(8, 50)
    limits.set_limit(session, broom, 1, period="month")
    household = create_household(500)
    # 30 November 23:30 in Urumqi (already 1 December in Beijing): November's one broom.
    buy(session, household, kiosk, {broom.sku: 1}, at=utc(2026, 11, 30, 17, 30))
    with pytest.raises(DomainError) as refused:  # 23:50, still November here
        buy(session, household, kiosk, {broom.sku: 1}, at=utc(2026, 11, 30, 17, 50))
    assert refused.value.code == "limit_reached"
    buy(session, household, kiosk, {broom.sku: 1}, at=utc(2026, 11, 30, 18, 10))  # 00:10, December
    status = limits.limits_for(session, household, utc(2026, 11, 30, 18, 20))[broom.sku]
    assert (status.period_key, status.used) == ("2026-12", 1)
