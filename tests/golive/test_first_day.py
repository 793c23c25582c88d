"""A real village's first day in Chromium, from an empty database and with no demo code: the
first-run page opens the village and its kiosk, the roster is imported, the passbooks are printed
(their QR codes read back from the printed sheet), points are awarded, a villager redeems at the
kiosk with a printed passbook, and the clerk closes the day."""

from __future__ import annotations

import subprocess

import cv2
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hardware.scanner import decode_frame
from kiosk.app import create_app
from shop import schema, stock
from shop.db import unit_of_work
from shop.models import DayClose, Household, Redemption, Village
from tests.e2e.conftest import LIVE_CONFIG, SMALL, serve, shoot, wedge_scan

pytestmark = pytest.mark.browser

ROSTER = (
    "户号,户主,村民小组,人口\n"
    "01-001,王秀英,第一村民小组,3\n"
    "01-002,李建国,第一村民小组,4\n"
    "02-001,张桂兰,第二村民小组,2\n"
)


@pytest.fixture
def empty_village(tmp_path):
    """What `kiosk init` leaves on a new box: the schema, and nothing in it."""
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "first-day",
            "DEVICE": "GJG-K1",
            **LIVE_CONFIG,
        }
    )
    schema.upgrade(app.extensions["kiosk_db"].engine)
    with serve(app, threads=8) as url:
        yield app, url, tmp_path


def _codes_on_the_sheet(pdf: bytes, folder) -> list[str]:
    """Print the A4 sheet to pictures and read its QR codes as the kiosk's camera would."""
    (folder / "cards.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", str(folder / "cards.pdf"), str(folder / "sheet")],
        check=True,
        timeout=60,
    )
    codes: list[str] = []
    for png in sorted(folder.glob("sheet*.png")):
        codes += decode_frame(cv2.imread(str(png)), budget_ms=None)
    return codes


