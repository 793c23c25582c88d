"""The villager's touchscreen (兑换机屏幕): waiting, household, PIN, confirm, done, and one screen
per error. Thin routes: read the visit, call the shop, map its error code to a screen.

Every screen is a partial whose root is `<section id="screen">`; htmx swaps it whole. State is
server-side (kiosk.visit); forms only echo the visit's nonce and, on confirm, the idempotency key
the page made.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from flask import Blueprint, abort, current_app, request, send_from_directory, session, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from shop import redemptions
from shop.errors import DomainError
from shop.households import pins
from shop.models import Household, PrintJob, Product, Redemption, Rule, utcnow
from shop.points import review as points_review
from shop.redemptions import MAX_QTY_PER_LINE

from . import i18n, shopfront, visit
from .db import reading, writing
from .htmx import no_content, refresh_page, render_fragment, render_screen
from .printing import PrintOutcome, in_flight, print_queued, queue_receipt, receipt_html
from .scan_events import claim_scan

log = logging.getLogger(__name__)

bp = Blueprint("screens", __name__)

# Error code -> (picture, which way back). "start": the waiting screen; "basket": back to the
# goods with the basket kept; "retry": the same screen again.
ERROR_SCREENS = {
    "unknown_code": ("unknown-code", "start"),
    "damaged_code": ("unknown-code", "start"),
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


def _shop_context(session, current: visit.Visit, *, entries: bool = False) -> dict:
    household = session.get(Household, current.household_id)
    products = shopfront.goods(session, household.village_id)
    basket = shopfront.basket_of(household.balance, products, current.basket)
    return {
        "entries": shopfront.recent_entries(session, household) if entries else [],
        # Approved but still 公示中: shown apart, never spendable until the period ends.
        "pending_points": points_review.pending_points(session, household.id),
        "applications": shopfront.applications_of(session, household) if entries else [],
        "max_qty": MAX_QTY_PER_LINE,
        "closed": None,
        "visit": current,
        "household": household,
        "products": products,
        "basket": basket,
        "tiles": shopfront.tiles(products, basket, shopfront.allowances(session, household)),
    }


def pin_required(household: Household, total: int) -> bool:
    """The shop's PIN policy (shop.households.pins) with this kiosk's PIN_POLICY setting."""
    return pins.pin_required(household, total, current_app.config.get("PIN_POLICY"))


def current_screen(current: visit.Visit | None, *, sound: str | None = None, notice=None):
    """Whatever the visit is at: the screen a reload, a stale form or a repeat scan shows."""
    if current is None:
        return waiting_screen(sound=sound)
    try:
        with reading() as session:
            ctx = _shop_context(session, current, entries=current.step == "shop")
            if not ctx["household"].is_active or ctx["household"].is_pin_locked:
                visit.forget()
                return waiting_screen()
            if current.step == "done" and current.receipt_id:
                return _done_screen(session, current, None, sound=sound)
            if current.step == "confirm" and ctx["basket"].lines:
                return render_screen("kiosk/_confirm.html", sound=sound, **ctx)
            if current.step == "pin":
                return render_screen("kiosk/_pin.html", sound=sound, check=None, **ctx)
            return render_screen("kiosk/_household.html", sound=sound, notice=notice, **ctx)
    except DomainError as exc:
        return error_screen(exc.code)


def _done_screen(session, current, outcome: PrintOutcome | None, *, sound=None):
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


def _item_name(exc: DomainError) -> str | None:
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


def _refit_basket(current: visit.Visit, code: str):
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
            ctx = _shop_context(session, current, entries=True)
    except DomainError as exc:
        return error_screen(exc.code)
    return render_screen(
        "kiosk/_household.html", status=409, sound="error", notice=notice, refused=code, **ctx
    )


def _stale(current: visit.Visit | None):
    """A form from an earlier visit (another household, or before a reset): show what is now."""
    return current_screen(current, sound="error")


# --- routes ---------------------------------------------------------------------------------


@bp.get("/")
def index():
    return current_screen(visit.current())


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


def _wanted_quantities(text: str) -> dict[int, int] | None:
    """`want` from the page: "product:qty,product:qty" (the quantities its taps came to)."""
    changes: dict[int, int] = {}
    for part in text.split(",")[:64]:
        pid, sep, qty = part.partition(":")
        if not sep or not pid.isdigit() or not qty.isdigit():
            return None
        changes[int(pid)] = min(int(qty), 999)
    return changes or None


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


@bp.post("/basket")
def change_basket():
    """Taps on the goods: `want` (the quantities the page counted, sent after its taps) or one
    tap's `delta` (+1 / -1) on `product`."""
    current = visit.current()
    if not visit.is_current(current, request.form.get("visit")) or current.step != "shop":
        return _stale(current)
    changes = _wanted_quantities(request.form.get("want", ""))
    try:
        product_id = int(request.form.get("product", "0"))
        delta = int(request.form.get("delta", "1"))
    except ValueError:
        return current_screen(current, sound="error")
    if changes is None and not product_id:
        return current_screen(current, sound="error")
    try:
        with reading() as session:
            household = session.get(Household, current.household_id)
            products = shopfront.goods(session, household.village_id)
            allowed = shopfront.allowances(session, household)
            if changes is not None:
                basket, trims = shopfront.set_quantities(
                    household.balance, products, current.basket, changes, allowed
                )
                notice = trim_notice(trims)
            else:
                basket, refusal = shopfront.change_basket(
                    household.balance, products, current.basket, product_id, delta, allowed
                )
                notice = refusal and i18n.error_text(
                    shopfront.refusal(
                        refusal, household.balance, products, current.basket, product_id
                    )
                )
            current.basket = basket
            visit.save(current)
            ctx = _shop_context(session, current)
    except DomainError as exc:
        return error_screen(exc.code)
    sound = "error" if notice else None
    fragment = render_fragment("kiosk/_goods_update.html", sound=sound, notice=notice, **ctx)
    return fragment or render_screen("kiosk/_household.html", sound=sound, notice=notice, **ctx)


