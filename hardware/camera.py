"""The kiosk's camera: capture in a background thread, decode passbook QR codes, debounce.

`CameraService` owns one OpenCV capture. It reads frames on a daemon thread, runs
`decode_frame` on each, and hands every accepted code to `on_code(code, "camera")`. A villager
holds the passbook (积分存折) in front of the lens for a second or two, so the same code is seen
in dozens of frames: the `Debouncer` lets it through once. Webcams on kiosks get knocked and
unplugged; when a read fails the service releases the device, backs off and reopens it, for as
long as it runs.

Most of the day nobody stands at the counter, so the decoder is gated (`MotionGate`): while the
view is still and no code has been seen for a moment, the service only grabs frames and looks at
every second one through a tiny thumbnail (a fraction of a millisecond), with zxing's fast path
once a second for a card that was laid down still. When something moves, every frame gets the
fast path and every `full_every`-th frame the full cascade, until the view has been still again
for `idle_after` seconds. Figures in bench/camera.py and docs/BENCHMARKS.md.

For the villager's viewfinder the service can hand small JPEG previews, a few a second, to a
`preview` callback while `preview_wanted()` says someone watches; the QR's corners come along
when a code was just read.

The capture factory is injectable, so tests drive the service with a fake capture that yields
frames, fails (unplugged) and yields again (plugged back).
"""

from __future__ import annotations

import functools
import glob
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol

import cv2
import numpy as np

from hardware.debounce import Debouncer, OnCode
from hardware.motion import MotionGate
from hardware.scanner import decode_frame, locate

log = logging.getLogger(__name__)


class Capture(Protocol):
    """What the service needs of a capture: cv2.VideoCapture has it, and so do test fakes."""

    def isOpened(self) -> bool: ...  # OpenCV's spelling
    def read(self) -> tuple[bool, Any]: ...
    def release(self) -> None: ...


CaptureFactory = Callable[[int | str, tuple[int, int]], Capture]


def parse_camera_spec(spec: str | int | None) -> int | str | None:
    """`auto`, `none`, a device index or a device path, as in the kiosk's config.

    Returns None for `none` (camera disabled), the string "auto", an int index or a path.
    """
    if spec is None:
        return None
    if isinstance(spec, int):
        return spec
    text = str(spec).strip()
    low = text.lower()
    if low in ("", "none", "off", "disabled"):
        return None
    if low == "auto":
        return "auto"
    if re.fullmatch(r"\d+", text):
        return int(text)
    return text


def auto_candidates() -> list[int | str]:
    """Devices `auto` tries: the /dev/video* nodes that exist, else indexes 0 to 3."""
    nodes = sorted(glob.glob("/dev/video*"), key=lambda p: (len(p), p))
    return list(nodes) if nodes else [0, 1, 2, 3]


def opencv_capture(device: int | str, resolution: tuple[int, int]) -> Capture:
    """The real capture: V4L2 on Linux, whatever OpenCV picks elsewhere."""
    import cv2

    cap = cv2.VideoCapture(device)
    if cap.isOpened():
        width, height = resolution
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        # A small buffer: when a slow decode lags, the next frame is a fresh one, not a stale one.
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
    return cap


