"""Real Chromium with mobile emulation at 360x640: the household's phone opens the query code's
link, applies for points with a photo, the panel approves it in the back-office with the photo
in view, and the phone then shows the points. Screenshots of every phone page at 360x640 and
414x896 go to test-artifacts/screenshots/phone-*.png."""

from __future__ import annotations

import io
import re
import shutil

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.app import create_app
from shop import households
from shop.db import unit_of_work
from shop.models import Household, Village
from shop.phone import set_phone_settings
from tests.backoffice.conftest import PASSWORD
from tests.e2e.conftest import LIVE_CONFIG, SHOTS, SMALL, serve

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 640}
BIG_PHONE = {"width": 414, "height": 896}
# WeChat's built-in browser on a cheap Android phone.
WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 10; V2026) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/86.0.4240.99 XWEB/4313 MMWEBSDK/20220805 Mobile Safari/537.36 "
    "MMWEBID/1234 MicroMessenger/8.0.27.2220(0x28001B3B) WeChat/arm64 Weixin NetType/4G"
)


@pytest.fixture(scope="module")
def live_phone(backoffice_instance, tmp_path_factory):
    folder = tmp_path_factory.mktemp("phone-live")
    shutil.copytree(backoffice_instance, folder, dirs_exist_ok=True)
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "e2e-phone", **LIVE_CONFIG})
    with serve(app, threads=8) as url:
        yield app, url


def _household_with_code(app) -> tuple[str, str, str, int]:
    """(query code, number, head's name, balance) of a demo household with points."""
    with unit_of_work(app.extensions["kiosk_db"].writer) as session:
        h = session.scalars(
            select(Household).where(Household.status == "active").order_by(Household.balance.desc())
        ).first()
        code = households.issue_query_code(session, h, actor="test").code
        village = session.scalars(select(Village)).first()
        set_phone_settings(session, village.id, is_public=True, is_masked=True, actor="test")
        return code, h.number, h.head_name, h.balance


