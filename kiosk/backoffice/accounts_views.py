"""Sign-in (password or staff badge + PIN), sign-out, home, and the admin's staff page."""

from __future__ import annotations

import time

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from kiosk import visit
from kiosk.db import reading, writing
from shop import staff
from shop.errors import DomainError
from shop.models import Kiosk, StaffUser
from shop.scope import Scope
from shop.staff import accounts
from shop.words import N_

from . import throttle
from .access import ALL_ROLES, Staff, bp, public, roles_required
from .common import flash_error, saving, village
from .throttle import Throttle

GENERIC_REFUSAL = N_("没能登录：用户名或密码不对，或者试错太多次，请过几分钟再试。")


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/backoffice/") and not target.startswith("//"):
        return target
    return url_for("backoffice.home")


def _throttle() -> Throttle:
    return current_app.extensions.setdefault("kiosk_signin_throttle", Throttle())


def _refused(template: str, status: int = 401):
    """One answer for every refused sign-in: it never says whether the name exists."""
    return render_template(template, error=_(GENERIC_REFUSAL), code="refused"), status


def _signed_in(template: str, name: str, attempt):
    """Run a sign-in attempt unless this name or this client must wait; count the outcome."""
    keys = throttle.keys(name, request.remote_addr)
    if _throttle().wait(keys) > 0:
        return None, _refused(template, 429)
    result = attempt()
    if not result.ok:
        _throttle().failed(keys)
        if result.code == "bad_badge":  # a card that is not a staff badge: say so
            return None, (render_template(template, error=_(result.text), code=result.code), 401)
        return None, _refused(template)
    _throttle().succeeded(keys[0])
    return result, None


def _finish_sign_in(result: accounts.SignIn, template: str):
    if not result.ok:
        return _refused(template)
    session.pop("_fresh", None)
    session["staff_since"] = session["staff_seen"] = int(time.time())
    login_user(Staff(result.user))
    return redirect(_safe_next(request.args.get("next")), 303)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if request.method == "GET":
        from .setup_views import needs_first_run

        if needs_first_run():
            return redirect(url_for("backoffice.setup"), 303)
        return render_template("backoffice/login.html")
    # Finding who signs in is the operator's lookup: no caller, so no scope yet.
    name = request.form.get("username", "")

    def attempt():
        with writing(Scope.everything()) as db:
            return accounts.sign_in_password(db, name, request.form.get("password", ""))

    result, refusal = _signed_in("backoffice/login.html", name, attempt)
    return refusal or _finish_sign_in(result, "backoffice/login.html")


@bp.route("/badge", methods=["GET", "POST"])
@public
def badge_login():
    """On the kiosk: the badge scanned at its screen (or into the field here), then the PIN."""
    token = request.values.get("t", "")
    scanned = visit.held_badge(token)
    if request.method == "GET":
        return render_template("backoffice/badge.html", scanned=scanned is not None, token=token)
    badge = request.form.get("badge", "")

    def attempt():
        with writing(Scope.everything()) as db:
            if scanned and not badge:
                return accounts.sign_in_badge_hash(db, scanned, request.form.get("pin", ""))
            return accounts.sign_in_badge(db, badge, request.form.get("pin", ""))

    name = "badge:" + (badge[:32] or (scanned or "")[:32])
    result, refusal = _signed_in("backoffice/badge.html", name, attempt)
    if refusal:
        return refusal
    if scanned:
        visit.drop_badge(token)
        session[visit.FROM_KIOSK_KEY] = True
    return _finish_sign_in(result, "backoffice/badge.html")


@bp.route("/logout", methods=["POST"])
@roles_required(*ALL_ROLES)
def logout():
    with writing(Scope.everything()) as db:  # one's own account, whichever village it is in
        accounts.end_sessions(db, accounts.get_staff(db, current_user.user_id))
    logout_user()
    if session.pop(visit.FROM_KIOSK_KEY, None) or request.form.get("to") == "kiosk":
        return redirect(url_for("screens.index"), 303)  # back to the villagers' screen
    return redirect(url_for("backoffice.login"), 303)


@bp.route("/lang", methods=["POST"])
@public
def set_lang():
    chosen = request.form.get("lang")
    session["lang"] = "en" if chosen == "en" else "zh_CN"
    return redirect(_safe_next(request.form.get("next")), 303)


@bp.route("/")
@roles_required(*ALL_ROLES)
def home():
    from shop.points import pending_applications

    from .reports_views import dashboard_context

    if current_user.role == "recorder":  # a recorder's back-office is the recording page
        return redirect(url_for("backoffice.record_page"))
    if current_user.is_region and current_user.picked is None:  # a township's: its villages
        return redirect(url_for("backoffice.district_home"))
    with reading() as db:
        v = village(db)
        pending = len(pending_applications(db, v.id))
        dash = dashboard_context(db, v)
    return render_template("backoffice/home.html", village=v, pending=pending, **dash)


# --- admin: staff ------------------------------------------------------------------------------


@bp.route("/staff")
@roles_required("admin")
def staff_list():
    with reading() as db:
        users = list(db.scalars(select(StaffUser).order_by(StaffUser.username)))
    return render_template("backoffice/staff.html", users=users, roles=staff.ROLES)


