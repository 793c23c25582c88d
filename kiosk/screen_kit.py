"""What every kiosk screen is drawn with (兑换机屏幕): the blueprint, one screen per error, the
household's goods and the done screen, the page's template globals and error handlers. The routes
live in kiosk.screens (the visit: goods, PIN, confirm, receipt) and kiosk.scan_screens (scans).

Every screen is a partial whose root is `<section id="screen">`; htmx swaps it whole. State is
server-side (kiosk.visit); forms only echo the visit's nonce and, on confirm, the idempotency key
the page made.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from shop.errors import DomainError
from shop.households import family, pins, visitors
from shop.models import Household, PrintJob, Product, Redemption
from shop.points import honour
from shop.points import review as points_review
from shop.redemptions import MAX_QTY_PER_LINE

from . import i18n, shopfront, visit
from .db import reading
from .htmx import render_screen
from .printing import PrintOutcome, in_flight, receipt_html

log = logging.getLogger(__name__)

bp = Blueprint("screens", __name__)

# Error code -> (picture, which way back). "start": the waiting screen; "basket": back to the
# goods with the basket kept; "retry": the same screen again.
ERROR_SCREENS = {
    "unknown_code": ("unknown-code", "start"),
    "damaged_code": ("unknown-code", "start"),
    "scanner_layout": ("problem", "start"),
    "passbook_revoked": ("passbook-lost", "start"),
    "passbook_void": ("passbook-lost", "start"),
    "query_code_cannot_redeem": ("unknown-code", "start"),
    "household_inactive": ("household-paused", "start"),
    "household_locked": ("locked", "start"),
    "insufficient_points": ("not-enough", "basket"),
    "out_of_stock": ("out-of-stock", "basket"),
    "product_inactive": ("out-of-stock", "basket"),
    "empty_basket": ("out-of-stock", "basket"),
    "invalid_quantity": ("out-of-stock", "basket"),
    "outside_window": ("shop-closed", "start"),
    "day_closed": ("shop-closed", "start"),
    "limit_reached": ("out-of-stock", "basket"),
    "database_unavailable": ("database", "retry"),
    "storage_unavailable": ("database", "retry"),
    "database_busy": ("database", "retry"),
    "unknown_kiosk": ("problem", "start"),
    "clock_behind": ("problem", "start"),
    "session_expired": ("problem", "reload"),
    "problem": ("problem", "reload"),
}
SCAN_SOURCES = ("wedge", "camera", "usb", "api", "test")
CSP = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; media-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@bp.after_request
def _no_outside_requests(response):
    # The kiosk works with no internet, and a page that cannot reach outside cannot leak either.
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


# --- screens --------------------------------------------------------------------------------


def error_screen(
    code: str,
    *,
    status: int | None = None,
    sound: str | None = "error",
    item: str | None = None,
    opens_on: dt.date | None = None,
):
    picture, way_back = ERROR_SCREENS.get(code, ERROR_SCREENS["problem"])
    if code in ERROR_SCREENS and code not in ("session_expired", "problem"):
        message = i18n.error_text(code)
        status = status or DomainError(code).status
    else:
        message = ""
        status = status or 500
    return render_screen(
        "kiosk/_error.html",
        status=status,
        sound=sound,
        code=code,
        picture=picture,
        way_back=way_back,
        message=message,
        item_name=item,
        opens_on=i18n.day(opens_on) if opens_on else None,
        visit=visit.current(),
    )


def waiting_screen(*, sound: str | None = None, status: int = 200):
    notices = shopfront.notices(current_app, reading)
    return render_screen("kiosk/_waiting.html", status=status, sound=sound, notices=notices)


def shop_context(session, current: visit.Visit, *, entries: bool = False) -> dict:
    household = session.get(Household, current.household_id)
    products = shopfront.goods(session, household.village_id)
    basket = shopfront.basket_of(household.balance, products, current.basket)
    return {
        "entries": shopfront.recent_entries(session, household) if entries else [],
        # Approved but still 公示中: shown apart, never spendable until the period ends.
        "pending_points": points_review.pending_points(session, household.id),
        "applications": shopfront.applications_of(session, household) if entries else [],
        "max_qty": MAX_QTY_PER_LINE,
        "closed": closed_notice(session, household) if entries else None,
        # 荣誉积分, where the village shows it: earned by deeds, never spent.
        "honour": (
            honour.total(session, household.id)
            if entries and honour.shown(session, household.village_id)
            else None
        ),
        "visit": current,
        "household": household,
        "products": products,
        "basket": basket,
        "tiles": shopfront.tiles(products, basket, shopfront.allowances(session, household)),
    }


CLOSED_TITLES = {
    "outside_window": lambda: _("Not a redemption day"),
    "day_closed": lambda: _("The shop has closed for today"),
}


def closed_notice(session, household: Household) -> dict | None:
    """The notice that takes the goods' place when the shop is not redeeming now."""
    closed = shopfront.closed_now(session, shopfront.this_kiosk(session), household.village_id)
    if closed is None:
        return None
    return {
        "code": closed.code,
        "title": CLOSED_TITLES[closed.code](),
        "opens_on": i18n.day(closed.opens_on) if closed.opens_on else None,
    }


