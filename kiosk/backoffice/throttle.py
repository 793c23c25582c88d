"""Sign-in throttling by client and by username (finding 13), instead of locking accounts.

Five wrong passwords used to lock an account until an admin unlocked it, and a lock ended the
member's live sessions: anyone on the LAN could lock out every admin. Now failures only slow down
further attempts: after `FREE` failures within `WINDOW` seconds, the next attempt for that username
(or from that client) waits 30 s, then 60, 120 … at most 15 minutes. Nothing is written to the
account, so a live session never ends because of someone else's attempts, and the right password
works again once the wait is over. Every refusal shows the same words, so the page never tells
whether a username exists, is disabled or is being throttled.

The counts live in the serving process (one waitress process per box); a restart forgets them,
which costs an attacker nothing they did not have before the restart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

WINDOW = 15 * 60
FREE_PER_USER = 5
FREE_PER_CLIENT = 20
FIRST_WAIT = 30
MAX_WAIT = 15 * 60


class Throttle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failures: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> list[float]:
        kept = [t for t in self._failures.get(key, ()) if now - t < WINDOW]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return kept

    def wait(self, keys: list[tuple[str, str]]) -> float:
        """Seconds before another attempt for these keys is heard (0: now)."""
        now = self.clock()
        longest = 0.0
        with self._lock:
            for key in keys:
                recent = self._recent(key, now)
                free = FREE_PER_USER if key[0] == "user" else FREE_PER_CLIENT
                over = len(recent) - free
                if over >= 0:
                    delay = min(MAX_WAIT, FIRST_WAIT * 2**over)
                    longest = max(longest, recent[-1] + delay - now)
        return max(0.0, longest)

    def failed(self, keys: list[tuple[str, str]]) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._failures[key] = [*self._recent(key, now), now]

    def succeeded(self, username_key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(username_key, None)


def keys(username: str, client: str | None) -> list[tuple[str, str]]:
    return [("user", (username or "").strip().lower()[:64]), ("client", client or "-")]