def test_a_village_goes_live_from_an_empty_database(empty_village, browser):
    app, url, folder = empty_village
    context = browser.new_context(viewport=SMALL, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10000)

    # 1. The first visit to the back-office is the first-run page.
    page.goto(url + "/backoffice/")
    expect(page.get_by_role("heading", name="开通本村")).to_be_visible()
    page.get_by_label("村名").fill("高尖沟村")
    page.get_by_label("村编号（字母和数字）").fill("GJG")
    page.get_by_label("县（区）").fill("喀左县")
    page.get_by_label("镇（乡）").fill("大城子镇")
    page.get_by_label("村民小组，每行一个").fill("第一村民小组\n第二村民小组")
    page.locator("input[name=kiosk_prefix_0]").fill("GJ1")
    page.locator("input[name=kiosk_name_0]").fill("村委会积分超市")
    page.get_by_label("用户名").fill("boss")
    page.get_by_label("姓名").fill("王主任")
    page.get_by_label("密码（至少8位）").fill("first-day-pass")
    page.get_by_label("再输一次密码").fill("first-day-pass")
    shoot(page, "golive-01-first-run")
    page.get_by_role("button", name="开通本村").click()
    expect(page.locator("#setup-done")).to_contain_text("GJ1-000001")
    assert page.locator("#demo-mark").count() == 0
    shoot(page, "golive-02-opened")

    # Goods arrive (the stock pages have browser tests of their own).
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        village = s.scalar(select(Village))
        soap = stock.create_product(s, village, "FZ-1", "肥皂", 5, unit="块")
        stock.receive_stock(s, soap, 20, actor="staff:boss", source="区财政预算")

    # 2. The roster.
    page.goto(url + "/backoffice/households/import")
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "名册.csv", "mimeType": "text/csv", "buffer": ROSTER.encode("utf-8-sig")}]
    )
    page.get_by_role("button", name="预览").click()
    expect(page.locator("#roster-preview")).to_contain_text("张桂兰")
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".flash.ok")).to_contain_text("3")

    # 3. Passbooks for everyone, one A4 sheet, its codes read back from the paper.
    for number in ("01-001", "01-002", "02-001"):
        page.locator(f'tr[data-household="{number}"] input[type=checkbox]').check()
    page.get_by_role("button", name="为选中的户发放存折").click()
    link = page.locator("#cards-download").get_attribute("href")
    sheet = page.request.get(url + link)
    assert sheet.ok and sheet.body().startswith(b"%PDF")
    codes = _codes_on_the_sheet(sheet.body(), folder)
    assert len(codes) == 3 and all(c.startswith("JF1") for c in codes)

    # 4. The panel's first rule and a batch award to the first group.
    page.goto(url + "/backoffice/rules")
    page.get_by_label("类别编号").fill("JX")
    page.locator("input[name=name]").last.fill("积孝")
    page.locator("form[action$='/rules/categories'] button").click()
    page.locator("input[name=name]").first.fill("赡养老人")
    page.locator("input[name=points]").fill("20")
    page.locator("form[action$='/rules'] button.primary").click()
    page.goto(url + "/backoffice/awards/new")
    page.locator("select[name=group]").select_option("第一村民小组")
    page.locator("#pick-group").click()
    expect(page.locator("#award-chosen b")).to_have_text("2")
    page.locator("#award-preview-button").click()
    expect(page.locator("#award-total")).to_have_text("+40")
    page.locator("#award-confirm").click()
    expect(page.locator(".flash.ok")).to_contain_text("× 2")
    context.close()

    # 5. A villager redeems at the kiosk with a printed passbook.
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        balances = dict(s.execute(select(Household.number, Household.balance)).all())
    assert balances == {"01-001": 20, "01-002": 20, "02-001": 0}
    kiosk = browser.new_context(viewport=SMALL, locale="zh-CN", has_touch=True)
    screen = kiosk.new_page()
    screen.set_default_timeout(10000)
    screen.goto(url + "/")
    screen.wait_for_selector('#screen[data-screen="waiting"]')
    assert screen.locator("#demo-mark").count() == 0
    for code in codes:  # the sheet's order is the households' order; find one with points
        wedge_scan(screen, code)
        screen.wait_for_selector('#screen[data-screen="household"]')
        if screen.locator("#balance").inner_text() == "20":
            break
        screen.get_by_role("button", name="结束").click()
        screen.wait_for_selector('#screen[data-screen="waiting"]')
    screen.get_by_role("button", name="拿一件：肥皂").click()
    screen.get_by_role("button", name="加一件：肥皂").click()
    screen.get_by_role("button", name="下一步").click()
    screen.wait_for_selector('#screen[data-screen="confirm"]')
    screen.get_by_role("button", name="确认兑换").click()
    screen.wait_for_selector('#screen[data-screen="done"]')
    assert screen.locator("#receipt-no").inner_text() == "GJ1-000001"
    assert screen.locator("#balance-after").inner_text() == "10"
    shoot(screen, "golive-03-first-receipt")
    kiosk.close()

    # 6. The clerk (here the admin) closes the day.
    context = browser.new_context(viewport=SMALL, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10000)
    page.goto(url + "/backoffice/login")
    page.get_by_label("用户名").fill("boss")
    page.get_by_label("密码").fill("first-day-pass")
    page.get_by_role("button", name="登录", exact=True).click()
    page.goto(url + "/backoffice/clerk/dayclose")
    page.once("dialog", lambda d: d.accept())
    page.locator("#dayclose-close").click()
    page.wait_for_selector("#dc-print")
    shoot(page, "golive-04-day-closed")
    context.close()
    with unit_of_work(app.extensions["kiosk_db"].reader) as s:
        (receipt,) = s.scalars(select(Redemption)).all()
        assert (receipt.receipt_no, receipt.total) == ("GJ1-000001", 10)
        assert s.scalar(select(DayClose.id)) is not None
        assert not s.scalar(select(Village)).is_demo
    assert not (folder / "demo-passbooks.csv").exists()  # no demo code ran
