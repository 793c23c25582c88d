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
