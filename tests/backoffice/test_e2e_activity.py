"""End to end in Chromium: an activity (活动) from creation to points that count. The panel
creates it and signs three households up; a group recorder on a 360x640 phone takes attendance by
scanning two passbooks (a wedge scanner typing into the page); the panel closes it, approves the
one batch in review, the points wait as 公示中 for the notice period, and count once it ends."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.app import create_app
from shop import clock, staff
from shop.db import unit_of_work
from shop.models import Household, Rule, Village
from shop.points import review
from tests.e2e.conftest import LIVE_CONFIG, SHOTS, SMALL, serve, shoot, wedge_scan

from .conftest import PASSWORD

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 640}
NOTICE_DAYS = 3


@pytest.fixture(scope="module")
def live_activity(backoffice_instance, tmp_path_factory):
    folder = tmp_path_factory.mktemp("activity-live")
    shutil.copytree(backoffice_instance, folder, dirs_exist_ok=True)
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "e2e-act", **LIVE_CONFIG})
    with (Path(folder) / "demo-passbooks.csv").open(encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if not r["说明"]]
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        village = s.scalar(select(Village).order_by(Village.id).limit(1))
        staff.create_staff(s, "leader", "recorder", PASSWORD, village=village,
                           display_name="组长老王")  # fmt: skip
    with serve(app, threads=8) as url:
        yield app, url, rows


def _sign_in(page, url: str, username: str) -> None:
    page.goto(url + "/backoffice/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.locator("#bo-user")).to_be_visible()


def _balances(app, numbers) -> dict[str, int]:
    with app.extensions["kiosk_db"].reader() as s:
        return dict(
            s.execute(
                select(Household.number, Household.balance).where(Household.number.in_(numbers))
            ).all()
        )


def test_an_activity_from_creation_to_points_that_count(live_activity, browser):
    app, url, rows = live_activity
    chosen, scanned = rows[:3], rows[:2]
    numbers = [r["户号"] for r in chosen]
    with app.extensions["kiosk_db"].reader() as s:
        rule = s.scalar(select(Rule).where(Rule.points > 0).order_by(Rule.id).limit(1))
        rule_id, deed = rule.id, rule.points
    before = _balances(app, numbers)

    desk = browser.new_context(viewport=SMALL, locale="zh-CN")
    panel = desk.new_page()
    panel.set_default_timeout(8000)
    _sign_in(panel, url, "panel")
    # The village shows points for some days before they count (公示期).
    panel.goto(url + "/backoffice/settings/review")
    panel.locator("input[name=notice_days]").fill(str(NOTICE_DAYS))
    panel.locator("input[name=notice_days]").press("Enter")
    expect(panel.locator(".flash.ok")).to_be_visible()

    panel.get_by_role("link", name="活动", exact=True).click()
    expect(panel.get_by_role("heading", name="活动")).to_be_visible()
    panel.locator("#activity-name").fill("村口植树")
    panel.locator("#activity-rule").select_option(str(rule_id))
    panel.locator("#activity-date").fill(clock.today().isoformat())
    panel.locator("#activity-place").fill("村口")
    panel.locator("#activity-capacity").fill("150")
    panel.locator("#activity-create").click()
    expect(panel.locator(".flash.ok")).to_have_text("已新建活动")
    expect(panel.get_by_role("heading", name="村口植树")).to_be_visible()
    for number in numbers:
        panel.locator(f'tr[data-choice="{number}"] input[type=checkbox]').check()
    panel.locator("#signup-submit").click()
    expect(panel.locator(".flash.ok")).to_have_text("已报名3户")
    expect(panel.locator("#signed-count")).to_have_text("3")
    activity_url = panel.url.split("#")[0]
    shoot(panel, "activity-01-signed-up")

    # At the activity: the group recorder's phone, a scanner typing into the page's field.
    outdoors = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True)
    phone = outdoors.new_page()
    phone.set_default_timeout(8000)
    _sign_in(phone, url, "leader")
    phone.goto(activity_url)
    for row in scanned:
        expect(phone.locator("#scan-code")).to_be_focused()
        wedge_scan(phone, row["存折二维码"])
        expect(phone.locator(".flash.ok")).to_have_text(f"{row['户号']} {row['户主']} 签到成功")
    expect(phone.locator("#attended-count")).to_have_text("2")
    for row in chosen:
        attended = "yes" if row in scanned else "no"
        expect(phone.locator(f'tr[data-household="{row["户号"]}"]')).to_have_attribute(
            "data-attended", attended
        )
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "activity-02-attendance-360x640.png"))
    expect(phone.locator("#activity-close")).to_have_count(0)  # the panel closes it

    panel.goto(activity_url)
    panel.locator("#activity-close").click()
    expect(panel.locator(".flash.ok")).to_have_text("活动已结束，2户送评定小组审核")
    panel.get_by_role("link", name="去审核").click()
    batch = panel.locator("article.batch", has_text="活动：村口植树")
    expect(batch.locator("tr[data-line]")).to_have_count(2)
    shoot(panel, "activity-03-review")
    batch.get_by_role("button", name="全部通过").click()
    expect(panel.locator(".flash.ok")).to_have_text("已保存")
    noticed = panel.locator("#noticed")
    for row in scanned:
        expect(noticed).to_contain_text(row["户号"])
    assert _balances(app, numbers) == before  # 公示中: nothing counts yet

    # The notice period ends: the daily `kiosk post-matured` on the day it ends.
    with unit_of_work(app.extensions["kiosk_db"].writer) as s:
        posted = review.post_matured(
            s, today=clock.today() + dt.timedelta(days=NOTICE_DAYS), actor="system:notice"
        )
    assert posted == 2
    after = _balances(app, numbers)
    assert after == {
        n: before[n] + (deed if n in {r["户号"] for r in scanned} else 0) for n in numbers
    }
    with app.extensions["kiosk_db"].reader() as s:
        home_id = s.scalar(select(Household.id).where(Household.number == scanned[0]["户号"]))
    panel.goto(f"{url}/backoffice/households/{home_id}")
    expect(panel.locator("#household-balance")).to_have_text(str(after[scanned[0]["户号"]]))
    desk.close()
    outdoors.close()
