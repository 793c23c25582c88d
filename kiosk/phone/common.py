"""What the phone pages share: the blueprint and its headers (no outside requests), the
template helpers, the ranking and notice shared by phones for a minute, refusal pages and the
signed-in guard. The household's pages are in views, the village's public pages in public.
"""

from __future__ import annotations

import datetime as dt
import functools
import time

from flask import (
    Blueprint,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from kiosk import i18n
from shop import clock, transparency
from shop.errors import MESSAGES, DomainError
from shop.ledger import sentences
from shop.words import N_

from . import access
from .access import COOKIE

bp = Blueprint("phone", __name__, url_prefix="/m")

CSP = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "style-src 'self'; media-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Why the points moved, when no deed names it.
ENTRY_KINDS = {
    "award": N_("加分"),
    "deduction": N_("扣分"),
    "redemption": N_("兑换商品"),
    "void": N_("小票作废，积分退回"),
    "year_end": N_("年终积分处理"),
    "genesis": N_("期初积分"),
    "transfer": N_("分户合户转移"),
}
RANKING_SHOWN = 50  # places on the phone's ranking; the household's own place always shows
APPLICATION_STATES = {
    "pending": N_("等待评定"),
    "approved": N_("已通过"),
    "rejected": N_("未通过"),
}


@bp.after_request
def _phone_headers(response):
    # No outside requests; the sign-in link (with its code) never leaves as a Referer.
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.app_template_global()
def phone_entry(entry) -> str:
    """Why the points moved: the deed's name, else what happened (with the receipt number)."""
    if entry.rule is not None:
        return i18n.rule_name(entry.rule)
    kind = entry.journal.kind
    label = _(ENTRY_KINDS[kind]) if kind in ENTRY_KINDS else memo_words(entry.journal)
    if kind in ("redemption", "void") and entry.journal.ref:
        return f"{label} {entry.journal.ref}"
    if kind in ("award", "deduction") and entry.journal.memo:
        return f"{label}：{memo_words(entry.journal)}"
    return label


def memo_words(journal) -> str:
    """A journal memo as its sentence in the reader's language (shop.ledger.sentences); a
    person's own note as written."""
    said = sentences.say(journal.kind, journal.ref, journal.memo or "")
    return journal.memo or "" if said is None else sentences.filled(said, _)


@bp.app_template_global()
def phone_state(state: str) -> str:
    return _(APPLICATION_STATES.get(state, state))


@bp.app_template_global()
def phone_day(moment) -> str:
    if moment is None:
        return ""
    if hasattr(moment, "hour"):
        moment = clock.local(moment).date()
    return i18n.day(moment)


def notice_month() -> tuple[int, int, bool]:
    """This month's notice as it stands, or last month's (?last=1), which no longer changes."""
    today = clock.today()
    if request.args.get("last") == "1":
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.year, last.month, True
    return today.year, today.month, False


RANKING_TTL_S = 60


def _for_a_minute(name: str, key: tuple, make):
    """What `make()` returns, made at most once a minute per key and shared by every phone."""
    cache = current_app.extensions.setdefault(name, {})
    found = cache.get(key)
    now = time.monotonic()
    if found and now - found[0] < RANKING_TTL_S:
        return found[1]
    made = make()
    cache[key] = (now, made)
    return made


def village_ranking(session, village_id: int, year: int):
    """The village's ranking for a year, computed at most once a minute per village: many
    phones open it at once after a notice goes up, and a ranking a minute old is still true
    enough for a phone (the kiosk and the back-office compute their own)."""
    return _for_a_minute(
        "phone_rankings",
        (village_id, year),
        lambda: transparency.annual_ranking(session, village_id, year, clock.zone()),
    )


def village_notice(session, village_id: int, year: int, month: int):
    """The village's monthly notice, shared by phones for a minute like the ranking (it lists
    every household: a large village takes a while to read)."""
    return _for_a_minute(
        "phone_notices",
        (village_id, year, month),
        lambda: transparency.monthly_notice(session, village_id, year, month, clock.zone()),
    )


def ranking_rows(made) -> list:
    """The top places with points (a tie at the last place keeps everyone tied, but never more
    than twice the places: a new year where nobody has points yet lists nobody)."""
    return [r for r in made.top(RANKING_SHOWN) if r.points != 0][: RANKING_SHOWN * 2]


def refusal(exc: DomainError | str, status: int | None = None):
    code = exc if isinstance(exc, str) else exc.code
    return (
        render_template("phone/refused.html", message=i18n.error_text(exc), code=code),
        status or MESSAGES[code][0],
    )


def signed_in(view):
    """A household page: the phone must be signed in (else the page that says how)."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        phone = access.current_phone()
        if phone is None:
            response = make_response(render_template("phone/signin.html"), 401)
            if request.cookies.get(COOKIE):
                response.delete_cookie(COOKIE, path="/m")  # revoked or forged: forget it
            return response
        return view(phone, *args, **kwargs)

    return wrapped


@bp.app_template_global()
def phone_goods_picture(product) -> str:
    """A product's picture: the demo's drawings are static files, uploaded ones come through
    this blueprint (the phone's village only)."""
    picture = product.picture or "goods/_default.svg"
    if not picture.startswith("pictures/"):
        return url_for("static", filename=picture)
    return url_for("phone.goods_picture", product_id=product.id)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    return refusal(exc)


@bp.errorhandler(CSRFError)
def _stale_form(_exc):
    """A form from a page left open past its session (the phone slept for a day): say so in
    words, with the way home, nothing sent."""
    return refusal("phone_page_stale")
