"""Scans from outside the page: one endpoint any source posts a code to, one event stream out.

    camera / USB service --publish_scan(app, code, source)--+
    another process ------POST /scans {"code", "source"}----+--> hub (per kiosk) --SSE--> page
                                                                                          |
    page  <--- household screen ---- POST /scan {ticket} <--------------------------------+

The code itself never goes to the page: the stream carries a one-time ticket, and the page
redeems the ticket through the same POST /scan as a keyboard-wedge scan, so every scan takes one
path (lookup, ScanEvent, screen) and lands in the browser's own session. Tickets expire after
`TICKET_SECONDS`; a reconnecting page gets what it missed through Last-Event-ID.

The hub is in-process: one kiosk app serves one touchscreen. Several app processes would need a
shared broker instead (PostgreSQL LISTEN/NOTIFY would do).
"""

from __future__ import annotations

import ipaddress
import json
import queue
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from shop import staff

from .db import reading

bp = Blueprint("scans", __name__)

TICKET_SECONDS = 20.0
DEBOUNCE_SECONDS = 1.5  # a camera sees the same QR in many frames
HISTORY = 16
SOURCES = ("camera", "usb", "wedge", "api", "test")
MAX_CODE = 200


@dataclass
class _Channel:
    seq: int = 0
    history: deque = field(default_factory=lambda: deque(maxlen=HISTORY))
    subscribers: set = field(default_factory=set)
    tickets: dict = field(default_factory=dict)
    last: tuple[str, float] = ("", 0.0)


class ScanHub:
    """In-process publish/subscribe of scans, keyed by kiosk code. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._channels: dict[str, _Channel] = {}

    def _channel(self, kiosk: str) -> _Channel:
        return self._channels.setdefault(kiosk, _Channel())

    def publish(self, kiosk: str, code: str, source: str) -> str | None:
        """Queue a scan for the kiosk's page; None if it repeats the last code within a moment."""
        now = time.monotonic()
        with self._lock:
            channel = self._channel(kiosk)
            last_code, last_at = channel.last
            if code == last_code and now - last_at < DEBOUNCE_SECONDS:
                return None
            channel.last = (code, now)
            for stale in [t for t, v in channel.tickets.items() if now - v[2] > TICKET_SECONDS]:
                del channel.tickets[stale]
            ticket = secrets.token_urlsafe(12)
            channel.tickets[ticket] = (code, source, now)
            channel.seq += 1
            event = (channel.seq, ticket, now)
            channel.history.append(event)
            for subscriber in channel.subscribers:
                subscriber.put(event)
        return ticket

    def claim(self, kiosk: str, ticket: str) -> tuple[str, str] | None:
        """The scan behind a ticket, once; None if unknown, used or expired."""
        with self._lock:
            found = self._channel(kiosk).tickets.pop(ticket, None)
        if found is None or time.monotonic() - found[2] > TICKET_SECONDS:
            return None
        return found[0], found[1]

    def subscribe(self, kiosk: str, last_id: int | None = None) -> queue.Queue:
        """A queue of (seq, ticket, at) for new scans, preloaded with those after `last_id`."""
        inbox: queue.Queue = queue.Queue()
        now = time.monotonic()
        with self._lock:
            channel = self._channel(kiosk)
            if last_id is not None:
                for event in channel.history:
                    if event[0] > last_id and now - event[2] < TICKET_SECONDS:
                        inbox.put(event)
            channel.subscribers.add(inbox)
        return inbox

    def unsubscribe(self, kiosk: str, inbox: queue.Queue) -> None:
        with self._lock:
            self._channel(kiosk).subscribers.discard(inbox)

    def close(self) -> None:
        """End every open stream (server shutdown); pages reconnect to whoever serves next."""
        with self._lock:
            for channel in self._channels.values():
                for subscriber in channel.subscribers:
                    subscriber.put(None)
                channel.subscribers.clear()

    def listeners(self, kiosk: str) -> int:
        with self._lock:
            return len(self._channel(kiosk).subscribers)


def hub(app: Flask) -> ScanHub:
    return app.extensions.setdefault("kiosk_scan_hub", ScanHub())


def publish_scan(app: Flask, code: str, source: str, kiosk: str | None = None) -> str | None:
    """Hand a decoded code to the kiosk page (the camera and USB services call this).

    Returns the ticket, or None when the code was dropped (empty, too long, or a repeat within
    DEBOUNCE_SECONDS). Safe to call from any thread.
    """
    code = (code or "").strip()
    if not code or len(code) > MAX_CODE:
        return None
    source = source if source in SOURCES else "api"
    return hub(app).publish(kiosk or app.config["DEVICE"], code, source)


def claim_scan(ticket: str) -> tuple[str, str] | None:
    return hub(current_app).claim(current_app.config["DEVICE"], ticket)


def _trusted_poster() -> bool:
    """Scanner services run on the kiosk itself; anything else needs a kiosk API token."""
    try:
        if ipaddress.ip_address(request.remote_addr or "").is_loopback:
            return True
    except ValueError:
        pass
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not token:
        return False
    with reading() as session:
        row = staff.authenticate_token(session, token)
        return row is not None and row.role in ("kiosk", "admin")


@bp.post("/scans")
def post_scan():
    """Any scan source posts here: JSON {"code": ..., "source": "camera"} (or a form)."""
    if not _trusted_poster():
        return jsonify(error={"code": "unauthorized", "message": "kiosk token required"}), 401
    body = request.get_json(silent=True) if request.is_json else request.form
    code = body.get("code") if body else None
    source = (body.get("source") if body else None) or "api"
    if not isinstance(code, str) or not code.strip() or len(code) > MAX_CODE:
        return jsonify(error={"code": "invalid_input", "message": "code is required"}), 422
    ticket = publish_scan(current_app, code, str(source))
    kiosk = current_app.config["DEVICE"]
    return jsonify(
        accepted=ticket is not None,
        ticket=ticket,
        listeners=hub(current_app).listeners(kiosk),
    ), 202


def _sse(event: tuple[int, str, float]) -> str:
    seq, ticket, _ = event
    return f"id: {seq}\nevent: scan\ndata: {json.dumps({'ticket': ticket})}\n\n"


@bp.get("/scans/stream")
def stream():
    """Server-Sent Events: `event: scan` with a ticket, keep-alive comments in between.

    The stream ends by itself after SCAN_STREAM_SECONDS and the browser reconnects (sending
    Last-Event-ID), so a server thread is never held for long by a page that went away.
    """
    app = current_app._get_current_object()
    kiosk = app.config["DEVICE"]
    keepalive = float(app.config.get("SCAN_STREAM_KEEPALIVE", 10))
    lifetime = float(app.config.get("SCAN_STREAM_SECONDS", 300))
    raw_last = request.headers.get("Last-Event-ID") or request.args.get("last")
    last_id = int(raw_last) if raw_last and raw_last.isdigit() else None
    channel_hub = hub(app)
    inbox = channel_hub.subscribe(kiosk, last_id)

    def events():
        try:
            yield "retry: 1500\n\n"
            ends = time.monotonic() + lifetime
            while time.monotonic() < ends:
                try:
                    event = inbox.get(timeout=min(keepalive, max(0.05, ends - time.monotonic())))
                except queue.Empty:
                    yield ": keep-alive\n\n"
                    continue
                if event is None:  # the hub is closing
                    return
                yield _sse(event)
        finally:
            channel_hub.unsubscribe(kiosk, inbox)

    return Response(
        events(),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
