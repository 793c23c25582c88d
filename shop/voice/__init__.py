"""The kiosk's voice (语音播报): numbers read the Chinese way, the clip catalogue, what each
screen says, and a village's own recordings. Plain text and files: no Flask, no audio library.

    voice.hanzi(1205)                  -> "一千二百零五"
    voice.say("household", 135)        -> ["balance-is", "num-1", "num-100", …, "points"]
    voice.record_clip(session, village_id, "scan-passbook", data, instance_path, actor=…)
"""

from __future__ import annotations

from .clips import CLIPS, NUMBER_WORDS, REFUSAL_CODES, Clip, get
from .numbers import hanzi, parse
from .recordings import (
    KINDS,
    RECORDING_MAX_BYTES,
    Recorded,
    check,
    record_clip,
    recording_of,
    recordings_of,
    remove_recording,
    sniff,
)
from .sentences import number, points, say

__all__ = [
    "CLIPS",
    "KINDS",
    "NUMBER_WORDS",
    "RECORDING_MAX_BYTES",
    "REFUSAL_CODES",
    "Clip",
    "Recorded",
    "check",
    "get",
    "hanzi",
    "number",
    "parse",
    "points",
    "record_clip",
    "recording_of",
    "recordings_of",
    "remove_recording",
    "say",
    "sniff",
]
