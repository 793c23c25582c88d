"""Camera benchmark: what the camera service costs watching an empty counter, and how soon it
reads a passbook held up to it. A synthetic frame source, not a webcam.

The source plays frames at 30 fps (640x480 BGR, like the kiosk's webcam): `read()` and `grab()`
wait for the next frame time, as a V4L2 capture does. The empty counter is one cluttered scene
from bench/scan.py with fresh sensor noise in every frame (16 noisy copies made beforehand, so
the source itself costs next to nothing). A card "enters" by appearing in two motion-blurred
frames, then is held with a little hand shake and noise.

    .venv/bin/python bench/camera.py                # idle 10 s three ways, 12 entries
    .venv/bin/python bench/camera.py --idle-seconds 20 --entries 20

Prints CPU use in % of one core (process CPU time over wall time, every thread of the process)
for the gated service; for the gated service while the waiting screen's viewfinder listens (the
kiosk's usual state: 4 small JPEG previews a second through the real scan hub, a reader thread
taking them off the page's queue as the event stream does); and for the same service with the
gate held awake (the old behaviour: zxing on every frame, the cascade on every fourth). Then the
delay from the first frame that shows the card to the code reaching the callback: median, p95,
max.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import threading
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from scan import _clutter, make_frame  # noqa: E402

from hardware.camera import CameraService, Debouncer, MotionGate  # noqa: E402
from hardware.scanner import decode_frame  # noqa: E402
from kiosk.scan_events import ScanHub  # noqa: E402

SIZE = (640, 480)
FPS = 30.0


def _noisy(rng: np.random.Generator, image: np.ndarray, sigma: float, count: int) -> list:
    out = []
    for _ in range(count):
        noise = rng.standard_normal(image.shape, dtype=np.float32) * sigma
        out.append((image.astype(np.float32) + noise).clip(0, 255).astype(np.uint8))
    return out


def _shaken(image: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(image, m, (image.shape[1], image.shape[0]), borderMode=cv2.BORDER_REFLECT)


def _blurred(image: np.ndarray, length: int) -> np.ndarray:
    kern = np.zeros((length, length), np.float32)
    kern[length // 2, :] = 1 / length
    return cv2.filter2D(image, -1, kern)


class Scene:
    """What the camera sees: the empty counter, or a card held up (set by the bench)."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        w, h = SIZE
        self.empty = _noisy(rng, _clutter(rng, h, w), 3.0, 16)
        self.cards: list[tuple[str, list[np.ndarray], list[np.ndarray]]] = []
        while len(self.cards) < 8:
            frame = make_frame(rng, SIZE)
            if decode_frame(frame.image) != [frame.code]:
                continue  # a frame the cascade cannot read would measure nothing
            entering = [_blurred(frame.image, 15), _blurred(frame.image, 7)]
            held = [
                _shaken(f, *rng.uniform(-1.5, 1.5, 2)) for f in _noisy(rng, frame.image, 2.0, 8)
            ]
            self.cards.append((frame.code, entering, held))
        self.card: int | None = None
        self.card_since = 0
        self.first_card_frame_at: float | None = None


class SyntheticCamera:
    """A capture paced at FPS that shows the scene's current state."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.n = 0
        self.t0 = time.monotonic()

    def isOpened(self) -> bool:
        return True

    def _next(self) -> np.ndarray:
        due = self.t0 + self.n / FPS
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        n = self.n
        self.n += 1
        s = self.scene
        if s.card is None:
            return s.empty[n % len(s.empty)]
        _code, entering, held = s.cards[s.card]
        k = n - s.card_since
        if k == 0:
            s.first_card_frame_at = time.monotonic()
        return entering[k] if k < len(entering) else held[k % len(held)]

    def read(self):
        return True, self._next()

    def grab(self) -> bool:
        self._next()
        return True

    def release(self) -> None:
        pass


def _service(scene: Scene, on_code, gate: MotionGate, hub: ScanHub | None = None):
    camera = SyntheticCamera(scene)
    viewfinder = {}
    if hub is not None:  # wired as kiosk/devices.py wires it
        viewfinder = {
            "preview": lambda jpeg, outline, size: hub.preview("K01", jpeg, outline, size),
            "preview_wanted": lambda: hub.listeners("K01") > 0,
            "preview_fps": 4,
        }
    return CameraService(
        on_code,
        camera=0,
        resolution=SIZE,
        debouncer=Debouncer(window=0.5),
        capture_factory=lambda device, resolution: camera,
        gate=gate,
        **viewfinder,
    ), camera


def _page(hub: ScanHub, stop: threading.Event) -> list[int]:
    """The waiting screen's stream: subscribed to the hub, frames taken off as they come."""
    stream = hub.subscribe("K01", "page")
    got = [0]

    def drain() -> None:
        while not stop.is_set():
            try:
                item = stream.inbox.get(timeout=0.2)
            except Exception:
                continue
            if item and item[0] == "frame":
                got[0] += 1

    threading.Thread(target=drain, daemon=True).start()
    return got


