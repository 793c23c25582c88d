"""语音播报 in real Chromium: an admin records a clip with the browser's microphone
(MediaRecorder; Chromium's fake microphone plays a tone), saves it, and the kiosk serves the
village's recording from then on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from kiosk.app import create_app
from shop import voice
from shop.models import Kiosk
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, LIVE_CONFIG, SMALL, serve, shoot

from .conftest import PASSWORD

pytestmark = pytest.mark.browser
FAKE_MICROPHONE = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")


@pytest.fixture(scope="module")
def live_voice(backoffice_instance, tmp_path_factory):
    folder = tmp_path_factory.mktemp("voice-live")
    shutil.copytree(backoffice_instance, folder, dirs_exist_ok=True)
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "e2e-voice", **LIVE_CONFIG})
    with serve(app, threads=8) as url:
        yield app, url


def test_an_admin_records_a_clip_in_the_browser_and_the_kiosk_plays_it(browser, live_voice):
    app, url = live_voice
    # A browser of its own, with a fake microphone that needs no permission prompt.
    with_mic = browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
        ],
    )
    try:
        context = with_mic.new_context(viewport=SMALL, locale="zh-CN")
        context.grant_permissions(["microphone"], origin=url)
        page = context.new_page()
        page.set_default_timeout(8000)
        page.goto(url + "/backoffice/login")
        page.get_by_label("用户名").fill("admin")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page.locator("#bo-user")).to_contain_text("admin-name")

        page.get_by_role("link", name="语音播报").first.click()
        expect(page.locator("#clip-scan-passbook")).to_contain_text("请扫积分存折")
        shoot(page, "bo-voice-01-list")
        page.locator("#clip-points").get_by_role("link", name="录音").click()
        expect(page.locator("#clip-words")).to_have_text("分")
        expect(page.locator("#no-recording")).to_be_visible()

        page.get_by_role("button", name="开始录音").click()
        expect(page.locator("#recorder")).to_have_attribute("data-state", "recording")
        page.wait_for_timeout(1200)
        page.get_by_role("button", name="停").click()
        expect(page.locator("#recorder")).to_have_attribute("data-state", "recorded")
        expect(page.locator("#record-preview")).to_be_visible()
        shoot(page, "bo-voice-02-recorded")
        page.get_by_role("button", name="保存，兑换机就用这个").click()
        expect(page.locator("#own-recording")).to_be_visible()
        expect(page.locator(".flash.ok")).to_contain_text("已保存本村录音：分")
        shoot(page, "bo-voice-03-saved")
        context.close()
    finally:
        with_mic.close()

    with app.app_context(), app.extensions["kiosk_db"].reader() as db:
        village_id = db.scalar(select(Kiosk.village_id).where(Kiosk.code == app.config["DEVICE"]))
    stored = voice.recording_of(app.instance_path, village_id, "points")
    assert stored is not None and stored.suffix == ".webm"
    data = Path(stored).read_bytes()
    assert voice.sniff(data) == "webm" and len(data) > 2000  # about a second of Opus
    served = app.test_client().get("/voice/points")
    assert served.headers["X-Voice-Source"] == "village" and served.data == data
