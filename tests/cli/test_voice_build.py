"""`kiosk voice build`: the clips are made offline with espeak-ng and opusenc (installed by
scripts/system-deps.sh), as Ogg Opus files a browser plays."""

from __future__ import annotations

from click.testing import CliRunner

from kiosk.cli import voice as voice_cli
from shop import voice


def test_build_speaks_clips_to_small_ogg_opus_files(tmp_path):
    result = CliRunner().invoke(
        voice_cli.voice_group, ["build", "--out", str(tmp_path), "scan-passbook", "num-1"]
    )
    assert result.exit_code == 0, result.output
    assert "2 clips" in result.output
    for clip_id in ("scan-passbook", "num-1"):
        data = (tmp_path / f"{clip_id}.ogg").read_bytes()
        assert voice.sniff(data) == "ogg" and b"OpusHead" in data[:64]
        assert 1_000 < len(data) < 40_000
    # A sentence takes longer to say than one digit.
    assert (tmp_path / "scan-passbook.ogg").stat().st_size > (tmp_path / "num-1.ogg").stat().st_size


def test_build_refuses_a_clip_that_does_not_exist(tmp_path):
    result = CliRunner().invoke(voice_cli.voice_group, ["build", "--out", str(tmp_path), "nope"])
    assert result.exit_code != 0 and "No such clip: nope" in result.output
    assert list(tmp_path.iterdir()) == []


def test_list_names_every_clip_with_its_words():
    result = CliRunner().invoke(voice_cli.voice_group, ["list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == len(voice.CLIPS)
    assert "scan-passbook\tscreen\t请扫积分存折" in lines


def test_the_words_go_to_espeak_as_pinyin_with_the_tones_speech_uses():
    spoken = voice_cli.spoken
    assert spoken("请重新选") == "qing3 chong2 xin1 xuan3"  # 重 of two readings: chóng here
    assert spoken("您家还有") == "nin2 jia1 hai2 you3"  # 还: hái, not huán
    assert spoken("密码不对，请再输一次") == "mi4 ma3 bu2 dui4 , qing3 zai4 shu1 yi2 ci4"
    assert spoken("积分不够") == "ji1 fen1 bu2 gou4"
    assert spoken("一共") == "yi2 gong4" and spoken("一点") == "yi4 dian3"
    assert spoken("一") == "yi1" and spoken("不") == "bu4"
    assert spoken("还在吗？") == "hai2 zai4 ma5 ?"
