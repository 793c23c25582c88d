"""语音播报 in the back-office: the clips, a village's own recording by upload or by the
browser's recorder, hostile files refused in plain Chinese, and the journal."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from shop import voice
from shop.models import Journal, Kiosk
from tests.shop.test_voice import wav_bytes

MACHINE = Path(__file__).resolve().parents[2] / "static" / "voice"


def _village_id(app) -> int:
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(Kiosk.village_id).where(Kiosk.code == app.config["DEVICE"]))


def _voice_rows(app) -> list[Journal]:
    with app.extensions["kiosk_db"].reader() as db:
        return list(
            db.scalars(select(Journal).where(Journal.ref.like("voice:%")).order_by(Journal.id))
        )


def test_the_list_shows_every_clip_with_its_words_and_whose_voice_plays(app, staff_client):
    page = staff_client("panel").get("/backoffice/voice")
    assert page.status_code == 200
    for clip in voice.CLIPS.values():
        assert f'id="clip-{clip.id}"' in page.text
        assert clip.text in page.text
    assert page.text.count('data-source="machine"') == len(voice.CLIPS)
    assert "您家还有一百三十五分" in page.text  # how a balance is put together
    assert 'href="/backoffice/voice"' in page.text  # in the menu


def test_an_uploaded_recording_replaces_the_machine_voice_and_is_journaled(app, staff_client):
    client = staff_client("admin")
    recorded = wav_bytes(0.6)
    response = client.post(
        "/backoffice/voice/scan-passbook",
        {"audio": (io.BytesIO(recorded), "我们村.wav", "audio/wav")},
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert "已保存本村录音：请扫积分存折" in page.text and 'id="own-recording"' in page.text
    stored = Path(app.instance_path) / "voice" / str(_village_id(app)) / "scan-passbook.wav"
    assert stored.read_bytes() == recorded
    # The kiosk now plays the village's voice; the list says so.
    kiosk = app.test_client().get("/voice/scan-passbook")
    assert kiosk.headers["X-Voice-Source"] == "village" and kiosk.data == recorded
    listed = client.get("/backoffice/voice").text
    assert listed.count('data-source="village"') == 1
    heard = client.get("/backoffice/voice/scan-passbook/audio")
    assert heard.mimetype == "audio/wav" and heard.data == recorded
    [row] = _voice_rows(app)
    assert (row.kind, row.actor, row.ref) == ("staff_change", "staff:admin", "voice:scan-passbook")
    assert "请扫积分存折" in row.memo and "wav" in row.memo

    reset = client.post("/backoffice/voice/scan-passbook/reset")
    assert reset.status_code == 303
    assert not stored.exists()
    assert app.test_client().get("/voice/scan-passbook").headers["X-Voice-Source"] == "machine"
    assert [r.memo.split(" ")[1] for r in _voice_rows(app)] == ["recorded", "recording"]


def test_the_browsers_recording_is_saved_through_json(app, staff_client):
    client = staff_client("panel")
    ogg = (MACHINE / "points.ogg").read_bytes()  # a real Ogg Opus file, as Firefox records
    response = client.post(
        "/backoffice/voice/points",
        {"audio": (io.BytesIO(ogg), "recording.ogg", "audio/ogg")},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json == {
        "ok": True,
        "message": "已保存本村录音：分",
        "url": "/backoffice/voice/points",
    }
    assert _voice_rows(app)[-1].actor == "staff:panel"


def test_a_file_that_is_not_audio_is_refused_in_chinese_and_nothing_is_kept(app, staff_client):
    client = staff_client("admin")
    for data, name, kind in (
        (b"<html><script>alert(1)</script></html>" * 20, "voice.mp3", "audio/mpeg"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 500, "voice.wav", "audio/wav"),
        (b"MZ\x90\x00" + b"\x00" * 500, "voice.ogg", "audio/ogg"),
    ):
        response = client.post(
            "/backoffice/voice/points", {"audio": (io.BytesIO(data), name, kind)}
        )
        assert response.status_code == 415
        assert 'data-code="voice_not_audio"' in response.text
        assert "这不是录音文件" in response.text
    refused = client.post(
        "/backoffice/voice/points",
        {"audio": (io.BytesIO(b"<svg onload=alert(1)>" * 30), "a.webm", "audio/webm")},
        headers={"Accept": "application/json"},
    )
    assert refused.status_code == 415 and refused.json["code"] == "voice_not_audio"
    assert "这不是录音文件" in refused.json["message"]
    assert not (Path(app.instance_path) / "voice").exists()
    assert _voice_rows(app) == []


def test_an_oversize_or_empty_recording_is_refused(app, staff_client):
    client = staff_client("admin")
    big = wav_bytes(40)
    assert len(big) > voice.RECORDING_MAX_BYTES
    # The body built in memory: werkzeug's test client would spool it to a file it never closes.
    body, length, boundary = stream_encode_multipart(
        {"csrf_token": client.csrf, "audio": FileStorage(io.BytesIO(big), "long.wav")},
        use_tempfile=False,
    )
    response = client.client.post(
        "/backoffice/voice/points",
        data=body.read(),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert "录音文件太大了" in response.text
    empty = client.post("/backoffice/voice/points", {"audio": (io.BytesIO(b""), "empty.wav")})
    assert empty.status_code == 422 and 'data-code="voice_empty"' in empty.text
    assert _voice_rows(app) == []


def test_no_such_clip_is_a_404_and_listeners_cannot_record(app, staff_client):
    admin = staff_client("admin")
    assert admin.get("/backoffice/voice/..%2Fkiosk.cfg").status_code == 404
    assert (
        admin.post(
            "/backoffice/voice/not-a-clip", {"audio": (io.BytesIO(wav_bytes()), "a.wav")}
        ).status_code
        == 404
    )
    supervisor = staff_client("supervisor")
    page = supervisor.get("/backoffice/voice/points")
    assert page.status_code == 200 and 'id="recorder"' not in page.text
    refused = supervisor.post(
        "/backoffice/voice/points", {"audio": (io.BytesIO(wav_bytes()), "a.wav")}
    )
    assert refused.status_code == 403
    with app.extensions["kiosk_db"].reader() as db:
        assert db.scalar(select(func.count()).where(Journal.ref.like("voice:%"))) == 0
