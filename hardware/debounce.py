"""One code, counted once: the debouncer the camera and the USB scanner share, and the callback
both hand an accepted code to (`on_code(code, source)`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

OnCode = Callable[[str, str], Any]


class Debouncer:
    """Lets a code through once while it keeps being seen.

    A code is accepted when it has not been seen in the last `window` seconds; every sighting,
    accepted or not, restarts its window. A passbook held in front of the camera for ten
    seconds counts once; shown again after `window` seconds away, it counts again. One
    debouncer can be shared by the camera and the USB scanner, so the same passbook scanned
    on both at once counts once. Thread-safe.
    """

    def __init__(self, window: float = 3.0, clock: Callable[[], float] = time.monotonic):
        if window < 0:
            raise ValueError("debounce window must be >= 0 seconds")
        self.window = window
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def accept(self, code: str) -> bool:
        now = self._clock()
        with self._lock:
            last = self._seen.get(code)
            self._seen[code] = now
            if len(self._seen) > 256:  # forget codes long gone, so the map stays small
                self._seen = {c: t for c, t in self._seen.items() if now - t < self.window}
                self._seen[code] = now
            return last is None or now - last >= self.window