@bp.post("/review")
def review():
    """'Next' under the basket: the PIN keypad if this basket needs one, else the confirm screen."""
    current = visit.current()
    if not visit.is_current(current, request.form.get("visit")) or current.step not in (
        "shop",
        "confirm",
    ):
        return _stale(current)
    try:
        with reading() as session:
            ctx = _shop_context(session, current)
            basket = ctx["basket"]
            if not basket.lines:
                return render_screen(
                    "kiosk/_household.html",
                    status=422,
                    sound="error",
                    notice=i18n.error_text("empty_basket"),
                    **ctx,
                )
            if not basket.can_confirm:
                code = "insufficient_points" if basket.over_balance else "out_of_stock"
                return _refit_basket(current, code)
            if pin_required(ctx["household"], basket.total) and not current.pin_ok:
                current.step = "pin"
                visit.save(current)
                return render_screen("kiosk/_pin.html", check=None, **ctx)
            current.step = "confirm"
            visit.save(current)
            return render_screen("kiosk/_confirm.html", **ctx)
    except DomainError as exc:
        return error_screen(exc.code)


@bp.post("/pin")
def enter_pin():
    current = visit.current()
    if not visit.is_current(current, request.form.get("visit")) or current.step != "pin":
        return _stale(current)
    pin = request.form.get("pin", "")
    try:
        with writing() as session:
            household = session.get(Household, current.household_id)
            check = pins.check_pin(session, household, pin) if pins.valid_pin(pin) else None
    except DomainError as exc:
        if exc.code == "household_locked":
            visit.forget()
        return error_screen(exc.code)
    if check is not None and check.locked:
        visit.forget()
        return error_screen("household_locked")
    if check is not None and check.ok:
        current.pin_ok = True
        current.step = "confirm"
        visit.save(current)
        return current_screen(current)
    try:
        with reading() as session:
            ctx = _shop_context(session, current)
    except DomainError as exc:
        return error_screen(exc.code)
    return render_screen("kiosk/_pin.html", status=403, sound="error", check=check, **ctx)


