"""Scans from outside the page: scanner programs post codes, the kiosk's own page gets tickets.

    camera / USB service --publish_scan(app, code, source)--+
    a scanner program ----POST /scans {"code", "source"}----+--> hub (per kiosk) --SSE--> page
                          (device key, JSON only)                                          |
    page  <--- household screen ---- POST /scan {ticket, page key} <-----------------------+

The code itself never goes to the page: the stream carries a one-time ticket, and the page
redeems the ticket through the same POST /scan as a keyboard-wedge scan, so every scan takes one
path (lookup, ScanEvent, screen) and lands in the browser's own session. Tickets expire after
`TICKET_SECONDS`; a reconnecting page gets what it missed through Last-Event-ID.

Who may listen and claim (kiosk.scan_access): only a page served to the kiosk box itself, with
the per-page key that page was given. Each ticket is minted for one page's stream and only that
page can claim it; a scan is claimed once, whichever page claims it first.

Threads: an open stream holds one of the server's worker threads. Only pages on the box can open
one, one stream per page, and at most `SCAN_STREAMS` at a time (default 2: the touchscreen and a
reload that overlaps it); a newer stream ends the oldest, which is told so and stops
reconnecting. With `kiosk serve`'s 8 threads, 6 always remain for the pages, the back-office
and /healthz (docs/SCANNING.md, "Thread budget").

The hub is in-process: one kiosk app serves one touchscreen. Several app processes would need a
shared broker instead (PostgreSQL LISTEN/NOTIFY would do).
"""

from __future__ import annotations

import base64
import json
import queue
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for
from sqlalchemy import select

from shop import staff
from shop.models import Kiosk

from . import scan_access
from .db import reading

bp = Blueprint("scans", __name__)

TICKET_SECONDS = 20.0
DEBOUNCE_SECONDS = 1.5  # a camera sees the same QR in many frames
HISTORY = 16
SOURCES = ("camera", "usb", "wedge", "api", "test")
MAX_CODE = 200
DEFAULT_STREAMS = 2

_REPLACED = ("replaced",)


@dataclass
class _Scan:
    seq: int
    code: str
    source: str
    at: float
    claimed: bool = False


@dataclass
class _Stream:
    page: str
    inbox: queue.Queue = field(default_factory=queue.Queue)


@dataclass
class _Channel:
    seq: int = 0
    history: deque = field(default_factory=lambda: deque(maxlen=HISTORY))
    streams: list = field(default_factory=list)
    tickets: dict = field(default_factory=dict)  # ticket -> (scan, page)
    last: tuple[str, float] = ("", 0.0)


