"""`kiosk voice build | list`: the kiosk's voice clips (语音片段).

`kiosk voice build` makes one Ogg Opus file per clip of shop.voice.CLIPS in static/voice/ with
espeak-ng (Debian's package, Mandarin voice `cmn-latn-pinyin`) and opusenc (Debian's
opus-tools), offline, in a few seconds. The files are committed, so a clean clone and a kiosk
box need neither program; run it again after changing a clip's text. A village's own recordings
are made in the back-office and never touched here.

Why `cmn-latn-pinyin` and not `cmn`: espeak-ng 1.51's `cmn` turns each 汉字 into pinyin and then
reads the Latin letters as English ("qing3" as "king three"); `cmn-latn-pinyin` reads them as
pinyin with the tones. Its own dictionary misreads words with two readings (重新 as zhòngxīn) and
keeps 不 and 一 in their first tones, so the words go to it as pinyin made by pypinyin (already a
dependency, for the household search), with 不 and 一 changing tone before another syllable as
speech does (不对 búduì, 一共 yígòng, 一点 yìdiǎn); espeak-ng does the third-tone changes itself.
"""

from __future__ import annotations

import array
import re
import shutil
import subprocess
import sys
import tempfile
import wave
import zlib
from pathlib import Path

import click

from shop import voice

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "static" / "voice"
ESPEAK_VOICE = "cmn-latn-pinyin"
SPEED = 140  # words a minute: espeak's 175 is hurried for an elderly listener
BITRATE = 24  # kbit/s Opus: clear speech at a few KB a clip
SILENCE = 600  # |sample| below this (of 32767) counts as silence when trimming
PAD_MS = 40  # kept before and after the voice, so clips in a row do not run together


SYLLABLE = re.compile(r"^[a-z]+[1-5]$")
PAUSES = {"，": ", ", "。": ". ", "？": "? ", "！": "! ", "、": ", "}


def spoken(text: str) -> str:
    """The words as pinyin with tones for espeak-ng: 请重新选 → "qing3 chong2 xin1 xuan3"."""
    from pypinyin import Style, lazy_pinyin

    tokens = lazy_pinyin(text, style=Style.TONE3, tone_sandhi=True, neutral_tone_with_five=True)
    chars = iter(ch for ch in text if "\u3400" <= ch <= "\u9fff")
    said: list[str] = []
    for token in tokens:
        if SYLLABLE.match(token):
            char = next(chars, "")
            said.append(
                {"一": "yi", "不": "bu"}.get(char, token) if token[:-1] in ("yi", "bu") else token
            )
        else:
            said.append("".join(PAUSES.get(ch, ch) for ch in token))
    # 一 and 不 before another syllable: second tone before a fourth, else 一 yì and 不 bù;
    # alone, yī and bù.
    for i, token in enumerate(said):
        if token in ("yi", "bu"):
            following = said[i + 1] if i + 1 < len(said) else ""
            if SYLLABLE.match(following) and following.endswith("4"):
                said[i] = token + "2"
            else:
                said[i] = token + ("4" if SYLLABLE.match(following) or token == "bu" else "1")
    return " ".join(token.strip() for token in said if token.strip())


def tools_missing() -> list[str]:
    return [tool for tool in ("espeak-ng", "opusenc") if shutil.which(tool) is None]


def _trim(source: Path, target: Path) -> float:
    """Cut the silence espeak leaves at both ends (keeping PAD_MS), bring the peak to about
    -1 dBFS; returns the seconds left."""
    with wave.open(str(source), "rb") as wav:
        params = wav.getparams()
        samples = array.array("h", wav.readframes(params.nframes))
    if sys.byteorder == "big":
        samples.byteswap()
    loud = [i for i, s in enumerate(samples) if abs(s) > SILENCE]
    pad = params.framerate * PAD_MS // 1000
    if loud:
        samples = samples[max(0, loud[0] - pad) : loud[-1] + pad]
    peak = max((abs(s) for s in samples), default=0)
    if peak:
        gain = 29000 / peak
        samples = array.array("h", (max(-32768, min(32767, int(s * gain))) for s in samples))
    if sys.byteorder == "big":
        samples.byteswap()
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(params.framerate)
        out.writeframes(samples.tobytes())
    return len(samples) / params.framerate


def build_clip(clip: voice.Clip, out_dir: Path) -> Path:
    """Speak one clip's text to `out_dir/<id>.ogg`."""
    with tempfile.TemporaryDirectory(prefix="voice-") as tmp:
        raw, trimmed = Path(tmp) / "raw.wav", Path(tmp) / "clip.wav"
        subprocess.run(
            ["espeak-ng", "-v", ESPEAK_VOICE, "-s", str(SPEED), "-w", str(raw), spoken(clip.text)],
            check=True,
            capture_output=True,
        )
        _trim(raw, trimmed)
        target = out_dir / f"{clip.id}.ogg"
        subprocess.run(
            [
                "opusenc",
                "--quiet",
                "--bitrate",
                str(BITRATE),
                "--serial",
                str(zlib.crc32(clip.id.encode())),
                "--discard-comments",
                str(trimmed),
                str(target),
            ],
            check=True,
            capture_output=True,
        )
    return target


def build(out_dir: Path = OUT, only: tuple[str, ...] = ()) -> list[Path]:
    """Make the clips (all, or those named) and remove files of clips that no longer exist."""
    missing = tools_missing()
    if missing:
        raise click.ClickException(
            "Missing: " + ", ".join(missing) + ". Install them with "
            "`sudo apt-get install espeak-ng opus-tools` (or `make system-deps` as root)."
        )
    unknown = [cid for cid in only if voice.get(cid) is None]
    if unknown:
        raise click.ClickException("No such clip: " + ", ".join(unknown))
    out_dir.mkdir(parents=True, exist_ok=True)
    made = [build_clip(voice.CLIPS[cid], out_dir) for cid in (only or tuple(voice.CLIPS))]
    if not only:
        for stale in out_dir.glob("*.ogg"):
            if voice.get(stale.stem) is None:
                stale.unlink()
    return made


@click.group("voice")
def voice_group():
    """The kiosk's voice clips (语音片段)."""


@voice_group.command("build")
@click.argument("clips", nargs=-1)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=OUT,
    show_default=True,
    help="Where the .ogg files go.",
)
def build_command(clips: tuple[str, ...], out_dir: Path):
    """Make the voice clips with espeak-ng (all, or the CLIPS named)."""
    made = build(out_dir, clips)
    size = sum(path.stat().st_size for path in made)
    click.echo(f"{len(made)} clips, {size / 1024:.0f} KiB in {out_dir}")


@voice_group.command("list")
def list_command():
    """Every clip: its id, group and what it says."""
    for clip in voice.CLIPS.values():
        click.echo(f"{clip.id}\t{clip.group}\t{clip.text}")


COMMANDS = (voice_group,)