@bp.post("/back")
def back_to_goods():
    current = visit.current()
    if not visit.is_current(current, request.form.get("visit")):
        return _stale(current)
    if current.step != "done":
        current.step = "shop"
        visit.save(current)
    return current_screen(current)


@bp.post("/apply")
def apply_screen():
    """申请积分: the villager picks a good deed from pictures; the panel reviews it later."""
    current = visit.current()
    if not visit.is_current(current, request.form.get("visit")) or current.step != "shop":
        return _stale(current)
    visit.touch()
    try:
        with reading() as session:
            household = session.get(Household, current.household_id)
            catalog = shopfront.application_catalog(session, household.village_id)
            return render_screen(
                "kiosk/_apply.html", household=household, catalog=catalog, visit=current
            )
    except DomainError as exc:
        return error_screen(exc.code)


@bp.post("/apply/submit")
def apply_submit():
    current = visit.current()
    if not visit.is_current(current, request.form.get("visit")) or current.step != "shop":
        return _stale(current)
    try:
        rule_id = int(request.form.get("rule", ""))
    except ValueError:
        return error_screen("problem", status=400)
    visit.touch()
    try:
        with writing() as session:
            household = session.get(Household, current.household_id)
            application = shopfront.apply_for_points(
                session, household, rule_id, actor=f"kiosk:{current_app.config['DEVICE']}"
            )
            rule = session.get(Rule, application.rule_id)
            return render_screen(
                "kiosk/_applied.html", sound="done", household=household, rule=rule, visit=current
            )
    except DomainError as exc:
        return error_screen(exc.code)


@bp.post("/confirm")
def confirm():
    """The big button. The page made `key` before submitting: a double tap or a resubmit with
    the same key returns the first receipt, never a second redemption."""
    current = visit.current()
    key = request.form.get("key", "")
    if current is None:
        return _stale(current)
    if current.last_key and current.last_key == key and current.receipt_id:
        return current_screen(current)  # the second tap of a double tap: same receipt
    if not visit.is_current(current, request.form.get("visit")) or current.step != "confirm":
        return _stale(current)
    if not key:
        return error_screen("problem", status=400)
    try:
        with reading() as session:
            earlier = shopfront.redemption_by_key(session, key, current.household_id)
            ctx = _shop_context(session, current)
        if earlier is None:
            basket = ctx["basket"]
            if request.form.get("basket") != basket.signature:
                # The basket changed after the confirm screen was drawn: show it again.
                return current_screen(current, sound="error")
            if pin_required(ctx["household"], basket.total) and not current.pin_ok:
                current.step = "pin"
                visit.save(current)
                return current_screen(current)
            with writing() as session:
                household = session.get(Household, current.household_id)
                kiosk = shopfront.this_kiosk(session)
                redemption_id = redemptions.redeem(
                    session,
                    household,
                    basket.as_skus(),
                    kiosk=kiosk,
                    idempotency_key=key,
                ).id
        else:
            redemption_id = earlier.id
    except DomainError as exc:
        if exc.code in BASKET_REFUSALS:
            return _refit_basket(current, exc.code)
        return error_screen(exc.code, item=_item_name(exc), opens_on=exc.context.get("opens_on"))

    current.step, current.receipt_id, current.last_key = "done", redemption_id, key
    current.basket = {}
    visit.save(current)
    outcome = queue_receipt(redemption_id)
    try:
        with reading() as session:
            return _done_screen(session, current, outcome, sound="done")
    except DomainError as exc:
        return error_screen(exc.code)


@bp.post("/print")
def print_receipt():
    """The done screen asks for its receipt as it appears; only the visit's own, and once."""
    current = visit.current()
    if (
        not visit.is_current(current, request.form.get("visit"))
        or current.step != "done"
        or not current.receipt_id
    ):
        return _stale(current)
    outcome = print_queued(current.receipt_id)
    try:
        with reading() as session:
            sound = "error" if outcome.state == "failed" else None
            return _done_screen(session, current, outcome, sound=sound)
    except DomainError as exc:
        return error_screen(exc.code)


