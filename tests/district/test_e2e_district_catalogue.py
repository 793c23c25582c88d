"""In Chromium: the district's admin adds an item to the district's catalogue (区县积分项目), the
village's admin sees it on 积分项目 marked 区县统一 with its range, and a villager at the village's
kiosk finds it on the apply screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kiosk.app import create_app
from shop import households, points, regions, schema, staff
from shop.db import unit_of_work
from tests.e2e.conftest import LIVE_CONFIG, SMALL, serve, shoot, wedge_scan

pytestmark = pytest.mark.browser


@pytest.fixture
def district(tmp_path):
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "district", "DEVICE": "LJ-K1", **LIVE_CONFIG}
    )
    schema.upgrade(app.extensions["kiosk_db"].engine)
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        nk = regions.create_district(s, "NK", "南康区")
        town = regions.create_township(s, nk, "NK-TJ", "唐江镇")
        village = regions.create_village(s, "LJ", "老街村", region=town)
        regions.create_kiosk(s, village, "LJ-K1", "老街村1号机")
        own = points.add_category(s, village, "local", "本村特色", actor="test")
        points.add_rule(s, own, "防溺水宣传", 2, actor="test")
        home = households.create_household(s, village, "01-001", "王秀英", actor="test")
        _, code = households.issue_passbook(s, home, actor="test")
        staff.create_staff(s, "nk-admin", "district_admin", "district-pass-1", district=nk)
        staff.create_staff(s, "lj-admin", "admin", "village-pass-1", village=village)
    with serve(app, threads=8) as url:
        yield url, code


def _sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(url + "/backoffice/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def test_an_item_the_district_adds_is_on_the_villages_kiosk(district, browser):
    url, code = district
    context = browser.new_context(viewport=SMALL, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10000)

    # 1. The district's admin adds 积孝 and 照顾老人 (+3; each village may set 1 to 5).
    _sign_in(page, url, "nk-admin", "district-pass-1")
    page.get_by_role("link", name="区县积分项目").click()
    expect(page.get_by_role("heading", name="南康区 · 区县积分项目")).to_be_visible()
    category = page.locator("#district-category-add")
    category.get_by_label("类别编号").fill("filial")
    category.get_by_label("类别", exact=True).fill("积孝")
    category.get_by_role("button", name="保存").click()
    item = page.locator("#district-rule-add")
    item.get_by_label("项目").fill("照顾老人")
    item.get_by_label("分值", exact=True).fill("3")
    item.get_by_label("各村最低").fill("1")
    item.get_by_label("各村最高").fill("5")
    item.get_by_role("button", name="保存并发到各村").click()
    expect(page.locator(".flash.ok")).to_contain_text("已发到本区县每个村")
    expect(page.locator("#district-rules")).to_contain_text("照顾老人")
    shoot(page, "district-03-catalogue", portrait=False)
    context.close()

    # 2. The village's admin sees it among the village's own items.
    village = browser.new_context(viewport=SMALL, locale="zh-CN")
    admin = village.new_page()
    admin.set_default_timeout(10000)
    _sign_in(admin, url, "lj-admin", "village-pass-1")
    admin.goto(url + "/backoffice/rules")
    row = admin.locator("tr", has_text="照顾老人")
    expect(row).to_contain_text("区县统一")
    expect(row).to_contain_text("可调范围 +1 ～ +5 分")
    expect(admin.locator("tr", has_text="防溺水宣传")).to_contain_text("本村")
    shoot(admin, "district-04-village-rules", portrait=False)
    village.close()

    # 3. The villager finds it on the kiosk's apply screen.
    kiosk = browser.new_context(viewport=SMALL, locale="zh-CN", has_touch=True)
    screen = kiosk.new_page()
    screen.set_default_timeout(10000)
    screen.goto(url + "/")
    screen.wait_for_selector('#screen[data-screen="waiting"]')
    wedge_scan(screen, code)
    screen.wait_for_selector('#screen[data-screen="household"]')
    screen.locator("#apply-for-points").click()
    screen.wait_for_selector('#screen[data-screen="apply"]')
    expect(screen.locator("#screen")).to_contain_text("照顾老人")
    expect(screen.locator("#screen")).to_contain_text("防溺水宣传")
    shoot(screen, "district-05-kiosk-apply")
    kiosk.close()
