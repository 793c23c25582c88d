"""What the app accepts at its edge, before any view runs, and what it answers when input does not
fit the database: a clear 422, never a 500.

Two halves of one mechanism (the other half is `shop/columns.py`, which holds every write to its
column's length, characters and integer range on every engine):

- `before_request`: every query argument, JSON value, and the form fields and file names of the
  kiosk's screens and scan posts are read once (the back-office's forms are answered inside the
  form, by the services and the column check). Control characters (NUL and the other C0
  controls but tab and line breaks) and integers beyond 64 bits are refused; so is a JSON
  nesting deeper than a body of this API ever needs.
  URL ids (`<int:...>`) beyond 64 bits are not routes at all (404).
- error handlers: a database refusal of a value (PostgreSQL's DataError: a NUL, a number or a date
  out of range that slipped past) and Python's OverflowError (SQLite's 64-bit integers) become
  the same 422 `invalid_input`.

`invalid_input` here is a machine's: a JSON nesting or a number no person types, or a last
resort behind shop/columns.py, which refuses what a person typed in its own words first
(text_too_long, number_too_large, invalid_characters).
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from sqlalchemy.exc import DataError, StatementError
from werkzeug.routing import IntegerConverter

from kiosk.i18n import error_text
from shop.columns import CONTROL, INT8
from shop.errors import DomainError

log = logging.getLogger(__name__)

MAX_JSON_DEPTH = 8


class InputRefused(Exception):
    def __init__(self, where: str, why: str) -> None:
        super().__init__(f"{where}: {why}")
        self.where, self.why = where, why


class BoundedInt(IntegerConverter):
    """`<int:id>` that never hands a view a number no id column can hold."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT8[1])
        super().__init__(map, *args, **kwargs)


def _check_text(where: str, value: str) -> None:
    if CONTROL.search(value):
        raise InputRefused(where, "control characters")


def _check_json(where: str, value, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise InputRefused(where, "nested too deep")
    if isinstance(value, str):
        _check_text(where, value)
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        return
    elif isinstance(value, int):
        if not INT8[0] <= value <= INT8[1]:
            raise InputRefused(where, "number out of range")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_json(f"{where}[{i}]", item, depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(where, key)
            _check_json(f"{where}.{key}", item, depth + 1)


def check_request() -> None:
    for key, value in request.args.items(multi=True):
        _check_text(f"?{key}", key)
        _check_text(f"?{key}", value)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            body = request.get_json(silent=True)
            _check_json("body", body)
        elif request.blueprint != "backoffice":
            # The back-office's forms answer in the form itself (the services' plain_text and
            # shop/columns.py refuse the value with the field named); elsewhere, here.
            for key, value in request.form.items(multi=True):
                _check_text(key, key)
                _check_text(key, value)
            for key, upload in request.files.items(multi=True):
                _check_text(key, upload.filename or "")


def refused(message_detail: str, code: str = "invalid_input"):  # a machine's input: see above
    """The answer to input that does not fit: JSON under /api/, a short page elsewhere."""
    exc = DomainError(code, message_detail)
    if request.path.startswith("/api/"):
        body = {"error": {"code": exc.code, "message": error_text(exc), "detail": exc.detail}}
        return jsonify(body), 422
    return error_text(exc), 422, {"Content-Type": "text/plain; charset=utf-8"}


MAX_UPLOAD = 16 * 1024 * 1024  # a request body: pictures, imports and recordings are far smaller


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInt
    if app.config.get("BEHIND_PROXY"):
        # TLS ends at a reverse proxy (docs/SECURITY.md): trust its X-Forwarded-Proto/For, one
        # hop, so the session cookie is Secure and sign-in throttling sees the real client.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    # Flask's defaults hold the key (None: no limit), so setdefault would do nothing.
    if not app.config.get("MAX_CONTENT_LENGTH"):
        app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD

    @app.before_request
    def _inputs_fit():
        try:
            check_request()
        except InputRefused as exc:
            code = "invalid_characters" if exc.why == "control characters" else "invalid_input"
            return refused(str(exc), code)
        return None

    @app.after_request
    def _never_framed(response):
        """No page of the app may be framed by another site (finding 15): clickjacking a clerk
        into voiding or an admin into issuing a badge. Every response, not only the kiosk's."""
        response.headers.setdefault("X-Frame-Options", "DENY")
        policy = response.headers.get("Content-Security-Policy")
        if not policy:
            response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        elif "frame-ancestors" not in policy:
            response.headers["Content-Security-Policy"] = f"{policy}; frame-ancestors 'none'"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.errorhandler(DataError)
    def _database_refused_a_value(exc: DataError):
        log.warning("a value the database refused: %s", str(exc.orig).splitlines()[0])
        return refused("the database refused a value")

    @app.errorhandler(OverflowError)
    def _number_too_large(exc: OverflowError):
        return refused("number out of range")

    @app.errorhandler(StatementError)
    def _statement_refused(exc: StatementError):
        if isinstance(exc.orig, (OverflowError, ValueError)):
            return refused("a value the database cannot store")
        raise exc