def pin_required(household: Household, total: int) -> bool:
    """The shop's PIN policy (shop.households.pins) with this kiosk's PIN_POLICY setting."""
    return pins.pin_required(household, total, current_app.config.get("PIN_POLICY"))


def current_screen(current: visit.Visit | None, *, sound: str | None = None, notice=None):
    """Whatever the visit is at: the screen a reload, a stale form or a repeat scan shows."""
    if current is None:
        return waiting_screen(sound=sound)
    if current.offer is not None:
        return switch_screen(current, current.offer)
    try:
        with reading() as session:
            ctx = shop_context(session, current, entries=current.step == "shop")
            if not ctx["household"].is_active or ctx["household"].is_pin_locked:
                visit.forget()
                return waiting_screen()
            if current.step == "who":
                return who_screen(session, current, ctx["household"], sound=sound)
            if current.step == "done" and current.receipt_id:
                return done_screen(session, current, None, sound=sound)
            if current.step == "confirm" and ctx["basket"].lines:
                return render_screen("kiosk/_confirm.html", sound=sound, **ctx)
            if current.step == "pin":
                return render_screen("kiosk/_pin.html", sound=sound, check=None, **ctx)
            return render_screen("kiosk/_household.html", sound=sound, notice=notice, **ctx)
    except DomainError as exc:
        return error_screen(exc.code)


def asks_who_came(session, household: Household) -> bool:
    """Whether a visit begins with 是谁来兑换？: the village asks and the household has members
    who may redeem."""
    return visitors.asks_who_came(session, household.village_id) and bool(
        visitors.redeemers(session, household)
    )


def begin_visit(household_id: int, *, asks_who: bool | None = None):
    """A new household at the screen: its goods, or first 是谁来兑换？ (`asks_who`, when the
    caller read it already with the passbook; else read here)."""
    current = visit.start(household_id)
    if asks_who is None:
        try:
            with reading() as session:
                asks_who = asks_who_came(session, session.get(Household, household_id))
        except DomainError as exc:
            return error_screen(exc.code)
    if asks_who:
        current.step = "who"
        visit.save(current)
    return current_screen(current, sound="scan")


def who_screen(session, current: visit.Visit, household: Household, *, sound=None):
    return render_screen(
        "kiosk/_who.html",
        sound=sound,
        household=household,
        members=visitors.redeemers(session, household),
        relations=family.RELATIONS,
        visit=current,
    )


def switch_screen(current: visit.Visit, household_id: int):
    """换成…？ with the visit's basket kept until the answer."""
    try:
        with reading() as session:
            household = session.get(Household, current.household_id)
            other = session.get(Household, household_id)
            return render_screen(
                "kiosk/_switch.html",
                sound="scan",
                household=household,
                other=other,
                basket_count=current.basket_count,
                visit=current,
            )
    except DomainError as exc:
        return error_screen(exc.code)


def done_screen(session, current, outcome: PrintOutcome | None, *, sound=None):
    redemption = session.get(Redemption, current.receipt_id)
    if outcome is None:  # a reload: what the print job says now
        job = session.execute(
            select(PrintJob.state, PrintJob.error)
            .where(PrintJob.redemption_id == redemption.id, PrintJob.kind == "receipt")
            .order_by(PrintJob.id)
            .limit(1)
        ).first()
        outcome = PrintOutcome(*job) if job else PrintOutcome(redemption.print_state)
    lines = shopfront.redemption_lines(session, redemption.id)
    # 'pending' without an error: the page asks for the print next; 'sent': paper is on its way.
    failed = outcome.state == "failed" or (outcome.state == "pending" and outcome.error)
    on_screen = receipt_html(redemption.id) if failed else None
    return render_screen(
        "kiosk/_done.html",
        sound=sound,
        redemption=redemption,
        lines=lines,
        outcome=outcome,
        in_flight=in_flight(outcome.job_id),
        receipt=on_screen,
        household=session.get(Household, redemption.household_id),
        visit=current,
    )


