"""Small helpers every back-office view uses: the village, errors as words, page-or-fragment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from flask import flash, make_response, redirect, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from kiosk import i18n
from kiosk.db import writing
from kiosk.htmx import page_or_fragment, wants_fragment
from shop import clock
from shop.errors import DomainError
from shop.ledger import sentences
from shop.models import Village


def village(session) -> Village:
    """The signed-in staff member's village; staff without one work in the first village."""
    if current_user.village_id is not None:
        found = session.get(Village, current_user.village_id)
    else:
        found = session.scalar(select(Village).order_by(Village.id).limit(1))
    if found is None:
        raise DomainError("unknown_village")
    return found


def tz() -> dt.tzinfo:
    return clock.zone()


def today() -> dt.date:
    return clock.today()


def error_text(exc: DomainError) -> str:
    """The refusal in the reader's language, with its detail when that is meant for people
    (kiosk.i18n.detail_for_people), translated; a detail in the log's words stays in the log."""
    text = i18n.error_text(exc)
    detail = i18n.detail_for_people(exc)
    if detail is None:
        return text
    return f"{text} ({gettext(detail)})" if i18n.lang() == "en" else f"{text}（{gettext(detail)}）"


def said(said: sentences.Said | None) -> str:
    """A sentence of the journal (shop.ledger.sentences) in the reader's language."""
    from .access import ROLE_NAMES

    if said is None:
        return ""
    return sentences.filled(said, gettext, lambda role: gettext(ROLE_NAMES.get(role, role)))


class JournalWords(NamedTuple):
    kind: str  # the kind as the shop names it: an application decision reads as an application
    what: str  # its reference in words (staff by name), then its memo as a sentence


def journal_words(row, kinds: dict[str, str], names: dict[str, str]) -> JournalWords:
    """What a journal row says, its memo read once: the kind in words, then the reference and
    the memo as a sentence (or as the person typed it)."""
    memo = sentences.say(row.kind, row.ref, row.memo)
    kind = gettext(memo.kind if memo and memo.kind else kinds.get(row.kind, row.kind))
    ref = sentences.ref_said(row.ref, row.kind, names)
    parts = [said(ref) or row.ref, said(memo) if memo else row.memo]
    return JournalWords(kind, " · ".join(p for p in parts if p))


def journal_who(actor: str, names: dict[str, str]) -> str:
    return said(sentences.actor_said(actor, names))


def flash_error(exc: DomainError) -> None:
    flash(error_text(exc), "error")


@contextmanager
def saving(ok: str) -> Iterator:
    """A form's change in one transaction: `ok` flashed when it commits, a refusal flashed in the
    reader's words (nothing written) instead of raised; the view then answers the same way."""
    try:
        with writing() as db:
            yield db
    except DomainError as exc:
        flash_error(exc)
    else:
        flash(ok, "ok")


def is_htmx() -> bool:
    return wants_fragment()


def render(template: str, partial: str | None = None, *, http_status: int = 200, **context):
    """The partial alone for htmx, the whole page otherwise (kiosk.htmx: one rule for all)."""
    return page_or_fragment(template, partial, http_status=http_status, **context)


def form_int(name: str, default: int | None = None) -> int | None:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        return default


def parse_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def done(url: str):
    """After a committing POST: htmx navigates (HX-Redirect), a plain form gets a 303."""
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


def refused_status() -> int:
    """A refused form: 422 for a plain browser, 200 for htmx (which swaps only 2xx answers)."""
    return 200 if is_htmx() else 422


def attachment(response, filename: str, *, inline: bool = False):
    """Content-Disposition by Werkzeug's helper (quoted, RFC 5987 for Chinese names), with any
    control character in the name replaced: a stored name never becomes a header of its own."""
    safe = "".join("_" if ord(ch) < 32 or ord(ch) == 127 else ch for ch in filename)
    response.headers.set("Content-Disposition", "inline" if inline else "attachment", filename=safe)
    return response