@bp.post("/reset")
def reset():
    """Back to waiting: the idle countdown ran out, or 'finish' / 'back to start' was tapped."""
    visit.forget()
    return waiting_screen()


@bp.post("/still-here")
def still_here():
    visit.touch()
    return no_content()


@bp.post("/lang")
def switch_language():
    chosen = request.form.get("lang")
    session[i18n.SESSION_KEY] = chosen if chosen in i18n.LANGS else i18n.other_locale()
    visit.touch()
    return refresh_page()


@bp.post("/sound")
def toggle_sound():
    session[visit.MUTE_KEY] = not session.get(visit.MUTE_KEY, False)
    visit.touch()
    return render_fragment("kiosk/_sound_toggle.html") or refresh_page()


@bp.app_template_global()
def goods_picture(product) -> str:
    """The URL of a product's picture: the demo's drawings are static files; pictures the
    volunteer uploaded live in the instance folder (with their time, so a new one shows)."""
    picture = product.picture or "goods/_default.svg"
    if not picture.startswith("pictures/"):
        return url_for("static", filename=picture)
    path = Path(current_app.instance_path) / picture
    version = int(path.stat().st_mtime) if path.exists() else 0
    return url_for("screens.uploaded_picture", product_id=product.id, v=version)


@bp.get("/goods/<int:product_id>/picture")
def uploaded_picture(product_id: int):
    """Only a product's own uploaded picture, never another file of the instance folder."""
    with reading() as session:
        product = session.get(Product, product_id)
        picture = product.picture if product else None
    if not picture or not picture.startswith("pictures/"):
        abort(404)
    response = send_from_directory(current_app.instance_path, picture, max_age=3600)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.app_template_global()
def entry_date(moment) -> str:
    """3月12日 / 12 Mar, with the year only when it is not this year's."""
    this_year = format_date(utcnow(), "yyyy") == format_date(moment, "yyyy")
    if i18n.lang() == "en":
        return format_date(moment, "d MMM" if this_year else "d MMM yyyy")
    return format_date(moment, "M月d日" if this_year else "yyyy年M月d日")


ENTRY_KINDS = {
    "redemption": lambda: _("Goods taken"),
    "void": lambda: _("Receipt cancelled, points back"),
    "award": lambda: _("Points awarded"),
    "deduction": lambda: _("Points deducted"),
    "year_end": lambda: _("Year end"),
    "genesis": lambda: _("Opening balance"),
}


@bp.app_template_global()
def entry_label(entry) -> str:
    """Why the points moved: the rule's name, else what kind of event it was."""
    if entry.rule is not None:
        return i18n.rule_name(entry.rule)
    kind = entry.journal.kind
    label = ENTRY_KINDS.get(kind, lambda: entry.journal.memo or kind)()
    if kind in ("redemption", "void") and entry.journal.ref:
        return f"{label} {entry.journal.ref}"
    return label


@bp.app_context_processor
def _kiosk_globals():
    config = current_app.config
    return {
        "idle_seconds": int(config.get("IDLE_SECONDS") or 30),
        "wedge_pause_ms": int(config.get("WEDGE_PAUSE_MS") or 800),
        "wedge_fast_ms": int(config.get("WEDGE_FAST_MS") or 50),
        "sounds_on": bool(config.get("SOUNDS")) and not session.get(visit.MUTE_KEY, False),
        "sounds_enabled": bool(config.get("SOUNDS")),
    }


@bp.errorhandler(CSRFError)
def handle_csrf_error(exc: CSRFError):
    """The page's token no longer matches its session (e.g. the secret changed): start over."""
    log.info("kiosk CSRF refusal: %s", exc.description)
    return error_screen("session_expired", status=400)


@bp.errorhandler(500)
def handle_unexpected(exc):
    log.error("kiosk screen failed: %r", getattr(exc, "original_exception", exc))
    return error_screen("problem", status=500)
