"""End to end in Chromium: the waiting screen shows last month's notice and the ranking in
Chinese, turning from one to the other; a supervisor signs in and runs the verification."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SMALL, shoot

from .conftest import PASSWORD
from .test_e2e_backoffice import chromium, live_app, live_backoffice  # noqa: F401 - shared fixtures

pytestmark = pytest.mark.browser


def test_waiting_screen_shows_notice_and_ranking_and_supervisor_verifies(
    live_backoffice,  # noqa: F811
    chromium,  # noqa: F811
):
    url, _rows = live_backoffice
    context = chromium.new_context(viewport=SMALL, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(12000)

    page.clock.install()  # the slides turn every 9 s: let the test move the page's clock
    page.goto(url + "/")
    slides = page.locator("#notice-slides .notice-slide")
    expect(slides.first).to_be_visible()
    expect(slides.first.locator(".notice-title")).to_contain_text("月积分公示")
    expect(slides.first.locator(".notice-check")).to_contain_text("核对码：第")
    shoot(page, "30-waiting-notice")
    ranking = page.locator("#notice-slides .notice-ranking")
    expect(ranking).to_have_count(1)
    expect(ranking.locator(".notice-title")).to_contain_text("年积分排名")
    for _ in range(slides.count()):
        if ranking.is_visible():
            break
        page.clock.run_for(9_000)
    expect(ranking).to_be_visible()
    expect(slides.first).to_be_hidden()
    shoot(page, "31-waiting-ranking")
    context.close()

    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(12000)
    page.goto(url + "/backoffice/login")
    page.get_by_label("用户名").fill("supervisor")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.goto(url + "/backoffice/verify")
    page.locator("#run-verify").click()
    expect(page.locator("[data-verify=ok]")).to_contain_text("账本完好")
    page.screenshot(path="test-artifacts/screenshots/backoffice-verify-1280x800.png")
    page.goto(url + "/backoffice/journal?kind=redemption")
    expect(page.locator("#journal-rows tr[data-seq]").first).to_be_visible()
    page.screenshot(path="test-artifacts/screenshots/backoffice-journal-1280x800.png")
    context.close()
