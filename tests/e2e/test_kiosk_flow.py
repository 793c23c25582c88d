"""The villager's whole visit in real Chromium: scan, choose, confirm, take the receipt."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from shop.models import Household, Redemption

from .conftest import shoot, wedge_scan

pytestmark = pytest.mark.browser


def _count_redemptions(live, household_number: str) -> int:
    with live.app.app_context(), live.db().reader() as session:
        return session.scalar(
            select(func.count(Redemption.id))
            .join(Household, Household.id == Redemption.household_id)
            .where(Household.number == household_number)
        )


def test_villager_scans_chooses_confirms_and_sees_receipt_and_new_balance(page, live):
    row = live.passbooks.active(0)
    balance = int(row["积分余额"])
    before = _count_redemptions(live, row["户号"])

    page.goto(live.url + "/")
    expect_screen(page, "waiting")
    expect(page.get_by_role("heading", name="请扫积分存折")).to_be_visible()
    shoot(page, "01-waiting", portrait=True)

    wedge_scan(page, row["存折二维码"])
    expect_screen(page, "household")
    assert page.locator("#balance").inner_text() == str(balance)
    expect(page.locator(".topbar-who").get_by_text(row["户主"])).to_be_visible()
    assert page.locator("#entries .entry").count() > 0
    shoot(page, "02-household")

    page.get_by_role("button", name="拿一件：肥皂").click()
    page.get_by_role("button", name="加一件：肥皂").click()
    page.get_by_role("button", name="拿一件：洗衣液").click()
    expect_text(page, "#basket-total", "40")
    assert page.locator("#basket-remaining").inner_text() == str(balance - 40)
    page.get_by_role("button", name="减一件：肥皂").click()
    expect_text(page, "#basket-total", "35")
    shoot(page, "03-basket", portrait=True)

    page.get_by_role("button", name="下一步").click()
    expect_screen(page, "confirm")
    assert page.locator("#confirm-total").inner_text() == "35"
    assert page.locator("#confirm-remaining").inner_text() == str(balance - 35)
    assert page.locator(".confirm-line img").count() == 2
    shoot(page, "04-confirm", portrait=True)

    page.get_by_role("button", name="确认兑换").click()
    expect_screen(page, "done")
    page.wait_for_selector('#screen[data-print="printed"]')  # the receipt printed (preview)
    receipt_no = page.locator("#receipt-no").inner_text()
    assert re.fullmatch(r"K01-\d{6}", receipt_no)
    assert page.locator("#balance-after").inner_text() == str(balance - 35)
    expect(page.get_by_text("请取走小票")).to_be_visible()
    shoot(page, "05-done", portrait=True)
    assert _count_redemptions(live, row["户号"]) == before + 1

    page.get_by_role("button", name="结束").click()
    expect_screen(page, "waiting")


def expect_screen(page, name: str) -> None:
    page.wait_for_selector(f'#screen[data-screen="{name}"]')


def expect_text(page, selector: str, text: str) -> None:
    page.wait_for_function(
        "([s, t]) => (document.querySelector(s) || {}).textContent?.trim() === t",
        arg=[selector, text],
    )


def test_double_tap_on_confirm_and_a_resubmit_make_exactly_one_redemption(page, live):
    row = live.passbooks.active(1)
    before = _count_redemptions(live, row["户号"])
    page.goto(live.url + "/")
    wedge_scan(page, row["存折二维码"])
    expect_screen(page, "household")
    page.get_by_role("button", name="拿一件：牙膏").click()
    expect_text(page, "#basket-count", "1")
    page.get_by_role("button", name="下一步").click()
    expect_screen(page, "confirm")
    page.wait_for_function("() => document.querySelector('#confirm-form [name=key]').value")
    key = page.locator('#confirm-form input[name="key"]').input_value()
    assert key.startswith("kq-")

    page.locator("#confirm").dblclick()
    expect_screen(page, "done")
    receipt_no = page.locator("#receipt-no").inner_text()

    # A resubmit of the same form (a retry after a lost answer) gets the same receipt back.
    answer = page.evaluate(
        """async (key) => {
            const body = new URLSearchParams({key: key, visit: "stale-or-not"});
            const r = await fetch("/confirm", {method: "POST", body: body, headers: {
                "HX-Request": "true",
                "X-CSRFToken": document.querySelector('meta[name="csrf-token"]').content}});
            return await r.text();
        }""",
        key,
    )
    assert receipt_no in answer
    assert _count_redemptions(live, row["户号"]) == before + 1


def test_camera_scans_arrive_by_event_stream_and_switch_households_safely(page, live):
    first, second = live.passbooks.active(2), live.passbooks.active(3)
    page.goto(live.url + "/")
    page.wait_for_function("() => document.readyState === 'complete'")
    page.wait_for_timeout(300)  # the event stream connects after load
    _post_scan(live, first["存折二维码"])
    expect_screen(page, "household")
    assert page.locator("#screen").get_attribute("data-household") == first["户号"]
    page.get_by_role("button", name="拿一件：食盐").click()
    expect_text(page, "#basket-count", "1")

    # Another passbook with goods chosen: asked first, the basket kept until the answer.
    _post_scan(live, second["存折二维码"])
    expect_screen(page, "switch")
    expect(page.get_by_role("heading")).to_contain_text(f"换成 {second['户号']}")
    shoot(page, "06-switch-household", portrait=True)
    page.locator("#way-back").click()
    expect_screen(page, "household")
    expect_text(page, "#basket-count", "1")
    wedge_scan(page, second["存折二维码"])  # the camera would not pass the same card again so soon
    expect_screen(page, "switch")
    page.locator("#switch-yes").click()
    page.wait_for_selector(f'#screen[data-household="{second["户号"]}"]')
    assert page.locator("#basket-count").inner_text() == "0"
    assert page.locator("#balance").inner_text() == second["积分余额"]


def _post_scan(live, code: str) -> None:
    import json
    import urllib.request

    from kiosk.scan_access import device_key

    request = urllib.request.Request(
        live.url + "/scans",
        data=json.dumps({"code": code, "source": "camera"}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {device_key(live.app)}",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 202
