"""Who a phone is: the household its signed cookie names, checked on every page, and the limits
on signing in.

A phone signs in by opening the link in the household's query code QR (`/m/c/<code>`). The
answer is a cookie of its own (not the staff session), signed with the app's secret, naming the
query code and its household; it lasts a year or until 退出. Several phones of one family each
hold their own. On every page the code is looked up again: a code revoked or reissued by the
panel signs every phone out at its next page. The household's village becomes the request's
scope (shop/scope.py), so no query of a phone page can reach another village's rows, and each
page asks only for its own household's rows.

Wrong codes are counted per client address (10 in 10 minutes, then 429 for the rest of the
window), sign-ins per household (30 in 10 minutes: a leaked code passed around a village
chat stays usable for the family, not a crawler). Counts live in the serving process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer

from kiosk.db import reading, set_scope
from shop.households import query_codes
from shop.scope import Scope

COOKIE = "jf_phone"
ELDER_COOKIE = "jf_elder"
COOKIE_DAYS = 365
FAILURES_PER_CLIENT = 10
SIGNINS_PER_HOUSEHOLD = 30
WINDOW_S = 600


@dataclass(frozen=True)
class Phone:
    """The signed-in household as the pages see it (ids only; pages load what they show)."""

    household_id: int
    village_id: int
    query_code_id: int


class Limit:
    """At most `most` events per key in a sliding window of `window` seconds."""

    def __init__(self, most: int, window: float, clock: Callable[[], float] = time.monotonic):
        self.most, self.window, self.clock = most, window, clock
        self._seen: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        kept = [t for t in self._seen.get(key, ()) if now - t < self.window]
        if kept:
            self._seen[key] = kept
        else:
            self._seen.pop(key, None)
        return kept

    def exceeded(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, self.clock())) >= self.most

    def add(self, key: str) -> None:
        with self._lock:
            now = self.clock()
            self._seen[key] = [*self._recent(key, now), now]


def limits() -> tuple[Limit, Limit]:
    """(wrong codes per client, sign-ins per household) of this app."""
    found = current_app.extensions.get("phone_limits")
    if found is None:
        config = current_app.config
        found = (
            Limit(int(config.get("PHONE_FAILURES_PER_CLIENT") or FAILURES_PER_CLIENT), WINDOW_S),
            Limit(
                int(config.get("PHONE_SIGNINS_PER_HOUSEHOLD") or SIGNINS_PER_HOUSEHOLD), WINDOW_S
            ),
        )
        current_app.extensions["phone_limits"] = found
    return found


def client_key() -> str:
    return request.remote_addr or "-"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="phone-household")


def cookie_value(phone: Phone) -> str:
    return _serializer().dumps([phone.query_code_id, phone.household_id, phone.village_id])


def read_cookie() -> Phone | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        code_id, household_id, village_id = _serializer().loads(raw)
        return Phone(int(household_id), int(village_id), int(code_id))
    except (BadSignature, TypeError, ValueError):
        return None


def current_phone() -> Phone | None:
    """The household this phone is signed in as, if its query code still works; sets the
    request's scope to its village. Looked up once per request."""
    if "phone" in g:
        return g.phone
    phone = read_cookie()
    if phone is not None:
        # Who the caller is must be found before their scope is known: the operator's lookup.
        with reading(Scope.everything()) as session:
            found = query_codes.signed_in(session, phone.query_code_id, phone.household_id)
            if found is None or found.village_id != phone.village_id:
                phone = None
    g.phone = phone
    if phone is not None:
        set_scope(Scope.of([phone.village_id]))
    return phone


def is_elder() -> bool:
    return request.cookies.get(ELDER_COOKIE) == "1"
