"""Scans at the kiosk: a passbook opens its household; a stray scan mid-visit keeps the visit."""

from __future__ import annotations

import logging

from flask import request, url_for
from flask_babel import gettext as _

from shop.errors import DomainError
from shop.households import codes, visitors
from shop.models import Household

from . import shopfront, visit
from .db import reading, writing
from .htmx import no_content, notice_only, redirect_page
from .scan_events import claim_scan
from .screen_kit import (
    SCAN_SOURCES,
    asks_who_came,
    begin_visit,
    bp,
    current_screen,
    error_screen,
    stale,
    switch_screen,
    visit_at,
)

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

    code = codes.normalize(raw)
    if code is not None and codes.kind_of(code) == "badge":
        return _staff_badge(code, source)
    layout_wrong = request.form.get("layout") == "wrong"

    current = visit.current()
    mid_visit = current is not None and current.step != "done"
    kiosk_id = household_id = None
    asks_who = False
    failure: DomainError | None = None
    try:
        with reading() as session:
            kiosk = shopfront.this_kiosk(session)
            kiosk_id = kiosk.id
            household = shopfront.scan_household(session, kiosk, raw)
            household_id = household.id
            if not (mid_visit and (current.household_id == household_id or current.basket)):
                # A visit begins (below): whether it asks who came is read with the passbook.
                asks_who = asks_who_came(session, household)
    except DomainError as exc:
        failure = exc
        household_id = exc.context.get("household_id")
        if layout_wrong and exc.code in STRAY:
            failure = DomainError("scanner_layout", exc.detail)
    _log_scan(kiosk_id, raw, source, failure.code if failure else "ok", household_id)

    if failure is not None:
        if mid_visit and failure.code in STRAY:
            # A goods barcode, a held-down key, a card that is no passbook: the visit goes on.
            visit.save(current)
            return notice_only(stray_notice(failure.code), sound="error")
        # Whoever stands at the kiosk now is not the household shown before.
        visit.forget()
        return error_screen(failure.code, opens_on=failure.context.get("opens_on"))
    if mid_visit and current.household_id == household_id:
        current.offer = None
        visit.save(current)  # the same passbook again (the camera saw it twice): carry on
        return current_screen(current)
    if mid_visit and current.basket:
        # Another household's passbook while goods are chosen: ask, keeping the basket meanwhile.
        current.offer = household_id
        visit.save(current)
        return switch_screen(current, household_id)
    return begin_visit(household_id, asks_who=asks_who)


# Codes a scan mid-visit can bring without anyone new at the kiosk.
STRAY = ("unknown_code", "damaged_code", "query_code_cannot_redeem", "scanner_layout")


def stray_notice(code: str) -> str:
    """The small notice over the screen after a stray scan mid-visit."""
    if code == "scanner_layout":
        return _("The scanner's keyboard setting is wrong: please ask the staff. Nothing changed.")
    if code == "damaged_code":
        return _("That did not scan well. Nothing changed: scan again if it was a passbook.")
    return _("That was not a passbook of this shop. Nothing changed.")


def _log_scan(kiosk_id, raw, source, outcome, household_id) -> None:
    try:
        with writing() as session:
            shopfront.record_scan(
                session,
                kiosk_id=kiosk_id,
                raw=raw,
                source=source,
                outcome=outcome,
                household_id=household_id,
            )
    except Exception as exc:
        log.warning("scan not logged: %r", exc)


@bp.post("/switch")
@visit_at()
def switch_household(current: visit.Visit):
    """The answer to 换成…？: `yes` starts the other household's visit, `no` goes back to the
    basket as it was."""
    if current.offer is None:
        return stale(current)
    if request.form.get("answer") == "yes":
        return begin_visit(current.offer)
    current.offer = None
    visit.save(current)
    return current_screen(current)


@bp.post("/who")
@visit_at("who")
def who_came(current: visit.Visit):
    """The answer to 是谁来兑换？: one of the household's members who may redeem."""
    try:
        with reading() as session:
            household = session.get(Household, current.household_id)
            allowed = {m.id for m in visitors.redeemers(session, household)}
    except DomainError as exc:
        return error_screen(exc.code)
    chosen = request.form.get("member", "")
    if not chosen.isdigit() or int(chosen) not in allowed:
        return current_screen(current, sound="error")
    current.member_id, current.step = int(chosen), "shop"
    visit.save(current)
    return current_screen(current)


def _staff_badge(code: str, source: str):
    """A staff badge at the kiosk: the back-office's badge sign-in, with the badge already read;
    the villager's visit (if any) ends, as with anyone new at the screen."""
    _log_scan(None, code, source, "badge", None)
    token = visit.hold_badge(codes.code_hash(code))
    return redirect_page(url_for("backoffice.badge_login", t=token))
