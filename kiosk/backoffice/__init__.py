"""The back-office (后台): staff sign-in and the pages of households, passbooks and points.

Every route declares its roles with `roles_required(...)` (or `public` for the sign-in pages);
a route that declares nothing is refused with 403 by the blueprint's guard, so a new page cannot
be forgotten open. Staff sessions carry the user's `session_version`; logout and disabling bump
it, which ends every session of that user at its next request.

Who may use which page is in `access`; `init_app(app)` registers the pages and is idempotent.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from shop import clock

from . import common
from .access import (
    ROLE_NAMES,
    _load_user,
    _SecureWhenHttps,
    allowed,
    bp,
    login_manager,
)
from .i18n import lang


def init_app(app: Flask) -> None:
    if "backoffice" in app.blueprints:
        return
    from . import (  # noqa: F401
        accounts_views,
        activity_views,
        catalogue_views,
        clerk_views,
        district_views,
        family_views,
        households_views,
        opening_views,
        passbook_views,
        phone_views,
        pin_views,
        points_views,
        receiving_views,
        region_token_views,
        reports_views,
        review_views,
        settings_views,
        setup_views,
        stock_views,
        stocktake_views,
        supervision_views,
        voice_views,
    )

    # Flask's defaults already hold these keys (SameSite None), so setdefault would do nothing.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = _SecureWhenHttps()
    login_manager.login_view = "backoffice.login"
    login_manager.login_message = None
    login_manager.user_loader(_load_user)
    if not hasattr(app, "login_manager"):
        login_manager.init_app(app)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(bo_lang=lang, bo_allowed=allowed, ROLE_NAMES=ROLE_NAMES)
    app.jinja_env.filters["bo_local"] = _local
    app.jinja_env.filters.update(
        journal_words=common.journal_words,
        journal_who=common.journal_who,
    )


def _local(moment, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored UTC time as the shop's clock shows it."""
    return clock.local(moment).strftime(fmt) if moment else ""
