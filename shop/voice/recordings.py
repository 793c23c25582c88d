"""A village's own recordings of the voice clips (本村录音), in its own dialect.

Recordings are files in the instance folder, `voice/<village id>/<clip id>.<kind>`, so they stay
when the program is upgraded (the instance folder is never part of an upgrade) and one village's
never reach another's kiosk. Each recording, and each return to the machine's voice, is a
configuration change in the village's journal (kind `staff_change`, ref `voice:<clip id>`) with
the staff member as its actor and the file's SHA-256, so the supervision panel can see who
changed what the kiosk says.

An upload is checked by its bytes, never by its name or its declared type: WAV, Ogg (Opus or
Vorbis), WebM (what Chromium's MediaRecorder makes), MP3 and MP4/M4A (Safari's) are accepted,
anything else is refused with a plain message, and so is anything over RECORDING_MAX_BYTES.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from shop import ledger
from shop.errors import DomainError

from .clips import get

RECORDING_MAX_BYTES = 1_000_000  # about a minute of the browser's recording; a clip is seconds
RECORDING_MIN_BYTES = 200  # below this no file holds any sound
KINDS = {
    "wav": "audio/wav",
    "ogg": "audio/ogg",
    "webm": "audio/webm",
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
}
FOLDER = "voice"
MP4_BRANDS = (b"M4A ", b"mp42", b"isom", b"iso5", b"iso6", b"mp41")


@dataclass(frozen=True)
class Recorded:
    clip_id: str
    path: Path
    kind: str
    size: int
    sha256: str


def sniff(data: bytes) -> str | None:
    """The kind of audio file `data` is ("wav", "ogg", …), from its bytes; None if it is none
    of them."""
    head = data[:4096]
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE" and b"fmt " in head[:64]:
        return "wav"
    if head[:4] == b"OggS" and (b"OpusHead" in head or b"\x01vorbis" in head):
        return "ogg"
    if head[:4] == b"\x1a\x45\xdf\xa3" and (b"webm" in head[:64] or b"matroska" in head[:64]):
        if b"A_OPUS" in head or b"A_VORBIS" in head:
            return "webm"
        return None
    if head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return "m4a"
    if head[:3] == b"ID3":
        return "mp3"
    if len(head) > 4 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return "mp3"  # an MPEG audio frame header (layer bits not 00)
    return None


def check(data: bytes) -> str:
    """The kind of a recording fit to store; DomainError with the reason otherwise."""
    if not data:
        raise DomainError("voice_empty")
    if len(data) > RECORDING_MAX_BYTES:
        raise DomainError("voice_too_large", f"{len(data)} bytes")
    kind = sniff(data)
    if kind is None:
        raise DomainError("voice_not_audio", data[:8].hex())
    if len(data) < RECORDING_MIN_BYTES:
        raise DomainError("voice_too_short", f"{len(data)} bytes")
    return kind


def _clip(clip_id: str):
    clip = get(clip_id)
    if clip is None:
        raise DomainError("unknown_clip", str(clip_id)[:40])
    return clip


def folder_of(instance_path: str | Path, village_id: int) -> Path:
    return Path(instance_path) / FOLDER / str(int(village_id))


def recording_of(instance_path: str | Path, village_id: int, clip_id: str) -> Path | None:
    """The village's own recording of a clip, or None (then the machine's clip is used)."""
    if get(clip_id) is None:
        return None
    folder = folder_of(instance_path, village_id)
    for kind in KINDS:
        path = folder / f"{clip_id}.{kind}"
        if path.is_file():
            return path
    return None


def recordings_of(instance_path: str | Path, village_id: int) -> dict[str, Path]:
    """Every clip the village recorded itself: clip id -> file."""
    folder = folder_of(instance_path, village_id)
    if not folder.is_dir():
        return {}
    found = {}
    for path in sorted(folder.iterdir()):
        kind = path.suffix.lstrip(".")
        if kind in KINDS and path.is_file() and get(path.stem) is not None:
            found.setdefault(path.stem, path)
    return found


def record_clip(
    session: Session,
    village_id: int,
    clip_id: str,
    data: bytes,
    instance_path: str | Path,
    *,
    actor: str,
) -> Recorded:
    """Store the village's recording of a clip in place of the machine's voice (or of its
    earlier recording), and journal the change. Flushes; the edge commits."""
    clip = _clip(clip_id)
    kind = check(data)
    digest = hashlib.sha256(data).hexdigest()
    ledger.append(
        session,
        village_id,
        "staff_change",
        actor=actor,
        ref=f"voice:{clip.id}",
        memo=f"voice recorded {clip.text} ({kind}, {len(data)} bytes, sha256 {digest[:16]})",
    )
    folder = folder_of(instance_path, village_id)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{clip.id}.{kind}"
    temp = folder / f".{clip.id}.{kind}.tmp"
    temp.write_bytes(data)
    os.replace(temp, target)  # atomic: the kiosk never plays half a file
    for other in KINDS:
        if other != kind:
            (folder / f"{clip.id}.{other}").unlink(missing_ok=True)
    return Recorded(clip.id, target, kind, len(data), digest)


def remove_recording(
    session: Session,
    village_id: int,
    clip_id: str,
    instance_path: str | Path,
    *,
    actor: str,
) -> bool:
    """Back to the machine's voice for this clip. False if the village had no recording."""
    clip = _clip(clip_id)
    path = recording_of(instance_path, village_id, clip.id)
    if path is None:
        return False
    ledger.append(
        session,
        village_id,
        "staff_change",
        actor=actor,
        ref=f"voice:{clip.id}",
        memo=f"voice recording removed {clip.text}",
    )
    path.unlink(missing_ok=True)
    return True
