"""语音播报 in real Chromium: a screen plays its clips in order, and the sound button stops them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from shop import voice
from shop.db import unit_of_work
from shop.models import Kiosk

from .conftest import wedge_scan

pytestmark = pytest.mark.browser


def test_a_screen_plays_its_clips_and_the_sound_button_stops_them(page, live):
    asked: list[str] = []
    page.route(
        "**/voice/*",
        lambda route: (asked.append(route.request.url.rsplit("/", 1)[1]), route.continue_()),
    )
    page.goto(live.url + "/")
    expect(page.locator("#screen")).to_have_attribute("data-screen", "waiting")
    page.wait_for_function("() => window.KioskVoice && KioskVoice.played.includes('scan-passbook')")
    assert asked[0] == "scan-passbook"

    row = live.passbooks.active(0)
    sentence = ["balance-is", *voice.number(int(row["积分余额"])), "points"]
    wedge_scan(page, row["存折二维码"])
    expect(page.locator("#screen")).to_have_attribute("data-screen", "household")
    # Every clip of 您家还有…分 is asked for and played, in order.
    page.wait_for_function(
        "([n, said]) => KioskVoice.played.slice(-n).join(' ') === said",
        arg=[len(sentence), " ".join(sentence)],
        timeout=15000,
    )
    assert all(clip in asked for clip in sentence)
    # Missed it? A tap on the title says it again.
    heard = page.evaluate("() => KioskVoice.played.length")
    page.locator("#screen-title").click()
    page.wait_for_function(
        "([n, said]) => KioskVoice.played.length >= n && KioskVoice.played.slice(-1)[0] === said",
        arg=[heard + len(sentence), sentence[-1]],
        timeout=15000,
    )

    # A long sentence of short clips, then the sound button in the middle of it: the clip
    # playing stops and none after it starts.
    digits = " ".join(f"num-{d}" for d in "123456789")
    page.evaluate("(said) => KioskVoice.say(said)", digits)
    page.wait_for_function("() => KioskVoice.played.slice(-1)[0] === 'num-2'")
    page.locator("#sound-toggle").click()
    assert page.evaluate("() => KioskVoice.speaking()") is False
    expect(page.locator("#sound-toggle")).to_have_attribute("data-sounds", "off")
    heard = page.evaluate("() => KioskVoice.played.length")
    page.wait_for_timeout(1500)  # each digit is under half a second
    assert page.evaluate("() => KioskVoice.played.length") == heard
    assert "num-9" not in page.evaluate("() => KioskVoice.played")
    # Muted, the next screens ask for nothing and play nothing.
    before_asked, before_played = len(asked), page.evaluate("() => KioskVoice.played.length")
    wedge_scan(page, live.passbooks.active(1)["存折二维码"])
    expect(page.locator("#screen")).to_have_attribute(
        "data-household", live.passbooks.active(1)["户号"]
    )
    page.wait_for_timeout(1500)
    assert len(asked) == before_asked
    assert page.evaluate("() => KioskVoice.played.length") == before_played


def test_the_idle_warning_asks_if_anyone_is_still_there(page, live):
    with live.config(IDLE_SECONDS=4):
        page.goto(live.url + "/")
        wedge_scan(page, live.passbooks.active(2)["存折二维码"])
        expect(page.locator("#screen")).to_have_attribute("data-screen", "household")
        expect(page.locator("#idle-warning")).to_be_visible(timeout=6000)
        page.wait_for_function("() => KioskVoice.played.includes('still-there')")


def test_a_recording_the_browser_cannot_play_gives_way_to_the_machines_clip(page, live):
    # Passes the byte check (an Ogg Opus header) but holds no sound a browser can decode.
    broken = b"OggS\x00\x02" + b"\x00" * 20 + b"\x01\x13OpusHead" + bytes(range(256)) * 4
    with live.app.app_context(), unit_of_work(live.db().writer) as session:
        village_id = session.scalar(
            select(Kiosk.village_id).where(Kiosk.code == live.app.config["DEVICE"])
        )
        voice.record_clip(
            session, village_id, "scan-passbook", broken, live.app.instance_path, actor="t"
        )
    asked: list[str] = []
    page.route(
        "**/voice/*",
        lambda route: (asked.append(route.request.url.rsplit("/", 1)[1]), route.continue_()),
    )
    try:
        page.goto(live.url + "/")
        page.wait_for_function("() => KioskVoice.played.includes('scan-passbook')")
        assert asked[:2] == ["scan-passbook", "scan-passbook?machine=1"]
    finally:
        with live.app.app_context(), unit_of_work(live.db().writer) as session:
            voice.remove_recording(
                session, village_id, "scan-passbook", live.app.instance_path, actor="t"
            )