class CameraService:
    """Capture thread + decode + debounce + callback, with a health report.

    `camera` is the config string: `auto` (first working /dev/video* or index 0-3), `none`
    (disabled), an index or a device path. `decode` defaults to `decode_frame`.
    """

    source = "camera"

    def __init__(
        self,
        on_code: OnCode,
        *,
        camera: str | int | None = "auto",
        resolution: tuple[int, int] = (640, 480),
        debouncer: Debouncer | None = None,
        capture_factory: CaptureFactory = opencv_capture,
        decode: Callable[[Any], list[str]] = decode_frame,
        candidates: Callable[[], list[int | str]] = auto_candidates,
        backoff: tuple[float, float] = (0.5, 5.0),
        full_every: int = 4,
        fast_decode: Callable[[Any], list[str]] | None = None,
        gate: MotionGate | None = None,
        preview: Callable[[bytes, list | None, tuple[int, int]], Any] | None = None,
        preview_wanted: Callable[[], bool] = lambda: False,
        preview_fps: float = 4.0,
        preview_width: int = 240,
    ):
        self.on_code = on_code
        self.spec = parse_camera_spec(camera)
        # An empty frame costs the whole fallback cascade (about 47 ms here) and zxing's fast
        # path 2-3 ms: the gate keeps both for frames where something moved (MotionGate).
        self.gate = gate or MotionGate(full_every=full_every)
        self._fast_decode = fast_decode or (
            functools.partial(decode_frame, budget_ms=0) if decode is decode_frame else decode
        )
        self._preview = preview
        self._preview_wanted = preview_wanted
        self._preview_every = 1.0 / max(0.1, preview_fps)
        self._preview_width = preview_width
        self._last_preview = -1e9
        self._outline: tuple[float, list] | None = None  # (when, corners) of the last read
        self._skipped = 0
        self.resolution = resolution
        self.debouncer = debouncer or Debouncer()
        self._factory = capture_factory
        self._decode = decode
        self._candidates = candidates
        self._backoff_min, self._backoff_max = backoff
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._device: int | str | None = None
        self._frames = 0
        self._frame_times: deque[float] = deque(maxlen=30)
        self._last_code_at: datetime | None = None
        self._last_error: str | None = None
        self._reconnects = 0
        self._opened_once = False

    @property
    def enabled(self) -> bool:
        return self.spec is not None

    def start(self) -> None:
        if not self.enabled:
            log.info("camera disabled (camera=none)")
            return
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="camera-scanner", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("camera thread did not stop within %.1f s", timeout)

    def __enter__(self) -> CameraService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def health(self) -> dict[str, Any]:
        with self._lock:
            times = list(self._frame_times)
            fps = 0.0
            if len(times) >= 2 and times[-1] > times[0]:
                fps = (len(times) - 1) / (times[-1] - times[0])
            return {
                "enabled": self.enabled,
                "running": bool(self._thread and self._thread.is_alive()),
                "device": self._device,
                "fps": round(fps, 1),
                "frames": self._frames,
                "skipped": self._skipped,
                "idle": self.gate.idle,
                "last_code_at": self._last_code_at.isoformat() if self._last_code_at else None,
                "last_error": self._last_error,
                "reconnects": self._reconnects,
            }

    # -- the thread ------------------------------------------------------------------------------

    def _run(self) -> None:
        delay = self._backoff_min
        cap: Capture | None = None
        try:
            while not self._stop.is_set():
                if cap is None:
                    cap = self._open()
                    if cap is None:
                        self._stop.wait(delay)
                        delay = min(delay * 2, self._backoff_max)
                        continue
                if not self.gate.wants_next() and not self._preview_due():
                    grab = getattr(cap, "grab", None)
                    if grab is not None:  # dequeue the frame without decoding its pixels
                        try:
                            ok = grab()
                        except Exception as exc:
                            ok = False
                            self._error(f"camera grab raised {exc!r}")
                        if ok:
                            with self._lock:
                                self._skipped += 1
                            continue
                try:
                    ok, frame = cap.read()
                except Exception as exc:  # a driver error is an unplug as far as we can tell
                    ok, frame = False, None
                    self._error(f"camera read raised {exc!r}")
                if not ok or frame is None:
                    self._error(f"camera {self._device!r} stopped giving frames; reopening")
                    _release(cap)
                    cap = None
                    with self._lock:
                        self._device = None
                    self._stop.wait(delay)
                    delay = min(delay * 2, self._backoff_max)
                    continue
                delay = self._backoff_min
                self._frame(frame)
        finally:
            if cap is not None:
                _release(cap)

    def _open(self) -> Capture | None:
        devices = self._candidates() if self.spec == "auto" else [self.spec]
        for device in devices:
            try:
                cap = self._factory(device, self.resolution)
            except Exception as exc:
                log.debug("camera %r did not open: %r", device, exc)
                continue
            if cap is not None and cap.isOpened():
                with self._lock:
                    self._device = device
                    if self._opened_once:
                        self._reconnects += 1
                    self._opened_once = True
                log.info("camera %r open", device)
                return cap
            if cap is not None:
                _release(cap)
        if self.spec == "auto":
            self._error(f"no camera found (tried {', '.join(map(str, devices)) or 'nothing'})")
        else:
            self._error(f"camera {self.spec!r} did not open")
        return None

    def _preview_due(self) -> bool:
        return (
            self._preview is not None
            and time.monotonic() - self._last_preview >= self._preview_every
            and self._preview_wanted()
        )

    def _frame(self, frame: Any) -> None:
        with self._lock:
            self._frames += 1
            self._frame_times.append(time.monotonic())
        try:
            decision = self.gate.decide(frame) if isinstance(frame, np.ndarray) else "full"
            codes = []
            if decision != "skip":
                codes = (self._decode if decision == "full" else self._fast_decode)(frame)
        except Exception as exc:
            self._error(f"decode failed: {exc!r}")
            return
        if codes:
            self.gate.activity()
        if self._preview_due():
            self._send_preview(frame, bool(codes))
        for code in codes:
            if not self.debouncer.accept(code):
                continue
            with self._lock:
                self._last_code_at = datetime.now(UTC)
            try:
                self.on_code(code, self.source)
            except Exception:
                # The scan must go on: one bad handler call must not blind the kiosk.
                log.exception("on_code callback failed for a camera scan")
                with self._lock:
                    self._last_error = "on_code callback raised (see log)"

    def _send_preview(self, frame: Any, found: bool) -> None:
        """A small JPEG of the frame for the page's viewfinder, the QR's corners if just read."""
        self._last_preview = now = time.monotonic()
        try:
            height, width = frame.shape[:2]
            k = min(1.0, self._preview_width / width)
            if found:
                corners = [c for _text, c in locate(frame)]
                self._outline = (now, [[[x * k, y * k] for x, y in q] for q in corners])
            small = cv2.resize(frame, (round(width * k), round(height * k)), cv2.INTER_AREA)
            ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 60])
            if not ok:
                return
            outline = self._outline[1] if self._outline and now - self._outline[0] < 1.0 else None
            self._preview(jpeg.tobytes(), outline, (small.shape[1], small.shape[0]))
        except Exception:
            log.debug("viewfinder preview failed", exc_info=True)

    def _error(self, message: str) -> None:
        with self._lock:
            changed = message != self._last_error
            self._last_error = message
        (log.warning if changed else log.debug)(message)


def _release(cap: Capture) -> None:
    try:
        cap.release()
    except Exception:
        log.debug("camera release failed", exc_info=True)
