"""End to end in Chromium: the panel lists a family, splits a son's family off with points,
merges a neighbouring household in; the kiosk then refuses the merged household's old passbook
and shows the joined household its points together."""

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
    folder = tmp_path_factory.mktemp("family-live")
    shutil.copytree(backoffice_instance, folder, dirs_exist_ok=True)
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "e2e-family", **LIVE_CONFIG})
    with (Path(folder) / "demo-passbooks.csv").open(encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if not r["说明"] and int(r["积分余额"]) >= 20]
    with serve(app, threads=8) as url:
        yield url, rows


def _open_household(page, url: str, number: str) -> None:
    page.goto(url + "/backoffice/households?q=" + number)
    page.locator(f'tr[data-household="{number}"] a').first.click()
    expect(page.locator("h1")).to_contain_text(number)


def test_the_panel_splits_and_merges_and_the_kiosk_follows(live_backoffice, browser):
    url, rows = live_backoffice
    home, neighbour = rows[0], rows[1]
    context = browser.new_context(viewport=SMALL, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(8000)
    page.goto(url + "/backoffice/")
    page.get_by_label("用户名").fill("panel")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("#bo-user")).to_contain_text("panel-name")

    _open_household(page, url, home["户号"])
    for name, relation in (("王小明", "子女"), ("陈芳", "儿媳/女婿")):
        form = page.locator("#member-add")
        form.get_by_label("姓名").fill(name)
        form.get_by_label("与户主关系").select_option(label=relation)
        form.get_by_role("button", name="登记成员").click()
        expect(page.locator(f'#family-members input[value="{name}"]')).to_be_visible()
    expect(page.locator("#household-members")).to_have_text("3")
    shoot(page, "family-01-members")

    page.locator("#split").click()
    page.get_by_label("分出去 王小明").check()
    page.get_by_label("分出去 陈芳").check()
    page.get_by_label("新户主 王小明").check()
    page.get_by_label("新户的户号").fill("99-101")
    page.get_by_label("转给新户的积分").fill("10")
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("#split-plan")).to_contain_text("新户 99-101，户主王小明")
    expect(page.locator("#split-plan")).to_contain_text("儿媳/女婿 → 配偶")
    shoot(page, "family-02-split-plan")
    page.get_by_role("button", name="确认分户").click()
    expect(page.locator("h1")).to_contain_text("99-101 · 王小明")
    expect(page.locator("#household-balance")).to_have_text("10")

    _open_household(page, url, home["户号"])
    page.locator("#merge").click()
    page.get_by_label("并入这户的户号").fill(neighbour["户号"])
    page.get_by_role("button", name="下一步").click()
    total = int(home["积分余额"]) - 10 + int(neighbour["积分余额"])
    expect(page.locator("#merge-plan")).to_contain_text(f"这户将有{total}分")
    expect(page.locator("#merge-plan")).to_contain_text("不能再用")
    shoot(page, "family-03-merge-plan")
    page.get_by_role("button", name="确认合户").click()
    expect(page.locator("#household-balance")).to_have_text(str(total))
    context.close()

    kiosk = browser.new_context(viewport=SMALL, locale="zh-CN", has_touch=True)
    screen = kiosk.new_page()
    screen.set_default_timeout(8000)
    screen.goto(url + "/")
    wedge_scan(screen, neighbour["存折二维码"])
    expect(screen.locator("[data-screen=error]")).to_have_attribute("data-code", "passbook_void")
    shoot(screen, "family-04-kiosk-merged-passbook")
    kiosk.close()
    kiosk = browser.new_context(viewport=SMALL, locale="zh-CN", has_touch=True)
    screen = kiosk.new_page()
    screen.set_default_timeout(8000)
    screen.goto(url + "/")
    wedge_scan(screen, home["存折二维码"])
    expect(screen.locator("#balance")).to_have_text(str(total))
    kiosk.close()
