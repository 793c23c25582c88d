"""The villager's visit on the touchscreen: goods, PIN, confirm, the receipt, and going back.
Thin routes: read the visit, call the shop, map its error code to a screen (kiosk.screen_kit).
"""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import gettext as _

from shop import clock, redemptions
from shop.errors import DomainError
from shop.households import pins, visitors
from shop.models import Household, Rule
from shop.points import activities

from . import i18n, shopfront, visit
from .db import reading, writing
from .htmx import no_content, refresh_page, render_fragment, render_screen
from .printing import print_queued, queue_receipt
from .screen_kit import (
    BASKET_REFUSALS,
    at_step,
    bp,
    current_screen,
    done_screen,
    error_screen,
    item_name,
    pin_required,
    refit_basket,
    shop_context,
    stale,
    trim_notice,
    visit_at,
    waiting_screen,
)


@bp.get("/")
def index():
    return current_screen(visit.current())


def _wanted_quantities(text: str) -> dict[int, int] | None:
    """`want` from the page: "product:qty,product:qty" (the quantities its taps came to)."""
    changes: dict[int, int] = {}
    for part in text.split(",")[:64]:
        pid, sep, qty = part.partition(":")
        if not sep or not pid.isdigit() or not qty.isdigit():
            return None
        changes[int(pid)] = min(int(qty), 999)
    return changes or None


@bp.post("/basket")
@visit_at("shop")
def change_basket(current: visit.Visit):
    """Taps on the goods: `want` (the quantities the page counted, sent after its taps) or one
    tap's `delta` (+1 / -1) on `product`."""
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
            ctx = shop_context(session, current)
    except DomainError as exc:
        return error_screen(exc.code)
    sound = "error" if notice else None
    fragment = render_fragment("kiosk/_goods_update.html", sound=sound, notice=notice, **ctx)
    return fragment or render_screen("kiosk/_household.html", sound=sound, notice=notice, **ctx)


@bp.post("/review")
@visit_at("shop", "confirm")
def review(current: visit.Visit):
    """'Next' under the basket: the PIN keypad if this basket needs one, else the confirm screen."""
    try:
        with reading() as session:
            ctx = shop_context(session, current)
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
                return refit_basket(current, code)
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
@visit_at("pin")
def enter_pin(current: visit.Visit):
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
            ctx = shop_context(session, current)
    except DomainError as exc:
        return error_screen(exc.code)
    return render_screen("kiosk/_pin.html", status=403, sound="error", check=check, **ctx)


@bp.post("/back")
@visit_at()
def back_to_goods(current: visit.Visit):
    if current.step != "done":
        current.step = "shop"
        visit.save(current)
    return current_screen(current)


@bp.post("/apply")
@visit_at("shop")
def apply_screen(current: visit.Visit):
    """申请积分: the villager picks a good deed from pictures (the panel reviews it later), or
    signs the household up for one of the village's coming activities (活动)."""
    visit.touch()
    return _apply_page(current)


def _apply_page(current: visit.Visit, *, notice: str | None = None, status: int = 200):
    try:
        with reading() as session:
            household = session.get(Household, current.household_id)
            coming = activities.upcoming(session, household.village_id, clock.today())
            return render_screen(
                "kiosk/_apply.html",
                status=status,
                sound="error" if status >= 400 else ("done" if notice else None),
                household=household,
                catalog=shopfront.application_catalog(session, household.village_id),
                coming=coming,
                mine=activities.signed_up(session, household.id, [a.id for a in coming]),
                notice=notice,
                visit=current,
            )
    except DomainError as exc:
        return error_screen(exc.code)


@bp.post("/activity")
@visit_at("shop")
def activity_signup(current: visit.Visit):
    """我家报名: the household on a coming activity's list; the apply screen says so."""
    try:
        activity_id = int(request.form.get("activity", ""))
    except ValueError:
        return error_screen("problem", status=400)
    visit.touch()
    try:
        with writing() as session:
            household = session.get(Household, current.household_id)
            activity = activities.get_activity(session, household.village_id, activity_id)
            activities.sign_up(
                session, activity, household, actor=f"kiosk:{current_app.config['DEVICE']}"
            )
            name = activity.name
    except DomainError as exc:
        return _apply_page(current, notice=i18n.error_text(exc.code), status=exc.status)
    return _apply_page(current, notice=_("Signed up for %(name)s", name=name))


@bp.post("/apply/submit")
@visit_at("shop")
def apply_submit(current: visit.Visit):
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
        return stale(current)
    if current.last_key and current.last_key == key and current.receipt_id:
        return current_screen(current)  # the second tap of a double tap: same receipt
    if not at_step(current, "confirm"):
        return stale(current)
    if not key:
        return error_screen("problem", status=400)
    try:
        with reading() as session:
            earlier = shopfront.redemption_by_key(session, key, current.household_id)
            ctx = shop_context(session, current)
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
                if current.member_id:  # 来兑换的人, with the sale, printed on its receipt
                    visitors.record_visitor(session, redemption_id, current.member_id)
        else:
            redemption_id = earlier.id
    except DomainError as exc:
        if exc.code in BASKET_REFUSALS:
            return refit_basket(current, exc.code)
        return error_screen(exc.code, item=item_name(exc), opens_on=exc.context.get("opens_on"))

    current.step, current.receipt_id, current.last_key = "done", redemption_id, key
    current.basket = {}
    visit.save(current)
    outcome = queue_receipt(redemption_id)
    try:
        with reading() as session:
            return done_screen(session, current, outcome, sound="done")
    except DomainError as exc:
        return error_screen(exc.code)


@bp.post("/print")
@visit_at("done")
def print_receipt(current: visit.Visit):
    """The done screen asks for its receipt as it appears; only the visit's own, and once."""
    if not current.receipt_id:
        return stale(current)
    outcome = print_queued(current.receipt_id)
    try:
        with reading() as session:
            sound = "error" if outcome.state == "failed" else None
            return done_screen(session, current, outcome, sound=sound)
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
