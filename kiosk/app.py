"""The app factory: the kiosk's screens, the back-office and the JSON API in one Flask app."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_wtf.csrf import CSRFProtect

from shop import clock

from . import config as kconfig
from . import db, demo_mark, edge, i18n
from .htmx import htmx

csrf = CSRFProtect()

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    instance = Path((test_config or {}).get("INSTANCE_PATH") or kconfig.instance_path())
    app = Flask(
        __name__,
        instance_path=str(instance),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(kconfig.DEFAULTS)
    app.config.from_pyfile("kiosk.cfg", silent=True)
    app.config.from_prefixed_env("KIOSK")
    if test_config:
        app.config.update(test_config)
    kconfig.finish(app.config, instance)
    clock.set_zone(app.config["TIMEZONE"])
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    # Flask's defaults hold this key already (None), so setdefault would do nothing.
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # The kiosk page stays open for days; its CSRF token lives as long as its session.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)

    edge.init_app(app)  # before any route: `<int:...>` is bounded, inputs are checked
    db.init_app(app)
    i18n.init_app(app)
    htmx.init_app(app)
    demo_mark.init_app(app)
    csrf.init_app(app)

    from kiosk.backoffice import init_app as init_backoffice

    init_backoffice(app)

    from . import api, health, phone, scan_events, scan_screens, screen_globals, screen_kit, screens
    from . import voice as kiosk_voice

    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    # One blueprint ("screens", made in screen_kit) carries the routes and globals of the others.
    assert screens.bp is scan_screens.bp is screen_globals.bp is screen_kit.bp
    app.register_blueprint(screen_kit.bp)
    app.register_blueprint(scan_events.bp)
    kiosk_voice.init_app(app)
    phone.init_app(app)
    # Bearer tokens (api) and loopback-or-token scanner services (scans) carry no CSRF token.
    csrf.exempt(api.bp)
    csrf.exempt(scan_events.post_scan)

    @app.before_request
    def _kiosk_screens_see_their_village():
        # The villager's screens and the scan stream act for this box's kiosk: its village only.
        if request.blueprint in ("screens", "scans"):
            db.set_scope(db.device_scope())

    return app