class ScanHub:
    """In-process publish/subscribe of scans, keyed by kiosk code. Thread-safe.

    Streams receive ("scan", seq, ticket) items, ("replaced",) when a newer stream took their
    place, and None when the hub closes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, _Channel] = {}

    def _channel(self, kiosk: str) -> _Channel:
        return self._channels.setdefault(kiosk, _Channel())

    @staticmethod
    def _ticket(channel: _Channel, scan: _Scan, stream: _Stream) -> None:
        ticket = secrets.token_urlsafe(12)
        channel.tickets[ticket] = (scan, stream.page)
        stream.inbox.put(("scan", scan.seq, ticket))

    def publish(self, kiosk: str, code: str, source: str) -> int | None:
        """Offer a scan to the kiosk's pages; its number, or None if it repeats the last code
        within a moment."""
        now = time.monotonic()
        with self._lock:
            channel = self._channel(kiosk)
            last_code, last_at = channel.last
            if code == last_code and now - last_at < DEBOUNCE_SECONDS:
                return None
            channel.last = (code, now)
            for stale in [t for t, v in channel.tickets.items() if now - v[0].at > TICKET_SECONDS]:
                del channel.tickets[stale]
            channel.seq += 1
            scan = _Scan(channel.seq, code, source, now)
            channel.history.append(scan)
            for stream in channel.streams:
                self._ticket(channel, scan, stream)
        return scan.seq

    def claim(self, kiosk: str, ticket: str, page: str) -> tuple[str, str] | None:
        """The scan behind a ticket, once, for the page it was sent to; None otherwise."""
        now = time.monotonic()
        with self._lock:
            channel = self._channel(kiosk)
            found = channel.tickets.get(ticket)
            if found is None or found[1] != page:
                return None  # another page's ticket stays with that page
            del channel.tickets[ticket]
            scan = found[0]
            if scan.claimed or now - scan.at > TICKET_SECONDS:
                return None
            scan.claimed = True
        return scan.code, scan.source

    def subscribe(
        self, kiosk: str, page: str, last_id: int | None = None, *, limit: int = DEFAULT_STREAMS
    ) -> _Stream:
        """A stream for one page, sent the unclaimed scans after `last_id` first.

        The page's earlier stream, and the oldest streams beyond `limit`, are told they were
        replaced and end: a page never holds two server threads, and all pages together never
        more than `limit`.
        """
        stream = _Stream(page)
        now = time.monotonic()
        with self._lock:
            channel = self._channel(kiosk)
            for old in [s for s in channel.streams if s.page == page]:
                channel.streams.remove(old)
                old.inbox.put(_REPLACED)
            while channel.streams and len(channel.streams) >= max(1, limit):
                channel.streams.pop(0).inbox.put(_REPLACED)
            channel.streams.append(stream)
            if last_id is not None:
                for scan in channel.history:
                    fresh = now - scan.at < TICKET_SECONDS
                    if scan.seq > last_id and fresh and not scan.claimed:
                        self._ticket(channel, scan, stream)
        return stream

    def preview(self, kiosk: str, jpeg: bytes, outline: list | None, size: tuple[int, int]) -> int:
        """A viewfinder frame for the kiosk's open pages; how many streams it went to.

        A stream that has not caught up with the last frames gets none (frames are only ever
        current; a page that stopped reading never piles them up).
        """
        data = json.dumps(
            {
                "jpeg": base64.b64encode(jpeg).decode("ascii"),
                "w": size[0],
                "h": size[1],
                "outline": [[[round(x), round(y)] for x, y in quad] for quad in outline or []],
            }
        )
        sent = 0
        with self._lock:
            for stream in self._channel(kiosk).streams:
                if stream.inbox.qsize() < 2:
                    stream.inbox.put(("frame", data))
                    sent += 1
        return sent

    def unsubscribe(self, kiosk: str, stream: _Stream) -> None:
        with self._lock:
            channel = self._channel(kiosk)
            if stream in channel.streams:
                channel.streams.remove(stream)

    def close(self) -> None:
        """End every open stream (server shutdown); pages reconnect to whoever serves next."""
        with self._lock:
            for channel in self._channels.values():
                for stream in channel.streams:
                    stream.inbox.put(None)
                channel.streams.clear()

    def listeners(self, kiosk: str) -> int:
        with self._lock:
            return len(self._channel(kiosk).streams)


def hub(app: Flask) -> ScanHub:
    return app.extensions.setdefault("kiosk_scan_hub", ScanHub())


def publish_scan(app: Flask, code: str, source: str, kiosk: str | None = None) -> int | None:
    """Hand a decoded code to the kiosk page (the camera and USB services call this).

    Returns the scan's number, or None when the code was dropped (empty, too long, or a repeat
    within DEBOUNCE_SECONDS). Safe to call from any thread.
    """
    code = (code or "").strip()
    if not code or len(code) > MAX_CODE:
        return None
    source = source if source in SOURCES else "api"
    return hub(app).publish(kiosk or app.config["DEVICE"], code, source)


def claim_scan(ticket: str) -> tuple[str, str] | None:
    """The scan behind a ticket posted by the page (with its page key), or None."""
    page = scan_access.page_of(request.form.get("page") or request.headers.get("X-Scan-Page"))
    if page is None:
        return None
    return hub(current_app).claim(current_app.config["DEVICE"], ticket, page)


@bp.app_context_processor
def _stream_url() -> dict:
    def scan_stream_url() -> str:
        """The event stream with a fresh page key, for a page on the box; "" elsewhere."""
        key = scan_access.mint_page_key()
        return url_for("scans.stream", page=key) if key else ""

    return {"scan_stream_url": scan_stream_url}


def _trusted_poster() -> bool:
    """The device key, or a kiosk API token for this kiosk (a scanner on another machine)."""
    token = scan_access.bearer()
    if not token:
        return False
    if scan_access.is_device_key(token):
        return True
    with reading() as session:
        row = staff.authenticate_token(session, token)
        if row is None or row.role != "kiosk":
            return False
        if row.kiosk_id is None:
            return True
        code = session.scalar(select(Kiosk.code).where(Kiosk.id == row.kiosk_id))
        return code == current_app.config["DEVICE"]


def _error(status: int, code: str, message: str):
    return jsonify(error={"code": code, "message": message}), status


@bp.post("/scans")
def post_scan():
    """A scanner program posts here: JSON {"code": ..., "source": "camera"} with the device key.

    No form bodies, no loopback trust: a page from another origin can send neither the JSON
    content type nor the Authorization header without a CORS preflight, which is never granted.
    """
    if not _trusted_poster():
        return _error(401, "unauthorized", "device key or kiosk token required")
    if not request.is_json:
        return _error(415, "unsupported_media_type", 'send JSON: {"code": ...}')
    body = request.get_json(silent=True)
    # A scanner program's JSON, never a person's typing: a malformed body is invalid_input.
    if not isinstance(body, dict):
        return _error(422, "invalid_input", "a JSON object is required")
    code = body.get("code")
    source = body.get("source") or "api"
    if not isinstance(code, str) or not code.strip() or len(code) > MAX_CODE:
        return _error(422, "invalid_input", "code is required")
    seq = publish_scan(current_app, code, str(source))
    kiosk = current_app.config["DEVICE"]
    return jsonify(accepted=seq is not None, listeners=hub(current_app).listeners(kiosk)), 202


def _sse(item: tuple) -> str:
    _, seq, ticket = item
    return f"id: {seq}\nevent: scan\ndata: {json.dumps({'ticket': ticket})}\n\n"


@bp.get("/scans/stream")
def stream():
    """Server-Sent Events for the kiosk's own page: `event: scan` with a ticket, `event: frame`
    with a viewfinder picture (when a camera runs), keep-alive comments in between, `event:
    replaced` when a newer stream took this one's place.

    Needs the page key of a page served to the box (`?page=`); anything else gets 403 at once,
    holding no thread. The stream ends by itself after SCAN_STREAM_SECONDS and the browser
    reconnects (sending Last-Event-ID).
    """
    page = scan_access.page_of(request.args.get("page"))
    if page is None:
        return _error(403, "forbidden", "the scan stream is for the kiosk's own page")
    app = current_app._get_current_object()
    kiosk = app.config["DEVICE"]
    keepalive = float(app.config.get("SCAN_STREAM_KEEPALIVE", 10))
    lifetime = float(app.config.get("SCAN_STREAM_SECONDS", 300))
    limit = int(app.config.get("SCAN_STREAMS", DEFAULT_STREAMS))
    raw_last = request.headers.get("Last-Event-ID") or request.args.get("last")
    last_id = int(raw_last) if raw_last and raw_last.isdigit() else None
    channel_hub = hub(app)
    subscription = channel_hub.subscribe(kiosk, page, last_id, limit=limit)
    inbox = subscription.inbox

    def events():
        try:
            yield "retry: 1500\n\n"
            ends = time.monotonic() + lifetime
            while time.monotonic() < ends:
                try:
                    item = inbox.get(timeout=min(keepalive, max(0.05, ends - time.monotonic())))
                except queue.Empty:
                    yield ": keep-alive\n\n"
                    continue
                if item is None:  # the hub is closing
                    return
                if item is _REPLACED:
                    yield "event: replaced\ndata: {}\n\n"
                    return
                if item[0] == "frame":
                    yield f"event: frame\ndata: {item[1]}\n\n"
                    continue
                yield _sse(item)
        finally:
            channel_hub.unsubscribe(kiosk, subscription)

    return Response(
        events(),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
