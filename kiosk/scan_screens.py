"""Scans at the kiosk: a passbook opens its household; a stray scan mid-visit keeps the visit."""

from __future__ import annotations

import logging

from flask import request

from shop.errors import DomainError

from . import shopfront, visit
from .db import reading, writing
from .htmx import no_content
from .scan_events import claim_scan
from .screen_kit import SCAN_SOURCES, bp, current_screen, error_screen

log = logging.getLogger(__name__)


@bp.post("/scan")
def scan():
    """A passbook scan: a keyboard-wedge burst caught by the page (`code`), or a ticket from the
    scan event stream (camera, USB service, any poster of /scans)."""
    ticket = request.form.get("ticket")
    if ticket:
        claimed = claim_scan(ticket)
        if claimed is None:
            return no_content()  # already used or expired: nothing to show
        raw, source = claimed
    else:
        raw = request.form.get("code", "")
        source = request.form.get("source", "wedge")
    source = source if source in SCAN_SOURCES else "api"
    raw = raw.strip()[:200]
    if not raw:
        return no_content()

    current = visit.current()
    kiosk_id = household_id = None
    failure: DomainError | None = None
    try:
        with reading() as session:
            kiosk = shopfront.this_kiosk(session)
            kiosk_id = kiosk.id
            household_id = shopfront.scan_household(session, kiosk, raw).id
    except DomainError as exc:
        failure = exc
        household_id = exc.context.get("household_id")
    try:
        with writing() as session:
            shopfront.record_scan(
                session,
                kiosk_id=kiosk_id,
                raw=raw,
                source=source,
                outcome=failure.code if failure else "ok",
                household_id=household_id,
            )
    except Exception as exc:
        log.warning("scan not logged: %r", exc)

    if failure is not None:
        # Whoever stands at the kiosk now is not the household shown before.
        visit.forget()
        return error_screen(failure.code, opens_on=failure.context.get("opens_on"))
    if current is not None and current.household_id == household_id and current.step != "done":
        visit.save(current)  # the same passbook again (the camera saw it twice): carry on
        return current_screen(current)
    return current_screen(visit.start(household_id), sound="scan")
