"""End to end in Chromium (issue 18): a group recorder on a 360x640 phone records a deduction
with a photo; the panel approves it with the photo in view; the notice shows it 公示中 and the
balance does not move; when the notice period ends it counts, and the kiosk shows the new
balance — below zero if the household had spent its points (a deduction bites at any balance)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.app import create_app
from shop import clock, staff
from shop.db import unit_of_work
from shop.models import Household, Rule, StaffUser, Village
from shop.points import review
from shop.staff import accounts
from tests.e2e.conftest import LIVE_CONFIG, SHOTS, SMALL, serve, wedge_scan

from .conftest import PASSWORD

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 640}
NOTICE_DAYS = 2


@pytest.fixture(scope="module")
def live_deduction(backoffice_instance, tmp_path_factory):
    folder = tmp_path_factory.mktemp("deduction-live")
    shutil.copytree(backoffice_instance, folder, dirs_exist_ok=True)
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "e2e-ded", **LIVE_CONFIG})
    with (Path(folder) / "demo-passbooks.csv").open(encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if not r["说明"]]
    poorest = min(rows, key=lambda r: int(r["积分余额"]))
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        village = s.scalar(select(Village).order_by(Village.id).limit(1))
        leader = staff.create_staff(s, "leader2", "recorder", PASSWORD, village=village,
                                    display_name="组长老李")  # fmt: skip
        accounts.set_staff_groups(s, leader, [poorest["村民小组"]], actor="test")
    with serve(app, threads=8) as url:
        yield app, url, poorest


def _sign_in(page, url: str, username: str) -> None:
    page.goto(url + "/backoffice/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("#bo-user")).to_be_visible()


def _photo(tmp_path) -> Path:
    path = tmp_path / "litter.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (90, 140, 60)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_recorded_deduction_with_a_photo_counts_after_review_and_notice(
    live_deduction, browser, tmp_path
):
    app, url, row = live_deduction
    with app.extensions["kiosk_db"].reader() as s:
        rule = s.scalar(select(Rule).where(Rule.points < 0, Rule.is_active).order_by(Rule.points))
        household = s.scalar(select(Household).where(Household.number == row["户号"]))
        rule_id, penalty, home_id, before = rule.id, rule.points, household.id, household.balance
        assert s.scalar(select(StaffUser.groups).where(StaffUser.username == "leader2"))

    desk = browser.new_context(viewport=SMALL, locale="zh-CN")
    panel = desk.new_page()
    panel.set_default_timeout(8000)
    _sign_in(panel, url, "panel")
    panel.goto(url + "/backoffice/settings/review")
    panel.locator("input[name=notice_days]").fill(str(NOTICE_DAYS))
    panel.locator("input[name=notice_days]").press("Enter")
    expect(panel.locator(".flash.ok")).to_be_visible()

    # The group leader, on the phone, by the roadside.
    outdoors = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True)
    phone = outdoors.new_page()
    phone.set_default_timeout(8000)
    _sign_in(phone, url, "leader2")
    phone.goto(url + "/backoffice/record")
    phone.locator("#record-rule").select_option(str(rule_id))
    phone.locator(f'#record-homes input[value="{home_id}"]').check()
    phone.locator("#record-note").fill("门前堆放垃圾，劝说不改")
    phone.locator("#record-photos").set_input_files(str(_photo(tmp_path)))
    phone.locator("#record-submit").click()
    expect(phone.locator(".flash.ok")).to_be_visible()
    entry = phone.locator("#my-entries .entry").first
    expect(entry).to_contain_text("门前堆放垃圾")
    expect(entry.locator("img")).to_have_count(1)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "deduction-01-recorded-360x640.png"), full_page=True)

    # The panel sees the photo with the entry and approves it.
    panel.goto(url + "/backoffice/review")
    batch = panel.locator("article.batch", has_text="门前堆放垃圾")
    expect(batch.locator(".photos img")).to_have_count(1)
    assert batch.locator(".photos img").evaluate("img => img.naturalWidth") > 0
    batch.get_by_role("button", name="全部通过").click()
    expect(panel.locator(".flash.ok")).to_have_text("已保存")
    expect(panel.locator("#noticed")).to_contain_text(row["户号"])
    panel.screenshot(path=str(SHOTS / "deduction-02-noticed-1024x600.png"), full_page=True)
    with app.extensions["kiosk_db"].reader() as s:
        assert s.get(Household, home_id).balance == before  # 公示中: not yet

    # The period ends (the daily `kiosk post-matured`); the kiosk shows the new balance.
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        posted = review.post_matured(
            s, today=clock.today() + dt.timedelta(days=NOTICE_DAYS), actor="system:notice"
        )
    assert posted == 1
    kiosk = desk.new_page()
    kiosk.goto(url + "/")
    wedge_scan(kiosk, row["存折二维码"])
    expect(kiosk.locator('#screen[data-screen="household"]')).to_be_visible()
    expect(kiosk.locator("#balance")).to_have_text(str(before + penalty))
    expect(kiosk.locator("#entries")).to_contain_text(f"{penalty:+d}")
    kiosk.screenshot(path=str(SHOTS / "deduction-03-kiosk-1024x600.png"))
    desk.close()
    outdoors.close()
