"""Make the kiosk's three sound cues (run once; the .wav files are committed).

    python static/sounds/make_sounds.py

Short, soft sine tones with a fade in and out, 16 kHz 8-bit mono, a few KB each:
scan accepted (two rising notes), done (a three-note chime), error (two low notes).
"""

import math
import struct
import wave
from pathlib import Path

RATE = 16000
HERE = Path(__file__).resolve().parent

CUES = {
    "scan": [(880, 0.09), (0, 0.03), (1318, 0.12)],
    "done": [(784, 0.12), (988, 0.12), (1175, 0.26)],
    "error": [(330, 0.18), (0, 0.06), (262, 0.26)],
}


def tone(freq: float, seconds: float, volume: float = 0.55) -> bytes:
    n = int(RATE * seconds)
    fade = max(1, int(RATE * 0.012))
    out = bytearray()
    for i in range(n):
        env = min(1.0, i / fade, (n - i) / fade)
        s = math.sin(2 * math.pi * freq * i / RATE) if freq else 0.0
        # a little second harmonic makes small speakers sound less thin
        s = 0.8 * s + 0.2 * (math.sin(4 * math.pi * freq * i / RATE) if freq else 0.0)
        out += struct.pack("B", int(128 + 127 * volume * env * s))
    return bytes(out)


def main() -> None:
    for name, notes in CUES.items():
        with wave.open(str(HERE / f"{name}.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(1)
            w.setframerate(RATE)
            w.writeframes(b"".join(tone(f, s) for f, s in notes))


if __name__ == "__main__":
    main()
