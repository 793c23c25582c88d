"""End to end in Chromium: a panel member signs in, awards points to three households in one
batch, and the villager's kiosk then shows the new balance and the reason."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.app import create_app
from shop.db import unit_of_work
from shop.models import StaffUser
from shop.staff import accounts
from tests.e2e.conftest import LIVE_CONFIG, SMALL, serve, shoot, wedge_scan

from .conftest import PASSWORD, PIN

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_app(backoffice_instance, tmp_path_factory):
    folder = tmp_path_factory.mktemp("backoffice-live")
    shutil.copytree(backoffice_instance, folder, dirs_exist_ok=True)
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "e2e-bo", **LIVE_CONFIG})
    with (Path(folder) / "demo-passbooks.csv").open(encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if not r["说明"]]
    with serve(app, threads=8) as url:
        yield app, url, rows


@pytest.fixture(scope="module")
def live_backoffice(live_app):
    return live_app[1:]


@pytest.fixture
def chromium(browser):
    return browser


def test_panel_awards_three_households_and_the_kiosk_shows_balance_and_reason(
    live_backoffice, chromium
):
    url, rows = live_backoffice
    chosen = rows[:3]
    context = chromium.new_context(viewport=SMALL, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(8000)

    page.goto(url + "/backoffice/")
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    page.get_by_label("用户名").fill("panel")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("#bo-user")).to_contain_text("panel-name")

    page.get_by_role("link", name="批量评分").first.click()
    page.locator("#rule").select_option(label="见义勇为 (+30)")
    page.locator("input[name=memo]").fill("救落水儿童")
    for row in chosen:
        page.locator(f'tr[data-household="{row["户号"]}"] input[type=checkbox]').check()
    shoot(page, "bo-01-batch-award")
    page.locator("#award-preview-button").click()
    expect(page.locator("#award-total")).to_have_text("+90")
    shoot(page, "bo-02-batch-preview")
    page.locator("#award-confirm").click()
    expect(page.locator(".flash.ok")).to_contain_text("× 3")

    # The household list finds the first of them by the pinyin initials of the head's name.
    from shop.households.roster import pinyin_keys

    page.get_by_role("link", name="户籍").first.click()
    page.get_by_placeholder("姓名、户号或拼音首字母").fill(pinyin_keys(chosen[0]["户主"])[0])
    # Wait for the htmx swap: the full list has 60 rows, the match only a few.
    page.wait_for_function(
        "document.querySelectorAll('#household-rows tr[data-household]').length < 10"
    )
    rows = page.locator("#household-rows tr[data-household]")
    expect(rows.filter(has_text=chosen[0]["户主"])).to_be_visible()
    initials = pinyin_keys(chosen[0]["户主"])[0]
    for name in rows.locator("td:nth-child(3)").all_inner_texts():
        assert pinyin_keys(name)[0].startswith(initials)
    shoot(page, "bo-04-household-search")
    page.get_by_role("button", name="退出").click()
    page.goto(url + "/backoffice/badge")
    shoot(page, "bo-05-badge-sign-in")
    context.close()

    for n, row in enumerate(chosen):
        kiosk = chromium.new_context(viewport=SMALL, locale="zh-CN", has_touch=True)
        screen = kiosk.new_page()  # a new villager at the kiosk: a session of its own
        screen.set_default_timeout(8000)
        screen.goto(url + "/")
        expect(screen.locator("[data-screen=waiting]")).to_be_visible()
        wedge_scan(screen, row["存折二维码"])
        expect(screen.locator("#balance")).to_have_text(str(int(row["积分余额"]) + 30))
        expect(screen.locator("#entries .entry").first).to_contain_text("见义勇为")
        if n == 0:
            shoot(screen, "bo-03-kiosk-after-award")
        kiosk.close()


def test_the_badge_page_moves_to_the_pin_on_enter_and_its_keypad_types_the_pin(live_app, chromium):
    """The kiosk's badge sign-in (static/backoffice/badge.js, no inline script): the wedge
    scanner's Enter after the badge moves to the PIN instead of sending the form, the keypad
    types digits (eight at most), 清除 empties it, and the tapped PIN signs the clerk in."""
    app, url, _rows = live_app
    db = app.extensions["kiosk_db"]
    with unit_of_work(db.writer) as session:
        clerk = session.scalar(select(StaffUser).where(StaffUser.username == "clerk"))
        badge = accounts.issue_badge(session, clerk, actor="test")
    context = chromium.new_context(viewport=SMALL, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(8000)
    page.goto(url + "/backoffice/badge")
    assert page.locator("script:not([src])").count() == 0
    pin = page.locator("#pin")

    def tap(keys: str) -> None:
        for key in keys:
            page.locator(f'.keypad [data-key="{key}"]').tap()

    page.locator("#badge").press_sequentially(badge)
    page.keyboard.press("Enter")
    expect(pin).to_be_focused()
    expect(page.locator("#badge-login")).to_be_visible()  # nothing sent yet
    tap("123456789")
    expect(pin).to_have_value("12345678")
    page.locator('.keypad [data-key="clear"]').tap()
    expect(pin).to_have_value("")
    tap(PIN)
    expect(pin).to_have_value(PIN)
    page.get_by_role("button", name="确定").tap()
    expect(page.locator("#bo-user")).to_contain_text("clerk-name")
    context.close()
