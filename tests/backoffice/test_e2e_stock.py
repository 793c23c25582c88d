"""End to end in Chromium: the volunteer receives a delivery by scanning barcodes, villagers
redeem at the kiosk, the clerk voids one receipt and closes the day; the report's figures are
the ledger's. Screenshots of the pages: test-artifacts/screenshots/backoffice-*.png (1280x800)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from kiosk.app import create_app
from shop import clock
from shop.demo import GOODS
from shop.models import Product, ReceivingDoc, Redemption, RedemptionLine, utcnow
from shop.redemptions.limits import local_date
from tests.e2e.conftest import LIVE_CONFIG, SHOTS, serve, wedge_scan

from .conftest import PASSWORD

pytestmark = pytest.mark.browser
SCREEN = {"width": 1280, "height": 800}
BARCODES = {sku: barcode for sku, *_rest, barcode in GOODS}


@pytest.fixture(scope="module")
def shop_live(backoffice_instance, tmp_path_factory):
    """The back-office and the kiosk served by waitress in a thread, with the app at hand so the
    test can read the ledger."""
    folder = tmp_path_factory.mktemp("stock-live")
    shutil.copytree(backoffice_instance, folder, dirs_exist_ok=True)
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "e2e-stock", **LIVE_CONFIG})
    with (Path(folder) / "demo-passbooks.csv").open(encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if not r["说明"]]
    rows.sort(key=lambda r: -int(r["积分余额"]))
    with serve(app, threads=8) as url:
        yield url, rows, app


@pytest.fixture
def chromium(browser):
    return browser


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"backoffice-{name}.png"), full_page=False)


def sign_in(chromium, url: str, username: str):
    context = chromium.new_context(viewport=SCREEN, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(8000)
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm asks; the staff says yes
    page.goto(url + "/backoffice/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("#bo-user")).to_contain_text(f"{username}-name")
    return context, page


def redeem_at_kiosk(chromium, url: str, passbook: str, taps: list[str]) -> None:
    context = chromium.new_context(
        viewport={"width": 1024, "height": 600}, locale="zh-CN", has_touch=True
    )
    screen = context.new_page()
    screen.set_default_timeout(8000)
    screen.goto(url + "/")
    expect(screen.locator("[data-screen=waiting]")).to_be_visible()
    wedge_scan(screen, passbook)
    expect(screen.locator("[data-screen=household]")).to_be_visible()
    for name in taps:
        screen.get_by_role("button", name=name).click()
        screen.wait_for_timeout(150)
    screen.get_by_role("button", name="下一步").click()
    expect(screen.locator("[data-screen=confirm]")).to_be_visible()
    screen.get_by_role("button", name="确认兑换").click()
    expect(screen.locator("[data-screen=done]")).to_be_visible()
    context.close()


def on_hand(app) -> dict[str, int]:
    with app.extensions["kiosk_db"].reader() as db:
        return dict(db.execute(select(Product.sku, Product.on_hand)).all())


def test_receive_by_scanning_redeem_void_and_close_the_day(shop_live, chromium):
    url, passbooks, app = shop_live
    before = on_hand(app)

    # 1. The volunteer scans a delivery: soap twice, salt and oil once; one more soap by +.
    context, page = sign_in(chromium, url, "volunteer")
    expect(page.locator("#low-stock")).to_be_visible()
    shot(page, "home-volunteer")
    page.goto(url + "/backoffice/stock/receiving/new")
    expect(page.locator("#scan")).to_be_focused()
    for sku in ("FZ-1", "FZ-1", "Y-500", "JY-5L"):
        page.locator("#scan").click()
        wedge_scan(page, BARCODES[sku])
        expect(page.locator(f"#line-{sku}")).to_be_visible()
        expect(page.locator("#scan")).to_have_value("")
    expect(page.locator("#line-FZ-1 input[name=qty]")).to_have_value("2")
    page.locator("#line-FZ-1").get_by_role("button", name="+1", exact=True).click()
    expect(page.locator("#line-FZ-1 input[name=qty]")).to_have_value("3")
    page.get_by_label("村企结对").check()
    page.get_by_label("结对企业名称").fill("赣州日化厂")
    page.get_by_label("价值（元）").fill("268.00")
    shot(page, "receiving")
    page.locator("#receiving-book").click()
    expect(page.locator("#doc-no")).to_have_text("RK00001")
    shot(page, "receiving-doc")
    after = on_hand(app)
    assert after["FZ-1"] == before["FZ-1"] + 3
    assert after["Y-500"] == before["Y-500"] + 1 and after["JY-5L"] == before["JY-5L"] + 1
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(func.count(ReceivingDoc.id))) == 1

    page.goto(url + "/backoffice/stock/products")
    shot(page, "products")
    page.goto(url + "/backoffice/stock/stocktake")
    page.locator("#stocktake-begin").click()
    expect(page.locator("#stocktake-state")).to_have_attribute("data-state", "open")
    page.locator("#scan").click()
    wedge_scan(page, BARCODES["SZ-1"])
    expect(page.locator("#count-SZ-1 input[name=counted]")).to_have_value("1")
    shot(page, "stocktake")
    page.locator("#stocktake-cancel").click()
    expect(page.locator("#stocktake-begin")).to_be_visible()
    context.close()

    # 2. Two villagers redeem at the kiosk.
    redeem_at_kiosk(chromium, url, passbooks[0]["存折二维码"], ["拿一件：肥皂", "加一件：肥皂"])
    redeem_at_kiosk(chromium, url, passbooks[1]["存折二维码"], ["拿一件：食盐", "拿一件：牙膏"])

    # 3. The clerk voids the first receipt, then closes the day.
    context, page = sign_in(chromium, url, "clerk")
    page.get_by_role("link", name="小票").first.click()
    rows = page.locator("#receipt-list tr[data-state]")
    expect(rows).to_have_count(2)
    shot(page, "receipts")
    rows.first.locator("a").click()
    page.get_by_label("作废原因").fill("村民拿错了")
    shot(page, "receipt")
    page.locator("#receipt-void").click()
    expect(page.locator("#receipt-state")).to_have_attribute("data-state", "voided")
    shot(page, "receipt-voided")

    page.get_by_role("link", name="日结").first.click()
    expect(page.locator("#dayclose-state")).to_have_attribute("data-state", "preview")
    shot(page, "dayclose-preview")
    page.get_by_label("日结人").fill("李会计")
    page.locator("#dayclose-close").click()
    expect(page.locator("#dayclose-state")).to_have_attribute("data-state", "closed")
    shot(page, "dayclose-closed")

    # 4. The report's figures are the ledger's.
    start, end = clock.day_bounds(local_date(utcnow()))
    today = (Redemption.created_at >= start) & (Redemption.created_at < end)
    with app.extensions["kiosk_db"].reader() as db:
        issued = db.scalar(select(func.count(Redemption.id)).where(today))
        voided = db.scalar(
            select(func.count(Redemption.id)).where(today, Redemption.state == "voided")
        )
        redeemed = db.scalar(select(func.sum(Redemption.total)).where(today))
        returned = db.scalar(
            select(func.sum(Redemption.total)).where(today, Redemption.state == "voided")
        )
        goods = dict(
            db.execute(
                select(Product.sku, func.sum(RedemptionLine.qty))
                .join(RedemptionLine, RedemptionLine.product_id == Product.id)
                .join(Redemption, Redemption.id == RedemptionLine.redemption_id)
                .where(today)
                .group_by(Product.sku)
            ).all()
        )
    assert (issued, voided) == (2, 1)
    assert page.locator("#dc-issued").inner_text() == str(issued)
    assert page.locator("#dc-issued-voided").inner_text() == str(voided)
    assert page.locator("#dc-voids").inner_text() == str(voided)
    assert page.locator("#dc-points-redeemed").inner_text() == str(redeemed)
    assert page.locator("#dc-points-returned").inner_text() == str(returned)
    assert page.locator("#dc-points-net").inner_text() == str(redeemed - returned)
    for sku, qty in goods.items():
        assert page.locator(f"#dc-goods-{sku} td").nth(1).inner_text() == str(qty)
    with page.expect_download() as download:
        page.locator("#dc-csv").click()
    assert download.value.suggested_filename.endswith(".csv")
    context.close()


def test_settings_pages_set_quarter_windows_and_a_limit(shop_live, chromium):
    url, _passbooks, app = shop_live
    context, page = sign_in(chromium, url, "admin")
    page.goto(url + "/backoffice/settings/windows")
    page.get_by_label("年份").fill("2027")
    page.locator("#window-quarters").click()
    expect(page.locator("#window-list tr")).to_have_count(4)
    shot(page, "windows")
    page.goto(url + "/backoffice/settings/limits")
    row = page.locator("#limit-JY-5L")
    row.get_by_label("每户").fill("2")
    row.get_by_role("button", name="保存").click()
    expect(page.locator("#limit-JY-5L input[name=allowed]")).to_have_value("2")
    shot(page, "limits")
    page.goto(url + "/backoffice/stock/low")
    shot(page, "low-stock")
    page.goto(url + "/backoffice/settings/windows")
    page.locator("#window-always-open").click()
    expect(page.locator("#window-always")).to_be_visible()
    context.close()
