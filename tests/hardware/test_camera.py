"""CameraService, Debouncer and the USB scanner's key assembly, without real devices.

The camera is a scripted fake capture that yields real numpy frames of passbook QR codes,
fails as an unplugged webcam does, and yields again once plugged back; decoding is the real
`decode_frame`.
"""

from __future__ import annotations

import importlib.util
import threading
import time

import cv2
import numpy as np
import pytest
import qrcode

from hardware.camera import CameraService, Debouncer, MotionGate, parse_camera_spec
from hardware.usbscan import (
    KEY_ENTER,
    KEY_KPENTER,
    KEY_LEFTSHIFT,
    KEY_RIGHTSHIFT,
    KeyAssembler,
    UsbScanner,
)
from shop.households.codes import new_code

FAST = (0.01, 0.05)  # backoff for tests: reconnect quickly


def qr_frame(text: str, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """A BGR webcam-sized frame with the code's QR in the middle on grey."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    modules = np.array(qr.get_matrix(), dtype=bool)
    img = np.where(modules, 20, 235).astype(np.uint8).repeat(6, 0).repeat(6, 1)
    w, h = size
    frame = np.full((h, w), 128, np.uint8)
    y, x = (h - img.shape[0]) // 2, (w - img.shape[1]) // 2
    frame[y : y + img.shape[0], x : x + img.shape[1]] = img
    return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ScriptedCamera:
    """A webcam that plays a script: frames (numpy arrays) and `UNPLUG` markers.

    At an `UNPLUG` the open capture starts failing its reads and the next `refuse_opens`
    attempts to reopen fail too, as when the cable is out. When the script is done the
    camera keeps showing its last frame, slowly, like a card left in front of the lens.
    """

    UNPLUG = object()

    def __init__(self, script: list, refuse_opens: int = 1) -> None:
        self.script = list(script)
        self.refuse_opens = refuse_opens
        self.pos = 0
        self.opens: list[int | str] = []
        self.released = 0
        self._refusing = 0
        self._last = np.zeros((480, 640, 3), np.uint8)
        self.done = threading.Event()

    def factory(self, device, resolution):
        self.opens.append(device)
        camera = self

        class Capture:
            unplugged = False

            def isOpened(self) -> bool:  # OpenCV's spelling
                if camera._refusing:
                    camera._refusing -= 1
                    return False
                return True

            def read(self):
                if self.unplugged:
                    return False, None
                if camera.pos >= len(camera.script):
                    camera.done.set()
                    time.sleep(0.005)
                    return True, camera._last
                item = camera.script[camera.pos]
                camera.pos += 1
                if item is ScriptedCamera.UNPLUG:
                    self.unplugged = True
                    camera._refusing = camera.refuse_opens
                    return False, None
                camera._last = item
                return True, item

            def release(self) -> None:
                camera.released += 1

        return Capture()


def run_until(camera: ScriptedCamera, service: CameraService, timeout: float = 10.0) -> None:
    service.start()
    try:
        assert camera.done.wait(timeout), "the camera script did not finish"
        time.sleep(0.05)  # let the last frames' callbacks land
    finally:
        service.stop()


# -- Debouncer -----------------------------------------------------------------------------------


def test_debouncer_counts_a_code_once_within_the_window():
    clock = FakeClock()
    debouncer = Debouncer(3.0, clock=clock)
    assert debouncer.accept("JF1A")
    clock.now += 1.0
    assert not debouncer.accept("JF1A")
    assert debouncer.accept("JF1B"), "another code is not held back by the first"


def test_debouncer_keeps_holding_a_code_that_stays_in_view():
    clock = FakeClock()
    debouncer = Debouncer(3.0, clock=clock)
    assert debouncer.accept("JF1A")
    for _ in range(10):  # seen every 2 s for 20 s: still the same scan
        clock.now += 2.0
        assert not debouncer.accept("JF1A")


def test_debouncer_accepts_a_code_again_after_the_window():
    clock = FakeClock()
    debouncer = Debouncer(3.0, clock=clock)
    assert debouncer.accept("JF1A")
    clock.now += 3.0
    assert debouncer.accept("JF1A")


def test_debouncer_forgets_old_codes_so_it_stays_small():
    clock = FakeClock()
    debouncer = Debouncer(3.0, clock=clock)
    for i in range(1000):
        clock.now += 1.0
        assert debouncer.accept(f"JF1{i}")
    assert len(debouncer._seen) <= 257


def test_debouncer_refuses_a_negative_window():
    with pytest.raises(ValueError, match="window"):
        Debouncer(-1)


# -- camera spec ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [("auto", "auto"), ("AUTO", "auto"), ("none", None), ("", None), (None, None),
     ("0", 0), ("2", 2), (1, 1), ("/dev/video4", "/dev/video4")],
)  # fmt: skip
def test_camera_spec_is_parsed_from_config(spec, parsed):
    assert parse_camera_spec(spec) == parsed


# -- CameraService -------------------------------------------------------------------------------


def test_camera_delivers_a_code_once_despite_repeated_frames():
    code = new_code()
    camera = ScriptedCamera([qr_frame(code)] * 12)
    got: list[tuple[str, str]] = []
    service = CameraService(
        lambda c, s: got.append((c, s)), camera="0", capture_factory=camera.factory, backoff=FAST
    )
    run_until(camera, service)
    assert got == [(code, "camera")]
    health = service.health()
    assert health["frames"] >= 12
    assert health["device"] == 0
    assert health["last_code_at"] is not None
    assert health["reconnects"] == 0
    assert health["running"] is False  # stopped
    assert camera.released == 1, "stop() releases the device"


def test_camera_survives_unplug_and_replug():
    first, second = new_code(), new_code()
    camera = ScriptedCamera(
        [qr_frame(first)] * 3 + [ScriptedCamera.UNPLUG] + [qr_frame(second)] * 3, refuse_opens=2
    )
    got: list[str] = []
    service = CameraService(
        lambda c, s: got.append(c), camera="/dev/video0", capture_factory=camera.factory,
        backoff=FAST,
    )  # fmt: skip
    run_until(camera, service)
    assert got == [first, second], "codes after the replug still arrive"
    health = service.health()
    assert health["reconnects"] == 1
    assert health["device"] == "/dev/video0"
    assert len(camera.opens) == 4, "one open, two refused while unplugged, one that worked"


def test_camera_keeps_running_when_the_callback_raises():
    first, second = new_code(), new_code()
    camera = ScriptedCamera([qr_frame(first)] * 2 + [qr_frame(second)] * 2)
    got: list[str] = []

    def on_code(code: str, source: str) -> None:
        got.append(code)
        if code == first:
            raise RuntimeError("the kiosk page went away")

    service = CameraService(on_code, camera="0", capture_factory=camera.factory, backoff=FAST)
    service.start()
    try:
        assert camera.done.wait(10)
        time.sleep(0.05)
        assert service.health()["running"], "the thread survived the callback's exception"
        assert "callback" in service.health()["last_error"]
    finally:
        service.stop()
    assert got == [first, second]


def test_camera_health_reports_fps_over_recent_frames():
    camera = ScriptedCamera([qr_frame(new_code())] + [np.full((480, 640), 200, np.uint8)] * 40)
    service = CameraService(lambda c, s: None, camera="0", capture_factory=camera.factory)
    service.start()
    try:
        assert camera.done.wait(10)
        health = service.health()
    finally:
        service.stop()
    assert health["running"] is True
    assert health["frames"] >= 41
    assert health["fps"] > 0
    assert health["last_error"] is None


def test_camera_auto_tries_each_device_and_reports_none_found():
    tried: list = []

    def nothing_there(device, resolution):
        tried.append(device)
        raise OSError("no such device")

    service = CameraService(
        lambda c, s: None, camera="auto", capture_factory=nothing_there,
        candidates=lambda: [0, 1, 2, 3], backoff=FAST,
    )  # fmt: skip
    service.start()
    try:
        deadline = time.monotonic() + 5
        while len(tried) < 8 and time.monotonic() < deadline:
            time.sleep(0.01)
        health = service.health()
    finally:
        service.stop()
    assert tried[:4] == [0, 1, 2, 3]
    assert len(tried) >= 8, "it keeps looking: a camera may be plugged in later"
    assert health["device"] is None
    assert "no camera found" in health["last_error"]


def test_camera_auto_uses_the_first_device_that_opens():
    code = new_code()
    camera = ScriptedCamera([qr_frame(code)] * 2)

    def factory(device, resolution):
        if device != "/dev/video2":
            raise OSError("busy")
        return camera.factory(device, resolution)

    got: list[str] = []
    service = CameraService(
        lambda c, s: got.append(c), camera="auto", capture_factory=factory,
        candidates=lambda: ["/dev/video0", "/dev/video2"], backoff=FAST,
    )  # fmt: skip
    run_until(camera, service)
    assert got == [code]
    assert service.health()["device"] == "/dev/video2"


def test_camera_none_is_disabled():
    def factory(device, resolution):
        raise AssertionError("a disabled camera must not be opened")

    service = CameraService(lambda c, s: None, camera="none", capture_factory=factory)
    service.start()
    service.stop()
    health = service.health()
    assert health["enabled"] is False
    assert health["running"] is False


def test_camera_and_usb_share_one_debouncer():
    code = new_code()
    debouncer = Debouncer(3.0)
    camera = ScriptedCamera([qr_frame(code)] * 2)
    got: list[str] = []
    service = CameraService(
        lambda c, s: got.append(s), camera="0", capture_factory=camera.factory,
        debouncer=debouncer,
    )  # fmt: skip
    run_until(camera, service)
    assert not debouncer.accept(code), "the USB scanner reading the same passbook now is a repeat"
    assert got == ["camera"]


# -- USB scanner ---------------------------------------------------------------------------------

KEY = {ch: code for code, ch in {30: "a", 36: "j", 33: "f", 2: "1", 11: "0", 48: "b"}.items()}


def type_keys(keys: KeyAssembler, text: str, shift_key: int = KEY_LEFTSHIFT) -> list[str]:
    """Types `text` as a scanner does: shift down/up around each upper-case letter."""
    out = []
    for ch in text:
        code = KEY[ch.lower()]
        if ch.isupper():
            keys.feed(shift_key, 1)
        for value in (1, 0):
            done = keys.feed(code, value)
            if done:
                out.append(done)
        if ch.isupper():
            keys.feed(shift_key, 0)
    return out


def test_key_assembler_types_shifted_letters_and_completes_on_enter():
    keys = KeyAssembler()
    assert type_keys(keys, "JF10ab") == []
    assert keys.feed(KEY_ENTER, 1) == "JF10ab"
    assert keys.feed(KEY_ENTER, 0) is None


def test_key_assembler_honours_either_shift_and_keypad_enter():
    keys = KeyAssembler()
    type_keys(keys, "JF", shift_key=KEY_RIGHTSHIFT)
    type_keys(keys, "b")
    assert keys.feed(KEY_KPENTER, 1) == "JFb"


def test_key_assembler_ignores_stray_keys_and_repeats():
    keys = KeyAssembler()
    keys.feed(59, 1)  # F1
    keys.feed(29, 1)  # Ctrl
    keys.feed(103, 1)  # arrow up
    keys.feed(KEY["a"], 1)
    keys.feed(KEY["a"], 2)  # autorepeat: no second character
    keys.feed(KEY["a"], 0)
    assert keys.feed(KEY_ENTER, 1) == "a"


def test_key_assembler_gives_nothing_for_an_empty_enter():
    keys = KeyAssembler()
    assert keys.feed(KEY_ENTER, 1) is None


def test_key_assembler_caps_lock_upper_cases_letters_not_digits():
    keys = KeyAssembler()
    keys.feed(58, 1)  # Caps Lock
    type_keys(keys, "jf1")
    assert keys.feed(KEY_ENTER, 1) == "JF1"


def test_key_assembler_drops_a_stale_half_code():
    clock = FakeClock()
    keys = KeyAssembler(gap=1.0, clock=clock)
    type_keys(keys, "JF")
    clock.now += 5  # a misread fragment, long ago
    type_keys(keys, "ab")
    assert keys.feed(KEY_ENTER, 1) == "ab"


def test_key_assembler_drops_an_overlong_code_whole():
    keys = KeyAssembler(max_length=4)
    type_keys(keys, "abfj1")
    assert keys.feed(KEY_ENTER, 1) is None
    type_keys(keys, "ab")
    assert keys.feed(KEY_ENTER, 1) == "ab", "the next code is read normally"


@pytest.mark.skipif(importlib.util.find_spec("evdev") is not None, reason="evdev is installed")
def test_usb_scanner_without_evdev_says_how_to_install_it():
    with pytest.raises(RuntimeError, match=r"pip install 'points-kiosk\[usb\]'"):
        UsbScanner(lambda c, s: None, device="/dev/input/event0")


# -- the idle gate (issue 13, item 8) ------------------------------------------------------------


class SwitchableCamera:
    """A 100 fps capture showing `frame`; counts reads (decoded) and grabs (skipped)."""

    def __init__(self, frame: np.ndarray) -> None:
        self.frame = frame
        self.reads = 0
        self.grabs = 0
        self.rng = np.random.default_rng(0)

    def isOpened(self) -> bool:
        return True

    def _tick(self) -> np.ndarray:
        time.sleep(0.01)
        noise = self.rng.integers(-3, 4, self.frame.shape, dtype=np.int16)  # sensor noise
        return (self.frame.astype(np.int16) + noise).clip(0, 255).astype(np.uint8)

    def read(self):
        self.reads += 1
        return True, self._tick()

    def grab(self) -> bool:
        self.grabs += 1
        self._tick()
        return True

    def release(self) -> None:
        pass


def test_an_empty_still_view_is_barely_decoded_and_a_card_wakes_the_camera_at_once():
    empty = np.full((480, 640, 3), 128, np.uint8)
    cv2.putText(empty, "COUNTER 8848", (100, 200), cv2.FONT_HERSHEY_SIMPLEX, 2, (30, 30, 30), 3)
    camera = SwitchableCamera(empty)
    decoded: list[str] = []
    seen: list[tuple[str, float]] = []

    def counting_decode(image, **kwargs):
        decoded.append("full" if kwargs.get("budget_ms") != 0 else "fast")
        from hardware.scanner import decode_frame

        return decode_frame(image, **kwargs)

    gate = MotionGate(idle_after=0.3, probe_every=0.5)
    service = CameraService(
        lambda code, source: seen.append((code, time.monotonic())),
        camera=0,
        capture_factory=lambda device, resolution: camera,
        decode=counting_decode,
        fast_decode=lambda image: counting_decode(image, budget_ms=0),
        gate=gate,
    )
    service.start()
    try:
        time.sleep(0.6)  # awake at start, then idle
        assert gate.idle
        before_reads, before_grabs, before_decodes = camera.reads, camera.grabs, len(decoded)
        time.sleep(1.0)
        still_frames = camera.reads + camera.grabs - before_reads - before_grabs
        # About 100 frames went by; at most a probe or three were decoded, half only grabbed.
        assert still_frames > 40
        assert len(decoded) - before_decodes <= 3
        assert camera.grabs - before_grabs >= still_frames // 3
        code = new_code()
        camera.frame = qr_frame(code)
        shown = time.monotonic()
        deadline = shown + 2.0
        while not seen and time.monotonic() < deadline:
            time.sleep(0.01)
        assert seen and seen[0][0] == code
        assert seen[0][1] - shown < 0.5  # well inside a second, even on a loaded machine
        assert not gate.idle
    finally:
        service.stop()
