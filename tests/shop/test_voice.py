"""The kiosk's voice in the domain: numbers read the Chinese way, what each screen says, and a
village's own recordings (checked by their bytes, stored per village, journaled)."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from shop import voice
from shop.errors import DomainError
from shop.models import Journal
from shop.voice.numbers import LIMIT

ROOT = Path(__file__).resolve().parents[2]
MACHINE = ROOT / "static" / "voice"

# --- numbers ------------------------------------------------------------------------------------

READINGS = {
    0: "零",
    1: "一",
    2: "两",  # a count: 两分
    3: "三",
    10: "十",
    11: "十一",
    12: "十二",
    20: "二十",
    22: "二十二",
    100: "一百",
    101: "一百零一",
    110: "一百一十",
    135: "一百三十五",
    200: "二百",
    205: "二百零五",
    1000: "一千",
    1001: "一千零一",
    1010: "一千零一十",
    1205: "一千二百零五",
    2000: "两千",
    2200: "两千二百",
    10000: "一万",
    10001: "一万零一",
    10010: "一万零一十",
    12000: "一万两千",
    20000: "两万",
    20002: "两万零二",
    22000: "两万两千",
    100000: "十万",
    100010: "十万零一十",
    150000: "十五万",
    1100000: "一百一十万",
    100000000: "一亿",
    100010000: "一亿零一万",
    120000000: "一亿两千万",
    -5: "负五",
    -2: "负二",
    -120: "负一百二十",
}


@pytest.mark.parametrize(("number", "said"), READINGS.items())
def test_numbers_are_read_the_chinese_way(number, said):
    assert voice.hanzi(number) == said


@given(st.integers(min_value=-LIMIT + 1, max_value=LIMIT - 1))
def test_every_number_reads_back_to_itself_with_at_most_one_zero_in_a_row(number):
    said = voice.hanzi(number)
    assert voice.parse(said) == number
    assert "零零" not in said and not said.endswith("零") or number == 0
    assert not said.startswith("一十")  # 十五, never 一十五, at the head


def test_numbers_too_large_or_not_whole_are_refused():
    for bad in (LIMIT, -LIMIT, 1.5, True, "12"):
        with pytest.raises((ValueError, TypeError)):
            voice.hanzi(bad)


def test_a_number_is_composed_from_digit_and_unit_clips():
    assert voice.number(1205) == ["num-1", "num-1000", "num-2", "num-100", "num-0", "num-5"]
    assert voice.number(20000) == ["num-liang", "num-wan"]
    assert voice.points(10) == ["num-10", "points"]
    assert voice.number(-3) == ["num-minus", "num-3"]


# --- sentences --------------------------------------------------------------------------------


def test_each_screen_says_its_key_sentence():
    def text(ids):
        return "".join(voice.CLIPS[i].text for i in ids)

    assert text(voice.say("waiting")) == "请扫积分存折"
    assert text(voice.say("household", 135)) == "您家还有一百三十五分"
    assert text(voice.say("done", 1205)) == "兑换成功，请取小票还剩一千二百零五分"
    assert text(voice.say("done", 5, printer_failed=True)).startswith("小票没有打出来")
    assert text(voice.say("confirm", 13)) == "一共十三分请按确认兑换"
    assert text(voice.say("household", 12, "insufficient_points")).startswith("积分不够")
    assert text(voice.say("household", 12, None, "day_closed")).endswith("请明天再来")
    assert voice.say("error", "passbook_revoked") == ["error-passbook_revoked"]
    assert voice.say("error", "a_code_without_a_clip") == ["error-problem"]


def test_every_refusal_screen_of_the_kiosk_has_its_own_clip():
    from kiosk.screen_kit import ERROR_SCREENS

    assert set(ERROR_SCREENS) <= set(voice.REFUSAL_CODES)


def test_every_clip_has_its_machine_file_and_no_file_is_left_over():
    files = {p.stem for p in MACHINE.glob("*.ogg")}
    assert files == set(voice.CLIPS)
    for clip_id in voice.CLIPS:
        head = (MACHINE / f"{clip_id}.ogg").read_bytes()[:64]
        assert head.startswith(b"OggS") and b"OpusHead" in head, clip_id
        assert voice.sniff((MACHINE / f"{clip_id}.ogg").read_bytes()) == "ogg"


# --- recordings ---------------------------------------------------------------------------------


def wav_bytes(seconds: float = 0.5) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 16000)))
                for i in range(int(16000 * seconds))
            )
        )
    return out.getvalue()


def test_recordings_are_recognised_by_their_bytes_not_their_names():
    assert voice.sniff(wav_bytes()) == "wav"
    assert voice.sniff((MACHINE / "points.ogg").read_bytes()) == "ogg"
    assert voice.sniff(b"ID3\x04\x00" + b"\x00" * 300) == "mp3"
    assert voice.sniff(b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 300) == "m4a"
    for hostile in (
        b"<html><script>alert(1)</script></html>" * 10,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 400,
        b"%PDF-1.7\n" + b"\x00" * 400,
        b"MZ\x90\x00" + b"\x00" * 400,
        b"OggS" + b"\x00" * 400,  # an Ogg page without any audio codec
        b"\x1a\x45\xdf\xa3" + b"\x00" * 400,  # Matroska without webm or an audio track
    ):
        assert voice.sniff(hostile) is None
        with pytest.raises(DomainError) as refused:
            voice.check(hostile)
        assert refused.value.code == "voice_not_audio"
        assert "不是录音文件" in refused.value.text


def test_an_empty_or_oversize_recording_is_refused_in_plain_words():
    with pytest.raises(DomainError) as empty:
        voice.check(b"")
    assert empty.value.code == "voice_empty"
    big = wav_bytes(40)  # 40 s of 16 kHz WAV: 1.28 MB
    assert len(big) > voice.RECORDING_MAX_BYTES
    with pytest.raises(DomainError) as large:
        voice.check(big)
    assert large.value.code == "voice_too_large"
    assert "太大" in large.value.text


def test_a_recording_replaces_the_machine_clip_for_its_village_only_and_is_journaled(
    session, village, create_village, tmp_path
):
    other = create_village("OTHER")
    data = wav_bytes()
    done = voice.record_clip(
        session, village.id, "scan-passbook", data, tmp_path, actor="staff:admin"
    )
    assert done.path == tmp_path / "voice" / str(village.id) / "scan-passbook.wav"
    assert done.path.read_bytes() == data
    assert voice.recording_of(tmp_path, village.id, "scan-passbook") == done.path
    assert voice.recording_of(tmp_path, other.id, "scan-passbook") is None
    assert voice.recordings_of(tmp_path, village.id) == {"scan-passbook": done.path}
    row = session.scalars(select(Journal).order_by(Journal.id.desc())).first()
    assert (row.village_id, row.kind, row.actor, row.ref) == (
        village.id,
        "staff_change",
        "staff:admin",
        "voice:scan-passbook",
    )
    assert done.sha256[:16] in row.memo and "请扫积分存折" in row.memo

    # Recorded again in another format: one file per clip, the newest.
    ogg = (MACHINE / "points.ogg").read_bytes()
    again = voice.record_clip(session, village.id, "scan-passbook", ogg, tmp_path, actor="a")
    assert voice.recording_of(tmp_path, village.id, "scan-passbook") == again.path
    assert sorted(p.name for p in again.path.parent.iterdir()) == ["scan-passbook.ogg"]

    assert voice.remove_recording(session, village.id, "scan-passbook", tmp_path, actor="a")
    assert voice.recording_of(tmp_path, village.id, "scan-passbook") is None
    assert not voice.remove_recording(session, village.id, "scan-passbook", tmp_path, actor="a")
    refs = session.scalars(select(Journal.memo).where(Journal.ref == "voice:scan-passbook"))
    assert len(list(refs)) == 3


def test_a_recording_for_no_such_clip_or_not_audio_writes_nothing(session, village, tmp_path):
    before = session.scalar(select(Journal.id).order_by(Journal.id.desc()).limit(1))
    for clip_id, data, code in (
        ("../../etc/passwd", wav_bytes(), "unknown_clip"),
        ("scan-passbook", b"<svg onload=alert(1)>" * 20, "voice_not_audio"),
    ):
        with pytest.raises(DomainError) as refused:
            voice.record_clip(session, village.id, clip_id, data, tmp_path, actor="a")
        assert refused.value.code == code
    assert not (tmp_path / "voice").exists()
    assert session.scalar(select(Journal.id).order_by(Journal.id.desc()).limit(1)) == before
