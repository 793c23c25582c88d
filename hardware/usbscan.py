"""A USB barcode scanner read directly through evdev, so its keystrokes never reach the desktop.

Most USB scanners are keyboards: they type the code and press Enter. Left alone, that typing
lands in whatever window has focus (the kiosk page catches it there as a fallback). Reading the
device with python-evdev and grabbing it keeps the keys to us: `UsbScanner` finds the device by
path or by name, assembles keys into a code on Enter (`KeyAssembler`, pure and testable without
evdev), debounces it, hands it to `on_code(code, "usb")`, and reopens the device when it is
unplugged and plugged back.

evdev is optional (Linux only): `pip install 'points-kiosk[usb]'`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import select
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hardware.debounce import Debouncer, OnCode

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'points-kiosk[usb]'"

# Linux input event codes (linux/input-event-codes.h): stable kernel ABI, spelled out here so the
# assembler works, and is tested, without evdev installed.
EV_KEY = 1
KEY_ENTER, KEY_KPENTER, KEY_TAB = 28, 96, 15
KEY_LEFTSHIFT, KEY_RIGHTSHIFT, KEY_CAPSLOCK = 42, 54, 58
KEY_BACKSPACE = 14
_LETTERS = {
    16: "q", 17: "w", 18: "e", 19: "r", 20: "t", 21: "y", 22: "u", 23: "i", 24: "o", 25: "p",
    30: "a", 31: "s", 32: "d", 33: "f", 34: "g", 35: "h", 36: "j", 37: "k", 38: "l",
    44: "z", 45: "x", 46: "c", 47: "v", 48: "b", 49: "n", 50: "m",
}  # fmt: skip
# key code -> (plain, shifted), US layout, which is what scanners emulate out of the box.
_KEYS: dict[int, tuple[str, str]] = {
    2: ("1", "!"), 3: ("2", "@"), 4: ("3", "#"), 5: ("4", "$"), 6: ("5", "%"),
    7: ("6", "^"), 8: ("7", "&"), 9: ("8", "*"), 10: ("9", "("), 11: ("0", ")"),
    12: ("-", "_"), 13: ("=", "+"), 26: ("[", "{"), 27: ("]", "}"), 39: (";", ":"),
    40: ("'", '"'), 41: ("`", "~"), 43: ("\\", "|"), 51: (",", "<"), 52: (".", ">"),
    53: ("/", "?"), 57: (" ", " "),
    # keypad: scanners set to "numeric keypad" mode send these for digits
    71: ("7", "7"), 72: ("8", "8"), 73: ("9", "9"), 75: ("4", "4"), 76: ("5", "5"),
    77: ("6", "6"), 79: ("1", "1"), 80: ("2", "2"), 81: ("3", "3"), 82: ("0", "0"),
    83: (".", "."), 55: ("*", "*"), 74: ("-", "-"), 78: ("+", "+"), 98: ("/", "/"),
}  # fmt: skip
_KEYS.update({code: (ch, ch.upper()) for code, ch in _LETTERS.items()})

KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2


class KeyAssembler:
    """Turns (key code, value) events into codes: characters until Enter, then the code.

    value is evdev's: 1 key down, 0 key up, 2 autorepeat. Shift (either side) and Caps Lock give
    upper case. Keys it does not know (F-keys, arrows, Ctrl) are ignored; Backspace removes the
    last character. A code longer than `max_length` is dropped whole rather than truncated, and
    a burst interrupted for more than `gap` seconds starts over: a scanner types a code in a few
    milliseconds, so a stale half code is a misread, not the start of the next code.
    """

    def __init__(
        self,
        *,
        max_length: int = 256,
        gap: float | None = 1.0,
        clock: Callable[[], float] = time.monotonic,
        terminators: frozenset[int] = frozenset({KEY_ENTER, KEY_KPENTER}),
    ):
        self.max_length = max_length
        self.gap = gap
        self._clock = clock
        self.terminators = terminators
        self._chars: list[str] = []
        self._shift: set[int] = set()
        self._caps = False
        self._overflow = False
        self._last: float | None = None

    def reset(self) -> None:
        self._chars.clear()
        self._overflow = False

    def feed(self, code: int, value: int) -> str | None:
        """Feed one key event; returns the finished code when this event was its Enter."""
        if code in (KEY_LEFTSHIFT, KEY_RIGHTSHIFT):
            if value == KEY_UP:
                self._shift.discard(code)
            else:
                self._shift.add(code)
            return None
        if value != KEY_DOWN:
            return None  # key ups and autorepeats carry no characters
        now = self._clock()
        if self.gap is not None and self._last is not None and now - self._last > self.gap:
            self.reset()
        self._last = now
        if code == KEY_CAPSLOCK:
            self._caps = not self._caps
            return None
        if code in self.terminators:
            text = "".join(self._chars)
            ok = not self._overflow
            self.reset()
            return text if ok and text else None
        if code == KEY_BACKSPACE:
            if self._chars:
                self._chars.pop()
            return None
        pair = _KEYS.get(code)
        if pair is None:
            return None
        upper = bool(self._shift)
        if code in _LETTERS and self._caps:
            upper = not upper
        if len(self._chars) >= self.max_length:
            self._overflow = True
            return None
        self._chars.append(pair[1] if upper else pair[0])
        return None


def _evdev() -> Any:
    try:
        import evdev
    except ImportError as exc:
        raise RuntimeError(
            f"the USB scanner reader needs python-evdev (Linux only): {INSTALL_HINT}"
        ) from exc
    return evdev


def find_device(spec: str, evdev: Any | None = None) -> str | None:
    """The /dev/input/event* path for a device path or a (case-insensitive) part of its name."""
    evdev = evdev or _evdev()
    if spec.startswith("/dev/"):
        return spec
    wanted = spec.lower()
    for path in evdev.list_devices():
        try:
            dev = evdev.InputDevice(path)
        except OSError:
            continue
        try:
            if wanted in (dev.name or "").lower():
                return path
        finally:
            dev.close()
    return None


class UsbScanner:
    """Reads one USB scanner on a daemon thread; `on_code(code, "usb")` for each accepted code."""

    source = "usb"

    def __init__(
        self,
        on_code: OnCode,
        *,
        device: str,
        debouncer: Debouncer | None = None,
        grab: bool = True,
        backoff: tuple[float, float] = (0.5, 5.0),
    ):
        self._evdev = _evdev()  # fail now, with the install hint, not later on the thread
        self.on_code = on_code
        self.spec = device
        self.debouncer = debouncer or Debouncer()
        self.grab = grab
        self._backoff_min, self._backoff_max = backoff
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._device: str | None = None
        self._codes = 0
        self._last_code_at: datetime | None = None
        self._last_error: str | None = None
        self._reconnects = 0
        self._opened_once = False

    def start(self) -> None:
        if self._thread and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="usb-scanner", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout)

    def health(self) -> dict[str, Any]:
        with self._lock:
            return {
                "running": bool(self._thread and self._thread.is_alive()),
                "device": self._device,
                "codes": self._codes,
                "last_code_at": self._last_code_at.isoformat() if self._last_code_at else None,
                "last_error": self._last_error,
                "reconnects": self._reconnects,
            }

    def _run(self) -> None:
        delay = self._backoff_min
        while not self._stop.is_set():
            dev = self._open()
            if dev is None:
                self._stop.wait(delay)
                delay = min(delay * 2, self._backoff_max)
                continue
            delay = self._backoff_min
            try:
                self._read(dev)
            except OSError as exc:
                if exc.errno not in (errno.ENODEV, errno.EIO, errno.EBADF):
                    log.exception("USB scanner read failed")
                self._error(f"USB scanner {self._device} went away ({exc.strerror}); reopening")
            finally:
                _close(dev, self.grab)
                with self._lock:
                    self._device = None
            self._stop.wait(delay)

    def _open(self) -> Any | None:
        try:
            path = find_device(self.spec, self._evdev)
            if path is None:
                self._error(f"no input device matches {self.spec!r}")
                return None
            dev = self._evdev.InputDevice(path)
            if self.grab:
                dev.grab()  # our keys alone: nothing typed into the desktop
        except OSError as exc:
            self._error(f"USB scanner {self.spec!r} did not open: {exc}")
            return None
        with self._lock:
            self._device = path
            if self._opened_once:
                self._reconnects += 1
            self._opened_once = True
        log.info("USB scanner %s open (%s)", path, getattr(dev, "name", "?"))
        return dev

    def _read(self, dev: Any) -> None:
        keys = KeyAssembler()
        while not self._stop.is_set():
            ready, _, _ = select.select([dev.fd], [], [], 0.25)
            if not ready:
                continue
            for event in dev.read():
                if event.type != EV_KEY:
                    continue
                code = keys.feed(event.code, event.value)
                if code is not None:
                    self._deliver(code)

    def _deliver(self, code: str) -> None:
        if not self.debouncer.accept(code):
            return
        with self._lock:
            self._codes += 1
            self._last_code_at = datetime.now(UTC)
        try:
            self.on_code(code, self.source)
        except Exception:
            log.exception("on_code callback failed for a USB scan")

    def _error(self, message: str) -> None:
        with self._lock:
            changed = message != self._last_error
            self._last_error = message
        (log.warning if changed else log.debug)(message)


def _close(dev: Any, grabbed: bool) -> None:
    with contextlib.suppress(OSError):  # an unplugged device is already gone
        if grabbed:
            dev.ungrab()
    with contextlib.suppress(OSError):
        dev.close()
