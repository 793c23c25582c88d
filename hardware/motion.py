"""The camera's motion gate: which frames are worth decoding. Most of the day nobody stands at
the counter; while the view is still, the camera only glances at a thumbnail (hardware.camera).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy as np


class MotionGate:
    """Which frames deserve a decode: "skip", "fast" (zxing alone) or "full" (the cascade).

    Motion is judged on a thumbnail taken every 8th pixel: a frame moved when more than
    `changed_share` of the thumbnail's pixels changed by more than `level` grey levels since
    the last frame looked at. Sensor noise and slow light changes stay below that; a hand or a
    card entering the view does not. Not thread-safe: one capture thread owns it.
    """

    def __init__(
        self,
        *,
        idle_after: float = 2.0,
        idle_stride: int = 2,
        probe_every: float = 1.0,
        full_every: int = 4,
        level: int = 18,
        changed_share: float = 0.01,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.idle_after = idle_after
        self.idle_stride = max(1, idle_stride)
        self.probe_every = probe_every
        self.full_every = max(1, full_every)
        self.level = level
        self.changed_share = changed_share
        self._clock = clock
        self._thumb: np.ndarray | None = None
        self._active_until = -1.0
        self._last_probe = -1e9
        self._seen = 0
        self._looked = 0

    @property
    def idle(self) -> bool:
        return self._clock() >= self._active_until

    def wants_next(self) -> bool:
        """False for frames an idle gate will not look at: grab them without decoding."""
        self._seen += 1
        return not self.idle or self._seen % self.idle_stride == 0

    def activity(self) -> None:
        """Something happened (a code was read): stay awake for another `idle_after`."""
        self._active_until = self._clock() + self.idle_after

    def moved(self, frame: np.ndarray) -> bool:
        small = frame[::8, ::8]
        if small.ndim == 3:
            small = cv2.cvtColor(np.ascontiguousarray(small[:, :, :3]), cv2.COLOR_BGR2GRAY)
        small = np.ascontiguousarray(small)
        previous, self._thumb = self._thumb, small
        if previous is None or previous.shape != small.shape:
            return True
        changed = np.count_nonzero(cv2.absdiff(small, previous) > self.level)
        return changed > self.changed_share * small.size

    def decide(self, frame: np.ndarray) -> str:
        now = self._clock()
        if self.moved(frame):
            self._active_until = now + self.idle_after
        if now >= self._active_until:
            if now - self._last_probe >= self.probe_every:
                self._last_probe = now
                return "fast"
            return "skip"
        self._looked += 1
        return "full" if self._looked % self.full_every == 0 else "fast"
