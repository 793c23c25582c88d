"""Keyboard-wedge scanners as villages buy them, in real Chromium (issue 11, defect 8): a suffix of
Enter or Tab or none, a fast or a slow scanner, the US or another keyboard layout — and a person
typing on a keyboard, which is never a scan. Settings: docs/KIOSK.md, "Scanners"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import shoot, wedge_scan
from .test_kiosk_errors import expect_error
from .test_kiosk_flow import expect_screen

pytestmark = pytest.mark.browser

AZERTY = {"A": "Q", "Q": "A", "Z": "W", "W": "Z", "M": ";"}
AZERTY_DIGITS = dict(zip("1234567890", "!@#$%^&*()", strict=True))  # shifted on AZERTY


def _household_of(page, row) -> None:
    expect_screen(page, "household")
    expect(page.locator("#screen")).to_have_attribute("data-household", row["户号"])


def _start(page, live):
    page.goto(live.url + "/")
    expect_screen(page, "waiting")


def test_a_scanner_ending_with_tab_or_nothing_is_read(page, live):
    first, second = live.passbooks.active(5), live.passbooks.active(6)
    _start(page, live)
    page.keyboard.type(first["存折二维码"], delay=3)
    page.keyboard.press("Tab")
    _household_of(page, first)
    assert page.evaluate("document.activeElement.id") in ("screen-title", "")  # Tab moved nothing

    page.locator("#exit").click()
    expect_screen(page, "waiting")
    page.keyboard.type(second["存折二维码"], delay=3)  # no suffix at all: a complete code goes
    _household_of(page, second)


def test_a_slow_scanner_is_read_and_a_slow_damaged_code_is_named(page, live):
    row = live.passbooks.active(7)
    # A kiosk with a slow scanner may set a longer pause (WEDGE_PAUSE_MS); here it also keeps a
    # busy test machine's stall from splitting a burst in two.
    with live.config(WEDGE_PAUSE_MS=2500):
        _start(page, live)
    page.keyboard.type(row["存折二维码"], delay=70)  # some scanners type a key every 50-80 ms
    page.keyboard.press("Enter")
    _household_of(page, row)

    page.locator("#exit").click()
    expect_screen(page, "waiting")
    good = row["存折二维码"]
    damaged = good[:-1] + ("0" if good[-1] != "0" else "1")
    page.keyboard.type(damaged, delay=70)
    page.keyboard.press("Enter")
    expect_error(page, "damaged_code")


def test_a_person_typing_on_a_keyboard_is_not_a_scan(page, live):
    _start(page, live)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.url.endswith("/scan") else None)
    page.keyboard.type("hello kiosk 123", delay=120)
    page.keyboard.press("Enter")
    page.wait_for_timeout(1200)  # past the pause that ends a burst
    expect_screen(page, "waiting")
    assert requests == []


def test_a_scanner_set_to_azerty_is_read_from_the_keys_places(page, live):
    row = live.passbooks.active(8)
    code = row["存折二维码"]
    _start(page, live)
    as_azerty = "".join(AZERTY_DIGITS.get(ch) or AZERTY.get(ch, ch) for ch in code)
    page.keyboard.type(as_azerty, delay=3)
    page.keyboard.press("Enter")
    _household_of(page, row)


def test_a_scanner_in_a_layout_we_cannot_read_says_which_setting_to_change(page, live):
    _start(page, live)
    # What a scanner set to some other layout might type for a passbook: symbols in a code's length.
    page.keyboard.type("JF1[]\\;',./`[]\\;',./`[]\\;'", delay=3)
    page.keyboard.press("Enter")
    expect_error(page, "scanner_layout")
    expect(page.get_by_role("heading", name="扫码枪设置不对")).to_be_visible()
    expect(page.get_by_text("美式键盘")).to_be_visible()
    shoot(page, "18-error-scanner-layout")
    page.locator("#way-back").click()
    expect_screen(page, "waiting")


def test_a_goods_barcode_mid_visit_shows_a_notice_and_keeps_the_basket(page, live):
    row = live.passbooks.active(9)
    _start(page, live)
    wedge_scan(page, row["存折二维码"])
    _household_of(page, row)
    page.get_by_role("button", name="拿一件：食盐").click()
    expect(page.locator("#basket-count")).to_have_text("1")
    wedge_scan(page, "6901234567892")  # the EAN on a bottle of soy sauce
    expect(page.locator("#kiosk-toast")).to_have_text("这不是本村的积分存折，没有改动。")
    shoot(page, "19-stray-scan-notice")
    _household_of(page, row)
    expect(page.locator("#basket-count")).to_have_text("1")
