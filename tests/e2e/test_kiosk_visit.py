"""Idle reset, the language switch, the PIN keypad and lockout, and no request leaves the kiosk."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from shop.db import unit_of_work
from shop.households import pins
from shop.models import Household

from .conftest import shoot, wedge_scan
from .test_kiosk_flow import expect_screen, expect_text

pytestmark = pytest.mark.browser


def test_idle_countdown_returns_to_waiting_and_forgets_the_household(page, live):
    row = live.passbooks.active(7)
    with live.config(IDLE_SECONDS=4):
        page.goto(live.url + "/")
        wedge_scan(page, row["存折二维码"])
        expect_screen(page, "household")
        expect(page.locator("#idle-seconds")).to_be_visible()
        page.wait_for_selector("#idle-warning:not([hidden])", timeout=6000)
        shoot(page, "20-idle-warning")
        expect_screen(page, "waiting")
        page.reload()
        expect_screen(page, "waiting")  # the server forgot the household too


def test_a_touch_keeps_the_visit_alive(page, live):
    row = live.passbooks.active(7)
    with live.config(IDLE_SECONDS=6):
        page.goto(live.url + "/")
        wedge_scan(page, row["存折二维码"])
        expect_screen(page, "household")
        page.wait_for_selector("#idle-warning:not([hidden])", timeout=7000)
        page.get_by_role("button", name="我还在，继续").click()
        expect(page.locator("#idle-warning")).to_be_hidden()
        assert page.locator("#screen").get_attribute("data-screen") == "household"
        assert page.locator("#basket-count").inner_text() == "0"  # the tap took nothing


def test_one_tap_switches_to_english_and_the_next_villager_gets_chinese(page, live):
    row = live.passbooks.active(8)
    page.goto(live.url + "/")
    wedge_scan(page, row["存折二维码"])
    expect_screen(page, "household")
    expect(page.get_by_role("heading", name="您的积分")).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Your points")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("button", name="Take one: Soap")).to_be_visible()
    shoot(page, "21-household-english")
    page.get_by_role("button", name="Take one: Soap").click()
    expect_text(page, "#basket-count", "1")  # the visit and its basket survive the switch
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", name="您的积分")).to_be_visible()
    page.get_by_role("button", name="English").click()
    # The switch redraws the page: the villager sees English again before tapping Finish.
    expect(page.get_by_role("heading", name="Your points")).to_be_visible()
    page.get_by_role("button", name="Finish").click()
    expect_screen(page, "waiting")
    expect(page.get_by_role("heading", name="请扫积分存折")).to_be_visible()


def _set_pin(live, number: str, pin: str | None) -> None:
    with live.app.app_context(), unit_of_work(live.db().writer) as session:
        household = session.scalar(select(Household).where(Household.number == number))
        if pin:
            pins.set_pin(session, household, pin, actor="test")
        else:
            pins.clear_pin(session, household, actor="test")


def _enter_pin(page, pin: str) -> None:
    for digit in pin:
        page.locator(f'.key[data-digit="{digit}"]').click()
    page.get_by_role("button", name="确定").click()


def test_pin_keypad_then_five_wrong_pins_lock_the_household(page, live):
    row = live.passbooks.active(9)
    _set_pin(live, row["户号"], "2468")
    try:
        with live.config(PIN_POLICY="always"):
            page.goto(live.url + "/")
            wedge_scan(page, row["存折二维码"])
            expect_screen(page, "household")
            page.get_by_role("button", name="拿一件：肥皂").click()
            expect_text(page, "#basket-count", "1")
            page.get_by_role("button", name="下一步").click()
            expect_screen(page, "pin")
            shoot(page, "22-pin")
            for attempt in range(1, 5):
                _enter_pin(page, "1357")
                expect(page.locator("#pin-wrong")).to_contain_text(f"还可以试 {5 - attempt} 次")
            shoot(page, "23-pin-wrong")
            _enter_pin(page, "1357")
            page.wait_for_selector('#screen[data-code="household_locked"]')
            shoot(page, "24-error-locked")
            page.get_by_role("button", name="回到首页").click()
            wedge_scan(page, row["存折二维码"])  # still locked: counted in the database
            page.wait_for_selector('#screen[data-code="household_locked"]')
        with live.app.app_context(), live.db().reader() as session:
            household = session.scalar(select(Household).where(Household.number == row["户号"]))
            assert (household.pin_failures, household.is_pin_locked) == (5, True)
    finally:
        _set_pin(live, row["户号"], None)


def test_the_right_pin_leads_to_confirm(page, live):
    row = live.passbooks.active(10)
    _set_pin(live, row["户号"], "2468")
    try:
        with live.config(PIN_POLICY="above:4"):
            page.goto(live.url + "/")
            wedge_scan(page, row["存折二维码"])
            expect_screen(page, "household")
            page.get_by_role("button", name="拿一件：肥皂").click()  # 5 points: above 4
            expect_text(page, "#basket-count", "1")
            page.get_by_role("button", name="下一步").click()
            expect_screen(page, "pin")
            _enter_pin(page, "2468")
            expect_screen(page, "confirm")
    finally:
        _set_pin(live, row["户号"], None)


def test_the_kiosk_page_makes_no_request_outside_its_own_origin(page, live):
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    row = live.passbooks.active(11)
    response = page.goto(live.url + "/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    wedge_scan(page, row["存折二维码"])
    expect_screen(page, "household")
    page.get_by_role("button", name="拿一件：食盐").click()
    expect_text(page, "#basket-count", "1")
    page.get_by_role("button", name="下一步").click()
    expect_screen(page, "confirm")
    page.get_by_role("button", name="确认兑换").click()
    expect_screen(page, "done")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="中文")).to_be_visible()
    page.wait_for_timeout(300)
    ours = (live.url + "/", "data:")
    outside = [url for url in seen if not url.startswith(ours)]
    assert seen and not outside
