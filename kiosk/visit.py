"""One villager's visit to the kiosk, kept server-side in the Flask session (ids only).

A visit begins with a passbook scan and ends with a reset (idle, done, exit, or another
household's passbook). The page never tells the server which household it is showing: it only
echoes the visit's nonce, so a form left over from an earlier household is refused instead of
acting on the new one.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field

from flask import current_app, session

from .i18n import SESSION_KEY as LANG_KEY

_KEY = "visit"
# The mark that a back-office session began with a badge scanned at the kiosk (a way back to it).
FROM_KIOSK_KEY = "from_kiosk"
BADGE_SECONDS = 120
STEPS = ("who", "shop", "pin", "confirm", "done")
MUTE_KEY = "mute"


@dataclass
class Visit:
    household_id: int
    nonce: str
    step: str = "shop"
    basket: dict[int, int] = field(default_factory=dict)  # product id -> quantity
    pin_ok: bool = False
    receipt_id: int | None = None
    last_key: str | None = None
    seen: float = 0.0
    offer: int | None = None  # another household's passbook scanned mid-visit: switch to it?
    member_id: int | None = None  # who came (来兑换的人), when the village asks

    def to_session(self) -> dict:
        return {
            "h": self.household_id,
            "n": self.nonce,
            "s": self.step,
            "b": {str(k): v for k, v in self.basket.items()},
            "p": self.pin_ok,
            "r": self.receipt_id,
            "k": self.last_key,
            "t": self.seen,
            "o": self.offer,
            "m": self.member_id,
        }

    @classmethod
    def from_session(cls, data: dict) -> Visit | None:
        try:
            return cls(
                household_id=int(data["h"]),
                nonce=str(data["n"]),
                step=data["s"] if data.get("s") in STEPS else "shop",
                basket={int(k): int(v) for k, v in (data.get("b") or {}).items() if int(v) > 0},
                pin_ok=bool(data.get("p")),
                receipt_id=data.get("r"),
                last_key=data.get("k"),
                seen=float(data.get("t") or 0),
                offer=int(data["o"]) if data.get("o") else None,
                member_id=int(data["m"]) if data.get("m") else None,
            )
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def basket_count(self) -> int:
        return sum(self.basket.values())


def forget_after() -> float:
    """The server's own safety net behind the page's idle countdown (which may have died)."""
    idle = float(current_app.config.get("IDLE_SECONDS") or 30)
    return max(4 * idle, 120.0)


def current() -> Visit | None:
    data = session.get(_KEY)
    if not isinstance(data, dict):
        return None
    visit = Visit.from_session(data)
    if visit is None or time.time() - visit.seen > forget_after():
        forget()
        return None
    return visit


def start(household_id: int) -> Visit:
    visit = Visit(household_id=household_id, nonce=secrets.token_hex(8))
    save(visit)
    return visit


def save(visit: Visit) -> None:
    visit.seen = time.time()
    session[_KEY] = visit.to_session()


def touch() -> None:
    visit = current()
    if visit is not None:
        save(visit)


def forget() -> None:
    """Back to the waiting screen: no household, no basket, the configured language."""
    session.pop(_KEY, None)
    session.pop(LANG_KEY, None)
    session.pop(MUTE_KEY, None)


def is_current(visit: Visit | None, nonce: str | None) -> bool:
    return visit is not None and bool(nonce) and secrets.compare_digest(visit.nonce, nonce)


def hold_badge(badge_hash: str) -> str:
    """A staff badge scanned at the kiosk: the villager's visit ends, and the badge waits (its
    hash, two minutes, once) for the PIN on the back-office's badge page, which has its own
    session cookie: the page finds it by the one-time token this returns."""
    forget()
    waiting = current_app.extensions.setdefault("kiosk_badges", {})
    now = time.time()
    for token, (_, since) in list(waiting.items()):
        if now - since > BADGE_SECONDS:
            waiting.pop(token, None)
    token = secrets.token_urlsafe(16)
    waiting[token] = (badge_hash, now)
    return token


def held_badge(token: str | None) -> str | None:
    """The hash of the badge scanned at the kiosk under this token, if it is still waiting."""
    waiting = current_app.extensions.get("kiosk_badges", {})
    found = waiting.get(token or "")
    if found is None or time.time() - found[1] > BADGE_SECONDS:
        waiting.pop(token or "", None)
        return None
    return found[0]


def drop_badge(token: str) -> None:
    current_app.extensions.get("kiosk_badges", {}).pop(token, None)
