"""In Chromium: a township admin opens a village (开通乡村) from the township's page, the new
village's admin signs in and imports the roster, a villager redeems at the new village's kiosk,
and the township's page shows the redemption on the new village's row."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.app import create_app
from shop import households, points, regions, schema, staff, stock
from shop.db import unit_of_work
from shop.models import Household, Village
from tests.e2e.conftest import LIVE_CONFIG, SMALL, serve, shoot, wedge_scan

pytestmark = pytest.mark.browser

ROSTER = (
    "户号,户主,村民小组,人口\n01-001,王秀英,一组,3\n01-002,李建国,一组,4\n02-001,张桂兰,二组,2\n"
)


@pytest.fixture
def township(tmp_path):
    app = create_app(
        {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "township", "DEVICE": "XK-K1", **LIVE_CONFIG}
    )
    schema.upgrade(app.extensions["kiosk_db"].engine)
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        district = regions.create_district(s, "NK", "南康区")
        town = regions.create_township(s, district, "NK-TJ", "唐江镇")
        older = regions.create_village(s, "LJ", "老街村", region=town)
        regions.create_kiosk(s, older, "LJ-K1", "老街村1号机")
        staff.create_staff(s, "tj-admin", "township_admin", "township-pass-1", township=town)
    with serve(app, threads=8) as url:
        yield app, url


def _sign_in(page, url: str, username: str, password: str) -> None:
    page.goto(url + "/backoffice/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


def test_a_township_admin_opens_a_village_whose_first_redemption_reaches_the_township_page(
    township, browser
):
    app, url = township
    db = app.extensions["kiosk_db"]
    context = browser.new_context(viewport=SMALL, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10000)

    # 1. The township admin opens 新开村 with its groups, kiosk and first admin.
    _sign_in(page, url, "tj-admin", "township-pass-1")
    expect(page.get_by_role("heading", name="唐江镇 · 各村总览")).to_be_visible()
    page.get_by_role("link", name="开通乡村").click()
    page.get_by_label("村名").fill("新开村")
    page.get_by_label("村编号（字母和数字）").fill("XK")
    page.get_by_label("镇（乡）").select_option(label="唐江镇")
    page.get_by_label("村民小组，每行一个").fill("一组\n二组")
    page.locator("input[name=kiosk_code_0]").fill("XK-K1")
    page.locator("input[name=kiosk_name_0]").fill("新开村积分超市")
    page.get_by_label("用户名").fill("xk-boss")
    page.get_by_label("姓名").fill("陈主任")
    page.get_by_label("密码（至少8位）").fill("new-village-1")
    page.get_by_label("再输一次密码").fill("new-village-1")
    shoot(page, "district-01-open-village")
    page.get_by_role("button", name="开通乡村").click()
    expect(page.locator("#opened")).to_contain_text("XK-K1-000001")

    # Goods arrive at the new shop (the stock pages have browser tests of their own).
    with unit_of_work(db.writer) as s:
        village = s.scalar(select(Village).where(Village.code == "XK"))
        soap = stock.create_product(s, village, "FZ-1", "肥皂", 5, unit="块")
        stock.receive_stock(s, soap, 20, actor="staff:xk-boss", source="区财政预算")

    # 2. The new village's admin imports the roster.
    admin = browser.new_context(viewport=SMALL, locale="zh-CN")
    clerk = admin.new_page()
    clerk.set_default_timeout(10000)
    _sign_in(clerk, url, "xk-boss", "new-village-1")
    clerk.goto(url + "/backoffice/households/import")
    clerk.locator("input[type=file]").set_input_files(
        files=[{"name": "名册.csv", "mimeType": "text/csv", "buffer": ROSTER.encode("utf-8-sig")}]
    )
    clerk.get_by_role("button", name="预览").click()
    expect(clerk.locator("#roster-preview")).to_contain_text("张桂兰")
    clerk.get_by_role("button", name="确认导入").click()
    expect(clerk.locator(".flash.ok")).to_contain_text("3")
    admin.close()

    # The panel's award and a passbook (their own browser tests cover those pages).
    with unit_of_work(db.writer) as s:
        home = s.scalar(select(Household).where(Household.number == "01-001"))
        assert s.get(Village, home.village_id).code == "XK"
        points.award_points(s, home, delta=30, actor="staff:xk-boss", memo="赡养老人")
        _, code = households.issue_passbook(s, home, actor="staff:xk-boss")

    # 3. The villager redeems at the new village's kiosk.
    kiosk = browser.new_context(viewport=SMALL, locale="zh-CN", has_touch=True)
    screen = kiosk.new_page()
    screen.set_default_timeout(10000)
    screen.goto(url + "/")
    screen.wait_for_selector('#screen[data-screen="waiting"]')
    wedge_scan(screen, code)
    screen.wait_for_selector('#screen[data-screen="household"]')
    screen.get_by_role("button", name="拿一件：肥皂").click()
    screen.get_by_role("button", name="下一步").click()
    screen.wait_for_selector('#screen[data-screen="confirm"]')
    screen.get_by_role("button", name="确认兑换").click()
    screen.wait_for_selector('#screen[data-screen="done"]')
    assert screen.locator("#receipt-no").inner_text() == "XK-K1-000001"
    kiosk.close()

    # 4. The township's page shows it on the new village's row.
    page.goto(url + "/backoffice/region")
    row = page.locator('tr[data-village="XK"]')
    expect(row.locator("td.redemptions")).to_have_text("1")
    expect(page.locator('tr[data-village="LJ"] td.redemptions')).to_have_text("0")
    expect(page.locator("#region-redemptions")).to_have_text("1")
    shoot(page, "district-02-township-page")
    context.close()
