"""Who may use the back-office: the blueprint, staff sessions and the role every route declares.

Every route declares its roles with `roles_required(...)` (or `public` for the sign-in pages);
a route that declares nothing is refused with 403 by the blueprint's guard, so a new page cannot
be forgotten open. Staff sessions carry the user's `session_version`; logout and disabling bump
it, which ends every session of that user at its next request.
"""

from __future__ import annotations

import contextlib
import functools
import time

from flask import Blueprint, Flask, abort, current_app, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, UserMixin, current_user, logout_user

from kiosk.db import reading, set_scope
from shop.scope import REGION_ROLES, Scope, for_staff
from shop.words import N_

VILLAGE_ROLES = ("admin", "panel", "clerk", "volunteer", "supervisor", "recorder")
ROLES = VILLAGE_ROLES + REGION_ROLES
ALL_ROLES = ROLES
# A township's or district's member looking at one village's pages acts there as this role.
ACTS_AS = {
    "township_admin": "admin",
    "district_admin": "admin",
    "township_viewer": "supervisor",
    "district_viewer": "supervisor",
}
PICKED = "village_pick"  # the session key of the village a region member is looking at
PUBLIC = ("*public*",)
ROLE_NAMES = {
    "admin": N_("管理员"),
    "panel": N_("评定小组"),
    "clerk": N_("记账员"),
    "volunteer": N_("志愿者"),
    "supervisor": N_("监督小组"),
    "recorder": N_("记分员"),
    "township_admin": N_("乡镇管理员"),
    "township_viewer": N_("乡镇查看"),
    "district_admin": N_("区县管理员"),
    "district_viewer": N_("区县查看"),
}

bp = Blueprint("backoffice", __name__, url_prefix="/backoffice")
login_manager = LoginManager()


class Staff(UserMixin):
    """The signed-in staff member as the request sees them (a detached copy, not the row)."""

    def __init__(self, user, scope: Scope | None = None) -> None:
        self.user_id = user.id
        self.username = user.username
        self.display_name = user.display_name or user.username
        # `place_role` is the role of the member's place; `role` is what they act as on this
        # request: a township's or district's member looking at one village acts there as
        # ACTS_AS says, and as their own role on the region's pages.
        self.place_role = self.role = user.role
        self.village_id = user.village_id
        self.township_id = user.township_id
        self.district_id = user.district_id
        self.session_version = user.session_version
        # The villages this member may see (shop/scope.py); set on every request they make.
        self.scope = scope if scope is not None else Scope.of([])
        # Region pages confine to `scope`; village pages to `village_scope` (one village).
        self.village_scope = self.scope
        self.picked = None
        if self.is_region:
            self.village_scope = Scope.of([])  # no village picked: no village's rows
            picked = _picked_village()
            if picked is not None and self.scope.allows(picked):
                self.picked = self.village_id = picked
                self.role = ACTS_AS[user.role]
                self.village_scope = self.scope.narrowed(picked)

    @property
    def is_region(self) -> bool:
        return self.place_role in REGION_ROLES

    def get_id(self) -> str:
        # The version rides in the session: a bumped version makes this id stale everywhere.
        return f"{self.user_id}:{self.session_version}"

    @property
    def actor(self) -> str:
        return f"staff:{self.username}"


def _picked_village() -> int | None:
    with contextlib.suppress(RuntimeError, TypeError, ValueError):
        value = session.get(PICKED)
        return int(value) if value is not None else None
    return None


def _load_user(user_id: str):
    from shop.models import StaffUser

    try:
        uid, version = (int(x) for x in user_id.split(":"))
    except (ValueError, AttributeError):
        return None
    # Who the caller is must be found before their scope is known: this lookup is the operator's.
    with reading(Scope.everything()) as session:
        user = session.get(StaffUser, uid)
        # A lock stops new sign-ins; it never ends a live session (finding 13).
        if user is None or not user.is_active or user.session_version != version:
            return None
        return Staff(user, for_staff(session, user))


def roles_required(*roles: str):
    """Declare who may use a route; anyone else gets 403, anonymous users the sign-in page."""
    unknown = set(roles) - set(ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {unknown}")

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role in roles or current_user.place_role in roles:
                return view(*args, **kwargs)
            region = getattr(view, "region_page", False) or getattr(wrapped, "region_page", False)
            if current_user.is_region and current_user.picked is None and not region:
                # A village page, but no village picked yet: the region's own pages first.
                return redirect(url_for("backoffice.district_home"), 303)
            abort(403)

        wrapped.backoffice_roles = roles
        return wrapped

    return decorate


def region_page(view):
    """Mark a township's or district's page: its queries see the member's whole region, not the
    one village they may have picked for village pages."""
    view.region_page = True
    return view


def public(view):
    view.backoffice_roles = PUBLIC
    return view


@bp.before_request
def _every_route_declares_its_roles():
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "backoffice_roles", None) is None:
        abort(403)


STAFF_IDLE_MINUTES = 30  # config STAFF_IDLE_MINUTES: no request for this long signs out
STAFF_MAX_HOURS = 12  # config STAFF_MAX_HOURS: a sign-in lasts a working day at most


@bp.before_request
def _staff_sessions_expire():
    """Idle and absolute expiry of a staff session (finding 16): a laptop left signed in at the
    shop does not stay a clerk's for days. The times ride in the signed session cookie."""
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    idle = 60 * int(current_app.config.get("STAFF_IDLE_MINUTES") or STAFF_IDLE_MINUTES)
    longest = 3600 * int(current_app.config.get("STAFF_MAX_HOURS") or STAFF_MAX_HOURS)
    since = session.setdefault("staff_since", now)
    seen = session.get("staff_seen", now)
    if now - seen > idle or now - since > longest:
        logout_user()
        session.pop("staff_since", None)
        session.pop("staff_seen", None)
        return login_manager.unauthorized()
    session["staff_seen"] = now
    return None


@bp.before_request
def _confine_to_the_staff_members_scope():
    """Every query of a signed-in member's request sees only their villages (shop/scope.py)."""
    if current_user.is_authenticated:
        view = current_app.view_functions.get(request.endpoint)
        region = getattr(view, "region_page", False)
        set_scope(current_user.scope if region else current_user.village_scope)


@bp.after_request
def _no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    response.vary.add("HX-Request")
    return response


class _SecureWhenHttps(SecureCookieSessionInterface):
    """The session cookie is Secure when the request came over HTTPS (or config says so).

    Each face of the app keeps its own session cookie: the back-office's staff session
    (`session`), the villagers' touchscreen (`kiosk_session`) and the phone page
    (`phone_session`). A villager's visit on the kiosk box never shares a cookie with a staff
    member signed in on the same browser, and signing out of one leaves the other as it was."""

    def get_cookie_name(self, app: Flask) -> str:
        path = "/"
        with contextlib.suppress(RuntimeError):
            path = request.path
        if path.startswith("/backoffice"):
            return app.config["SESSION_COOKIE_NAME"]
        if path == "/m" or path.startswith("/m/"):
            return "phone_session"
        return "kiosk_session"

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        with contextlib.suppress(RuntimeError):
            return request.is_secure
        return False


def allowed(*roles: str) -> bool:
    return current_user.is_authenticated and current_user.role in roles
