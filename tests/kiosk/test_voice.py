"""语音播报 at the kiosk: each screen asks for its clips, and the clips served prefer the
village's own recording."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from kiosk.db import get_db
from shop import regions, voice
from shop.db import unit_of_work
from shop.households import codes
from shop.models import Kiosk

from .conftest import KioskClient, screen_of
from .test_pin_screens import _set_pin
from .test_screens import _household, _product_id, _to_confirm

MACHINE = Path(__file__).resolve().parents[2] / "static" / "voice"


def voice_of(response) -> list[str]:
    """The clips the screen a response shows asks for (its root's data-voice)."""
    tag = re.search(r'<section id="screen"[^>]*>', response.text)
    assert tag is not None, response.text[:300]
    said = re.search(r'data-voice="([^"]*)"', tag.group(0))
    assert said is not None, tag.group(0)
    return said.group(1).split()


def test_the_waiting_screen_asks_to_scan_and_the_page_plays_voice(kiosk):
    page = kiosk.get("/", htmx=False)
    assert voice_of(page) == ["scan-passbook"]
    assert "kiosk/voice.js" in page.text and 'data-clips="/voice/"' in page.text
    assert re.search(r'id="idle-warning"[^>]*data-voice="still-there"', page.text)
    assert re.search(r'data-code="offline"[^>]*\n?[^>]*data-voice="error-offline"', page.text)
    assert voice_of(kiosk.get("/")) == ["scan-passbook"]  # the htmx fragment too


def test_the_household_screen_says_the_balance_in_chinese(app, kiosk, passbooks):
    row = passbooks["rich"]
    balance = int(row["积分余额"])
    scanned = kiosk.scan(row["存折二维码"])
    assert screen_of(scanned) == ("household", None)
    assert voice_of(scanned) == ["balance-is", *voice.number(balance), "points"]
    said = "".join(voice.CLIPS[c].text for c in voice_of(scanned))
    assert said == f"您家还有{voice.hanzi(balance)}分"


@pytest.mark.parametrize("which", ["unknown", "damaged", "lost", "paused"])
def test_each_refusal_screen_says_its_own_reason(kiosk, passbooks, which):
    good = passbooks["rich"]["存折二维码"]
    raw = {
        "unknown": codes.new_code(),
        "damaged": good[:-1] + ("0" if good[-1] != "0" else "1"),
        "lost": passbooks["lost"]["存折二维码"],
        "paused": passbooks["paused"]["存折二维码"],
    }[which]
    response = kiosk.scan(raw)
    _, code = screen_of(response)
    assert voice_of(response) == [f"error-{code}"]


def test_confirm_and_done_say_the_total_and_what_is_left(app, kiosk, passbooks):
    row = passbooks["rich"]
    visit, signature = _to_confirm(app, kiosk, row, ("FZ-1", "YG-1"))  # 5 + 8 points
    review = kiosk.post("/review", {"visit": visit})
    assert voice_of(review) == ["confirm-total", "num-10", "num-3", "points", "confirm-press"]
    done = kiosk.post("/confirm", {"visit": visit, "key": "kq-voice-0001", "basket": signature})
    assert screen_of(done) == ("done", None)
    left = int(row["积分余额"]) - 13
    assert voice_of(done) == ["done-take", "points-left", *voice.number(left), "points"]
    printed = kiosk.post("/print", {"visit": visit})
    assert voice_of(printed) == voice_of(done)  # the same words: the page lets them play on


def test_a_printer_failure_says_to_show_the_screen_to_staff(make_app, passbooks):
    app = make_app(PRINTER="tcp://127.0.0.1:9?timeout=1")
    kiosk = KioskClient(app)
    visit, signature = _to_confirm(app, kiosk, passbooks["rich"])
    kiosk.post("/confirm", {"visit": visit, "key": "kq-voice-0002", "basket": signature})
    failed = kiosk.post("/print", {"visit": visit})
    assert screen_of(failed) == ("done", "printer_offline")
    assert voice_of(failed) == ["printer-failed"]


def test_a_refusal_at_the_last_step_says_why_then_the_balance(app, kiosk, passbooks):
    from shop import points

    row = passbooks["rich"]
    visit, signature = _to_confirm(app, kiosk, row, ("FZ-1", "FZ-1", "FZ-1"))
    with app.app_context(), unit_of_work(get_db().writer) as session:
        household = _household(app, row["户号"])
        household = session.merge(household)
        points.award_points(session, household, delta=-(household.balance - 12), actor="test")
    refused = kiosk.post("/confirm", {"visit": visit, "key": "kq-voice-0003", "basket": signature})
    assert screen_of(refused) == ("household", None)
    assert voice_of(refused) == ["error-insufficient_points", "balance-is", "num-10", "num-2"] + [
        "points"
    ]


def test_the_pin_screen_asks_and_says_when_it_was_wrong(make_app, passbooks):
    app = make_app(PIN_POLICY="always")
    kiosk = KioskClient(app)
    row = passbooks["rich"]
    _set_pin(app, row["户号"], "2468")
    visit = kiosk.nonce(kiosk.scan(row["存折二维码"]))
    kiosk.take(visit, _product_id(app, "FZ-1"))
    asked = kiosk.post("/review", {"visit": visit})
    assert screen_of(asked) == ("pin", None)
    assert voice_of(asked) == ["pin-enter"]
    wrong = kiosk.post("/pin", {"visit": visit, "pin": "1111"})
    assert voice_of(wrong) == ["pin-wrong"]


def test_applying_for_points_speaks_too(kiosk, passbooks, app):
    from shop.models import Rule

    visit = kiosk.nonce(kiosk.scan(passbooks["rich"]["存折二维码"]))
    catalog = kiosk.post("/apply", {"visit": visit})
    assert voice_of(catalog) == ["apply-choose"]
    with app.app_context(), get_db().reader() as session:
        tidy = session.scalar(select(Rule.id).where(Rule.name == "庭院整洁"))
    sent = kiosk.post("/apply/submit", {"visit": visit, "rule": tidy})
    assert voice_of(sent) == ["applied"]


def test_an_english_visit_or_a_kiosk_without_voice_stays_silent(make_app, passbooks):
    kiosk = KioskClient(make_app())
    kiosk.post("/lang", {"lang": "en"})
    assert voice_of(kiosk.get("/")) == []
    assert voice_of(KioskClient(make_app(VOICE=False)).get("/")) == []
    assert voice_of(KioskClient(make_app(SOUNDS=False)).get("/")) == []


def test_every_clip_a_screen_can_ask_for_is_served_as_audio(kiosk):
    for clip_id in voice.CLIPS:
        response = kiosk.get(f"/voice/{clip_id}", htmx=False)
        assert response.status_code == 200, clip_id
        assert response.mimetype == "audio/ogg"
        assert response.headers["X-Voice-Source"] == "machine"
        assert response.data == (MACHINE / f"{clip_id}.ogg").read_bytes()
    for bad in ("nothing-like-it", "..%2F..%2Fkiosk.cfg", "scan-passbook.ogg"):
        assert kiosk.get(f"/voice/{bad}", htmx=False).status_code == 404


def test_the_served_clip_is_the_villages_own_recording_when_it_made_one(app, kiosk):
    from tests.shop.test_voice import wav_bytes

    recorded = wav_bytes(0.3)
    with app.app_context(), unit_of_work(get_db().writer) as session:
        kiosk_row = session.scalar(select(Kiosk).where(Kiosk.code == app.config["DEVICE"]))
        voice.record_clip(
            session, kiosk_row.village_id, "points", recorded, app.instance_path, actor="test"
        )
        other = regions.create_village(session, "V-OTHER", "邻村", is_demo=True)
        voice.record_clip(
            session, other.id, "balance-is", wav_bytes(0.2), app.instance_path, actor="test"
        )
    own = kiosk.get("/voice/points", htmx=False)
    assert own.headers["X-Voice-Source"] == "village"
    assert own.mimetype == "audio/wav" and own.data == recorded
    assert own.headers["Cache-Control"] == "no-cache"
    # Another village's recording never reaches this kiosk.
    neighbours = kiosk.get("/voice/balance-is", htmx=False)
    assert neighbours.headers["X-Voice-Source"] == "machine"
    # A recording the browser cannot play: the page asks for the machine's clip instead.
    fallback = kiosk.get("/voice/points?machine=1", htmx=False)
    assert fallback.headers["X-Voice-Source"] == "machine"
    assert fallback.data == (MACHINE / "points.ogg").read_bytes()
    # Revalidation is cheap: the same file again is a 304.
    again = kiosk.client.get("/voice/points", headers={"If-None-Match": own.headers["ETag"]})
    assert again.status_code == 304


def test_every_screen_template_names_its_clips():
    """A new screen (a partial whose root is #screen) says something too: its root carries
    data-voice from voice_clips(...)."""
    templates = Path(__file__).resolve().parents[2] / "templates" / "kiosk"
    roots = 0
    for template in sorted(templates.glob("*.html")):
        for tag in re.findall(r'<section id="screen"[^>]*>', template.read_text()):
            roots += 1
            assert re.search(r'data-voice="\{\{ voice_clips\(', tag), f"{template.name}: {tag}"
    assert roots >= 9


def test_the_clips_are_served_when_the_database_is_down(app, kiosk):
    """The "system is not answering" screen must still be heard: the machine's clip, with no
    database to ask for the village."""
    from kiosk.db import Database

    real = app.extensions["kiosk_db"]
    app.extensions["kiosk_db"] = Database.connect("sqlite:////nonexistent/dir/kiosk.db")
    try:
        response = kiosk.get("/voice/error-database_unavailable", htmx=False)
    finally:
        app.extensions["kiosk_db"].engine.dispose()
        app.extensions["kiosk_db"] = real
    assert response.status_code == 200
    assert response.headers["X-Voice-Source"] == "machine"
