"""End to end in Chromium: a panel member signs in, awards points to three households in one
batch, and the villager's kiosk then shows the new balance and the reason."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiosk.app import create_app
from tests.e2e.conftest import LIVE_CONFIG, SMALL, serve, shoot, wedge_scan

from .conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_backoffice(backoffice_instance, tmp_path_factory):
    folder = tmp_path_factory.mktemp("backoffice-live")
    shutil.copytree(backoffice_instance, folder, dirs_exist_ok=True)
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "e2e-bo", **LIVE_CONFIG})
    with (Path(folder) / "demo-passbooks.csv").open(encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if not r["说明"]]
    with serve(app, threads=8) as url:
        yield url, rows


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