@bp.route("/staff", methods=["POST"])
@roles_required("admin")
def staff_add():
    from shop.points.review import parse_groups

    form = request.form
    with saving(_("已保存")) as db:
        user = staff.create_staff(
            db,
            form.get("username", ""),
            form.get("role", ""),
            form.get("password", ""),
            village=village(db),
            display_name=form.get("display_name", "").strip(),
            pin=form.get("pin") or None,
            actor=current_user.actor,
        )
        groups = parse_groups(form.get("groups", ""))
        if groups:
            accounts.set_staff_groups(db, user, groups, actor=current_user.actor)
    return redirect(url_for("backoffice.staff_list"), 303)


def _staff_action(user_id: int, action):
    try:
        with writing() as db:
            result = action(db, accounts.get_staff(db, user_id))
        flash(_("已保存"), "ok")
        return result
    except DomainError as exc:
        flash_error(exc)
        return None


@bp.route("/staff/<int:user_id>/unlock", methods=["POST"])
@roles_required("admin")
def staff_unlock(user_id: int):
    _staff_action(user_id, lambda db, u: accounts.unlock_staff(db, u, actor=current_user.actor))
    return redirect(url_for("backoffice.staff_list"), 303)


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@roles_required("admin")
def staff_active(user_id: int):
    active = request.form.get("active") == "1"
    _staff_action(
        user_id, lambda db, u: accounts.set_staff_active(db, u, active, actor=current_user.actor)
    )
    return redirect(url_for("backoffice.staff_list"), 303)


@bp.route("/staff/<int:user_id>/badge", methods=["POST"])
@roles_required("admin")
def staff_badge(user_id: int):
    """Issue a badge and show its code once (to print); only its hash is kept."""
    pin = request.form.get("pin") or None
    holder = {}

    def issue(db, user):
        holder["name"] = user.display_name or user.username
        return accounts.issue_badge(db, user, actor=current_user.actor, pin=pin)

    code = _staff_action(user_id, issue)
    if code is None:
        return redirect(url_for("backoffice.staff_list"), 303)
    from hardware.printing import qr_data_uri

    return render_template(
        "backoffice/badge_issued.html", code=code, name=holder["name"], qr=qr_data_uri(code)
    )


@bp.route("/staff/<int:user_id>/groups", methods=["POST"])
@roles_required("admin")
def staff_groups(user_id: int):
    from shop.points.review import parse_groups

    groups = parse_groups(request.form.get("groups", ""))
    _staff_action(
        user_id, lambda db, u: accounts.set_staff_groups(db, u, groups, actor=current_user.actor)
    )
    return redirect(url_for("backoffice.staff_list"), 303)


@bp.route("/staff/<int:user_id>/role", methods=["POST"])
@roles_required("admin")
def staff_role(user_id: int):
    role = request.form.get("role", "")
    _staff_action(
        user_id, lambda db, u: accounts.set_staff_role(db, u, role, actor=current_user.actor)
    )
    return redirect(url_for("backoffice.staff_list"), 303)


# --- credentials: passwords and API tokens (finding 10) ----------------------------------------


@bp.route("/staff/<int:user_id>/password", methods=["POST"])
@roles_required("admin")
def staff_password(user_id: int):
    """重置密码: the admin sets a new password; the member's sessions end; journaled."""
    password = request.form.get("password", "")
    _staff_action(
        user_id,
        lambda db, u: accounts.set_password(db, u, password, actor=current_user.actor),
    )
    return redirect(url_for("backoffice.staff_list"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required(*ALL_ROLES)
def account_password():
    """修改密码: one's own, with the current one; every other session of it ends."""
    if request.method == "GET":
        return render_template("backoffice/account_password.html")
    form = request.form
    try:
        if form.get("new_password", "") != form.get("confirm", ""):
            raise DomainError("passwords_differ")
        # One's own row, whichever village it is in (as at sign-in and logout).
        with writing(Scope.everything()) as db:
            user = accounts.get_staff(db, current_user.user_id)
            accounts.set_password(
                db,
                user,
                form.get("new_password", ""),
                current=form.get("current", ""),
                actor=current_user.actor,
            )
            fresh = Staff(user, current_user.scope)
        login_user(fresh)  # this browser stays signed in; the others are out
        flash(_("密码已修改"), "ok")
        return redirect(url_for("backoffice.home"), 303)
    except DomainError as exc:
        flash_error(exc)
        return render_template("backoffice/account_password.html"), 422


@bp.route("/tokens")
@roles_required("admin")
def token_list():
    """接口令牌: the village's API tokens, active and revoked (their secrets are never kept)."""
    with reading() as db:
        tokens = accounts.list_api_tokens(db)
        kiosks = {k.id: k.code for k in db.scalars(select(Kiosk))}
    return render_template("backoffice/tokens.html", tokens=tokens, kiosks=kiosks)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required("admin")
def token_revoke(token_id: int):
    try:
        with writing() as db:
            accounts.revoke_api_token(db, token_id, actor=current_user.actor, region=False)
        flash(_("令牌已作废"), "ok")
    except DomainError as exc:
        if exc.code == "not_found":
            abort(404)
        flash_error(exc)
    return redirect(url_for("backoffice.token_list"), 303)