def idle_cpu(
    scene: Scene, seconds: float, gate: MotionGate, viewfinder: bool = False
) -> tuple[float, dict]:
    hub, stop = ScanHub(), threading.Event()
    frames_sent = _page(hub, stop) if viewfinder else [0]
    service, _camera = _service(scene, lambda code, source: None, gate, hub if viewfinder else None)
    service.start()
    time.sleep(3.0)  # past the start-up motion and idle_after
    cpu, wall = time.process_time(), time.monotonic()
    frames = service.health()["frames"]
    time.sleep(seconds)
    used = (time.process_time() - cpu) / (time.monotonic() - wall)
    health = service.health()
    service.stop()
    stop.set()
    health["looked"] = health["frames"] - frames
    health["previews"] = frames_sent[0]
    return 100 * used, health


def first_decodes(scene: Scene, entries: int, rng: np.random.Generator) -> list[float]:
    got = threading.Event()
    seen: dict[str, float] = {}

    def on_code(code: str, source: str) -> None:
        seen.setdefault(code, time.monotonic())
        got.set()

    service, camera = _service(scene, on_code, MotionGate())
    service.start()
    delays = []
    try:
        for i in range(entries):
            time.sleep(rng.uniform(3.0, 4.0))  # an empty counter long enough to go idle
            assert service.gate.idle, "the gate should be idle before a card enters"
            seen.clear()
            got.clear()
            scene.first_card_frame_at = None
            scene.card_since = camera.n
            scene.card = i % len(scene.cards)
            code = scene.cards[scene.card][0]
            got.wait(3.0)
            if code in seen and scene.first_card_frame_at is not None:
                delays.append(1000 * (seen[code] - scene.first_card_frame_at))
            else:
                delays.append(math.inf)
            time.sleep(0.3)
            scene.card = None
    finally:
        service.stop()
    return delays


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--idle-seconds", type=float, default=10.0)
    ap.add_argument("--entries", type=int, default=12, help="cards held up, one at a time")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    scene = Scene(args.seed)
    print(f"synthetic source {SIZE[0]}x{SIZE[1]} at {FPS:g} fps; cores: {_cores()}")
    gated, health = idle_cpu(scene, args.idle_seconds, MotionGate())
    print(
        f"idle, gated:             {gated:5.1f}% of one core "
        f"({health['looked']} frames decoded or looked at, {health['skipped']} grabbed only)"
    )
    watched, health = idle_cpu(scene, args.idle_seconds, MotionGate(), viewfinder=True)
    print(
        f"idle, gated, viewfinder: {watched:5.1f}% of one core "
        f"({health['previews']} previews to the page in {args.idle_seconds:g} s)"
    )
    awake, _ = idle_cpu(scene, args.idle_seconds, MotionGate(idle_after=math.inf))
    print(
        f"idle, gate held awake:   {awake:5.1f}% of one core (zxing every frame, cascade every 4th)"
    )

    delays = first_decodes(scene, args.entries, np.random.default_rng(args.seed))
    read = [d for d in delays if math.isfinite(d)]
    print(f"card enters an idle view: {len(read)}/{len(delays)} read")
    if read:
        p95 = float(np.percentile(read, 95))
        print(
            f"  first decode after the first card frame: median {statistics.median(read):.0f} ms, "
            f"p95 {p95:.0f} ms, max {max(read):.0f} ms"
        )
    return 0


def _cores() -> str:
    import os

    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        load = "?"
    return f"{os.cpu_count()}, load average {load}"


if __name__ == "__main__":
    raise SystemExit(main())