def shoot_phone(page, name: str) -> None:
    """The page at 360x640 and 414x896 (what the villager sees first), then back."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for viewport in (PHONE, BIG_PHONE):
        page.set_viewport_size(viewport)
        page.screenshot(
            path=str(SHOTS / f"phone-{name}-{viewport['width']}x{viewport['height']}.png")
        )
    page.set_viewport_size(size)


def _photo(tmp_path) -> str:
    image = Image.new("RGB", (1600, 1200), (120, 170, 90))
    draw = ImageDraw.Draw(image)
    draw.rectangle((300, 300, 1300, 900), fill=(200, 160, 60))
    path = tmp_path / "IMG_20261204_0930.jpg"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    path.write_bytes(out.getvalue())
    return str(path)


def _phone_context(browser):
    return browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        user_agent=WECHAT_UA,
        locale="zh-CN",
    )


def test_scan_link_apply_with_a_photo_panel_approves_phone_shows_points(
    live_phone, browser, tmp_path
):
    app, url = live_phone
    code, number, head, balance = _household_with_code(app)
    phone_context = _phone_context(browser)
    phone = phone_context.new_page()
    phone.set_default_timeout(10000)
    outside: list[str] = []
    phone.on("request", lambda r: outside.append(r.url) if not r.url.startswith(url) else None)

    # 1. The camera opens the link in the QR: the household's page, its code gone from the bar.
    phone.goto(f"{url}/m/c/{code}")
    assert phone.url == f"{url}/m/"
    expect(phone.locator("#balance-value")).to_have_text(str(balance))
    expect(phone.locator(".top")).to_contain_text(head)
    box = phone.locator("#balance").bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], "the balance is above the fold"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot_phone(phone, "01-home")
    for path, name in (
        ("history", "02-history"),
        ("notice", "03-notice"),
        ("ranking", "04-ranking"),
        ("rules", "05-rules"),
        ("goods", "06-goods"),
    ):
        phone.goto(f"{url}/m/{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        shoot_phone(phone, name)
        if path == "notice":  # early in a month: last month's notice is one tap away
            phone.locator("#last-month").tap()
            expect(phone.locator("#my-line")).to_be_visible()
            shoot_phone(phone, "03-notice-last-month")

    # 2. Apply: a deed, a note, a photo from the camera.
    phone.goto(f"{url}/m/")
    phone.get_by_role("link", name="申请积分").click()
    deed = phone.locator("label.deed").first
    deed_name = deed.locator("span").first.inner_text()
    deed_points = int(deed.locator(".delta").inner_text().lstrip("+"))
    deed.tap()
    phone.locator("textarea[name=note]").fill("帮五保户打扫院子")
    phone.locator("#photos").set_input_files(_photo(tmp_path))
    shoot_phone(phone, "07-apply")
    phone.locator("#apply-send").tap()
    expect(phone.locator("#sent")).to_be_visible()
    expect(phone.locator(".app").first).to_contain_text("等待评定")
    expect(phone.locator(".app").first.locator(".photos img")).to_have_count(1)
    shoot_phone(phone, "08-applications")

    # 3. The panel sees the application with its photo and approves it.
    staff = browser.new_context(viewport=SMALL, locale="zh-CN")
    panel = staff.new_page()
    panel.set_default_timeout(10000)
    panel.goto(url + "/backoffice/")
    panel.get_by_label("用户名").fill("panel")
    panel.get_by_label("密码").fill(PASSWORD)
    panel.get_by_role("button", name="登录", exact=True).click()
    panel.goto(url + "/backoffice/applications")
    row = panel.locator("tr[data-application]").filter(has_text="帮五保户打扫院子")
    expect(row).to_contain_text(number)
    photo = row.locator("td.photos img")
    expect(photo).to_have_count(1)
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    panel.screenshot(path=str(SHOTS / "phone-09-backoffice-application.png"))
    row.get_by_role("button", name="批准").click()
    expect(panel.locator(".flash.ok")).to_be_visible()
    staff.close()

    # 4. The phone shows the points and why.
    phone.goto(f"{url}/m/")
    expect(phone.locator("#balance-value")).to_have_text(str(balance + deed_points))
    expect(phone.locator("#latest .entry").first).to_contain_text(deed_name)
    expect(phone.locator("#latest .entry").first).to_contain_text(f"+{deed_points}")
    shoot_phone(phone, "10-home-after")
    phone.goto(f"{url}/m/applications")
    expect(phone.locator(".app").first).to_contain_text("已通过")

    # 5. Elder mode: the balance very large, a button that reads it aloud where it can.
    phone.goto(f"{url}/m/")
    phone.locator("#elder-on").tap()
    expect(phone.locator("body.elder")).to_be_visible()
    expect(phone.locator("#balance-value")).to_have_text(str(balance + deed_points))
    size = phone.locator("#balance-value").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 60
    expect(phone.locator("#speak")).to_be_visible()  # Chromium has speechSynthesis
    shoot_phone(phone, "11-elder")
    phone.locator("#elder-off").tap()
    expect(phone.locator("body.elder")).to_have_count(0)

    # 6. The public honour board, names masked, then sign out.
    with unit_of_work(app.extensions["kiosk_db"].reader) as session:
        village_code = session.scalars(select(Village.code)).first()
    phone.goto(f"{url}/m/v/{village_code}/honour")
    expect(phone.locator("#honour li").first).to_be_visible()
    assert re.search(r"\*", phone.locator("#honour").inner_text())
    shoot_phone(phone, "12-public-honour")
    phone.goto(f"{url}/m/")
    phone.locator("#sign-out").tap()
    expect(phone.locator("#signin")).to_be_visible()
    shoot_phone(phone, "13-signed-out")
    assert outside == [], f"requests outside the app: {outside}"
    phone_context.close()
