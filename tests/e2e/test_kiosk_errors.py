"""Every error has its own screen, in plain words with a picture and a way back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from shop import points, stock
from shop.db import unit_of_work
from shop.households import codes
from shop.models import Household, PrintJob, Product, Redemption

from .conftest import shoot, wedge_scan
from .test_kiosk_flow import expect_screen, expect_text

pytestmark = pytest.mark.browser


def expect_error(page, code: str) -> None:
    page.wait_for_selector(f'#screen[data-screen="error"][data-code="{code}"]')
    expect(page.locator(".error-picture")).to_be_visible()
    expect(page.locator("#way-back")).to_be_visible()


def _to_confirm(page, live, row, goods: list[str]) -> None:
    page.goto(live.url + "/")
    wedge_scan(page, row["存折二维码"])
    expect_screen(page, "household")
    for taken, name in enumerate(goods, start=1):
        page.get_by_role("button", name=f"加一件：{name}").click()
        expect_text(page, "#basket-count", str(taken))
    page.get_by_role("button", name="下一步").click()
    expect_screen(page, "confirm")


def test_unknown_and_damaged_codes_show_their_screens_with_a_way_back(page, live):
    page.goto(live.url + "/")
    wedge_scan(page, codes.new_code())  # well-formed, but no passbook has it
    expect_error(page, "unknown_code")
    expect(page.get_by_role("heading", name="这不是本村的积分存折")).to_be_visible()
    shoot(page, "10-error-unknown-code")
    page.get_by_role("button", name="回到首页").click()
    expect_screen(page, "waiting")

    good = live.passbooks.active(0)["存折二维码"]
    damaged = good[:-1] + ("0" if good[-1] != "0" else "1")
    wedge_scan(page, damaged)
    expect_error(page, "damaged_code")


def test_lost_passbook_and_paused_household_have_their_own_screens(page, live):
    page.goto(live.url + "/")
    wedge_scan(page, live.passbooks.lost["存折二维码"])
    expect_error(page, "passbook_revoked")
    expect(page.get_by_role("heading", name="这本存折已挂失")).to_be_visible()
    shoot(page, "11-error-passbook-lost")
    page.get_by_role("button", name="回到首页").click()
    expect_screen(page, "waiting")

    wedge_scan(page, live.passbooks.paused["存折二维码"])
    expect_error(page, "household_inactive")
    shoot(page, "12-error-household-paused")


def test_not_enough_points_at_confirm_trims_the_basket_and_the_next_confirm_redeems(page, live):
    row = live.passbooks.active(4)
    _to_confirm(page, live, row, ["肥皂", "肥皂", "肥皂"])
    with live.app.app_context(), unit_of_work(live.db().writer) as session:
        household = session.scalar(select(Household).where(Household.number == row["户号"]))
        points.award_points(session, household, delta=-(household.balance - 12), actor="test")
    page.get_by_role("button", name="确认兑换").click()
    expect_screen(page, "household")
    expect(page.locator("#basket-notice")).to_have_text("积分不够，肥皂已改为2块")
    assert page.locator("#balance").inner_text() == "12"
    assert page.locator("#basket-count").inner_text() == "2"
    expect(page.locator('[data-sku="Y-500"]').get_by_text("积分不够")).to_have_count(0)
    expect(page.locator('[data-sku="JY-5L"]').get_by_text("积分不够")).to_be_visible()
    shoot(page, "13-basket-trimmed-not-enough-points", portrait=True)
    page.get_by_role("button", name="下一步").click()
    expect_screen(page, "confirm")
    assert page.locator("#confirm-total").inner_text() == "10"
    page.get_by_role("button", name="确认兑换").click()
    expect_screen(page, "done")
    assert page.locator("#balance-after").inner_text() == "2"


def test_the_last_brooms_taken_meanwhile_trim_the_line_to_what_is_left(page, live):
    row = live.passbooks.active(5)
    _to_confirm(page, live, row, ["扫帚", "扫帚"])
    with live.app.app_context(), unit_of_work(live.db().writer) as session:
        broom = session.scalar(select(Product).where(Product.sku == "SZ-1"))
        stock.adjust_stock(session, broom, -(broom.on_hand - 1), actor="test", reason="盘亏")
    page.get_by_role("button", name="确认兑换").click()
    expect_screen(page, "household")
    expect(page.locator("#basket-notice")).to_have_text("扫帚只剩1把，已改为1把")
    expect(page.locator('[data-sku="SZ-1"] .step-qty')).to_have_text("1")
    expect(page.locator('[data-sku="SZ-1"]').get_by_text("就剩这些了")).to_be_visible()
    shoot(page, "14-basket-trimmed-out-of-stock")
    with live.app.app_context(), unit_of_work(live.db().writer) as session:
        broom = session.scalar(select(Product).where(Product.sku == "SZ-1"))
        stock.adjust_stock(session, broom, -broom.on_hand, actor="test", reason="盘亏")
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("#basket-notice")).to_have_text("扫帚没货了，已从篮子里拿掉")
    expect(page.locator('[data-sku="SZ-1"]').get_by_text("没货了")).to_be_visible()
    assert page.locator("#review").is_disabled()
    shoot(page, "15-household-sold-out")


def test_printer_off_shows_the_receipt_on_screen_and_queues_it_for_the_clerk(page, live):
    row = live.passbooks.active(6)
    with live.config(PRINTER="tcp://127.0.0.1:9?timeout=1", IDLE_SECONDS=4):
        _to_confirm(page, live, row, ["毛巾"])
        page.get_by_role("button", name="确认兑换").click()
        page.wait_for_selector('#screen[data-screen="done"][data-print="failed"]')
    receipt_no = page.locator("#receipt-no").inner_text()
    expect(page.locator("#printer-off")).to_be_visible()
    expect(page.locator(".receipt-paper").get_by_text(receipt_no)).to_be_visible()
    # The villager is asked to show this screen to the staff: no countdown takes it away.
    expect(page.locator("#idle-seconds")).to_have_count(0)
    page.wait_for_timeout(6000)  # past this page's 4 s idle time
    expect(page.locator('#screen[data-screen="done"][data-print="failed"]')).to_be_visible()
    # The receipt number, which the staff reprint by, in large type; the receipt readable.
    px = "el => parseFloat(getComputedStyle(el).fontSize)"
    assert page.locator("#receipt-no").evaluate(px) >= 40
    assert page.locator(".receipt-paper").evaluate(px) >= 20
    assert "。 " not in page.locator("#printer-off").inner_text()  # no stray space in Chinese
    shoot(page, "16-printer-off", portrait=True)
    with live.app.app_context(), live.db().reader() as session:
        redemption = session.scalar(select(Redemption).where(Redemption.receipt_no == receipt_no))
        job = session.scalar(select(PrintJob).where(PrintJob.redemption_id == redemption.id))
        assert (redemption.state, redemption.print_state) == ("completed", "failed")
        assert (job.state, job.error) == ("failed", "printer_offline")


def test_database_unreachable_has_a_screen_and_the_kiosk_recovers(page, live):
    page.goto(live.url + "/")
    with live.database_down():
        wedge_scan(page, live.passbooks.active(0)["存折二维码"])
        expect_error(page, "database_unavailable")
        shoot(page, "17-error-database")
    page.get_by_role("button", name="再试一次").click()
    expect_screen(page, "waiting")
    wedge_scan(page, live.passbooks.active(0)["存折二维码"])
    expect_screen(page, "household")