def item_name(exc: DomainError) -> str | None:
    """The goods an out-of-stock refusal is about, in the screen's language."""
    sku = exc.detail if exc.code in ("out_of_stock", "product_inactive") else None
    if not sku:
        return None
    try:
        with reading() as session:
            product = session.scalar(select(Product).where(Product.sku == sku).limit(1))
            return i18n.product_name(product) if product else None
    except DomainError:
        return exc.context.get("sku_name")


BASKET_REFUSALS = ("insufficient_points", "out_of_stock", "product_inactive", "limit_reached")


def refit_basket(current: visit.Visit, code: str):
    """A basket refused at the last step (someone took the last broom, points were deducted):
    cut it to what can be had now, and say so in the basket bar, back on the goods. The same
    basket is never offered for confirming again."""
    try:
        with reading() as session:
            household = session.get(Household, current.household_id)
            products = shopfront.goods(session, household.village_id)
            fitted, trims = shopfront.fit_basket(
                household.balance,
                products,
                current.basket,
                shopfront.allowances(session, household),
            )
            notice = trim_notice(trims) if trims else i18n.error_text(code)
            current.basket, current.step = fitted, "shop"
            visit.save(current)
            ctx = shop_context(session, current, entries=True)
    except DomainError as exc:
        return error_screen(exc.code)
    return render_screen(
        "kiosk/_household.html", status=409, sound="error", notice=notice, refused=code, **ctx
    )


def stale(current: visit.Visit | None):
    """A form from an earlier visit (another household, or before a reset): show what is now."""
    return current_screen(current, sound="error")


def at_step(current: visit.Visit | None, *steps: str) -> bool:
    """Whether the posted form is the current visit's (its nonce) and the visit is at one of
    `steps` (at any step when none is named)."""
    return visit.is_current(current, request.form.get("visit")) and (
        not steps or current.step in steps
    )


def visit_at(*steps: str):
    """A route's visit guard: the view runs with the current visit only for a form of that visit
    at one of `steps` (any step when none is named); any other form gets `stale`."""

    def guard(view):
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            current = visit.current()
            if not at_step(current, *steps):
                return stale(current)
            return view(current, *args, **kwargs)

        return guarded

    return guard


def trim_notice(trims: list[shopfront.Trim]) -> str:
    """What the basket bar says after a line was cut: 扫帚只剩1把，已改为1把."""
    said = []
    for trim in trims:
        args = {
            "name": i18n.product_name(trim.product),
            "kept": trim.kept,
            "unit": i18n.unit_name(trim.product.unit),
        }
        if trim.reason == "out_of_stock":
            said.append(
                _("Only %(kept)s %(unit)s of %(name)s left: changed to %(kept)s", **args)
                if trim.kept
                else _("%(name)s is sold out: taken out of the basket", **args)
            )
        elif trim.reason == "limit_reached":
            said.append(
                _("%(name)s is limited: changed to %(kept)s %(unit)s", **args)
                if trim.kept
                else _("No more %(name)s this period: taken out of the basket", **args)
            )
        elif trim.reason == "insufficient_points":
            said.append(
                _("Not enough points: %(name)s changed to %(kept)s %(unit)s", **args)
                if trim.kept
                else _("Not enough points: %(name)s taken out of the basket", **args)
            )
        else:
            said.append(_("At most %(kept)s %(unit)s of %(name)s at a time", **args))
    return _("; ").join(said)


@bp.errorhandler(CSRFError)
def handle_csrf_error(exc: CSRFError):
    """The page's token no longer matches its session (e.g. the secret changed): start over."""
    log.info("kiosk CSRF refusal: %s", exc.description)
    return error_screen("session_expired", status=400)


@bp.errorhandler(500)
def handle_unexpected(exc):
    log.error("kiosk screen failed: %r", getattr(exc, "original_exception", exc))
    return error_screen("problem", status=500)
