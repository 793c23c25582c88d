"""The JSON API's edge: its blueprint, the bearer token's caller and scope, and errors.

Errors are always `{"error": {"code": ..., "message": ...}}` with the status the code implies;
bad input is a 4xx, never a 500. A village's token reaches the village routes (kiosk/api/
__init__.py); a township's or the district's token the region routes (kiosk/api/region.py); each
kind is refused on the other's routes with its own code.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import force_locale
from werkzeug.exceptions import HTTPException

from kiosk.db import reading, set_scope
from kiosk.i18n import error_text
from shop import staff
from shop.errors import MESSAGES, DomainError
from shop.scope import Scope, for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Routes take merge_slashes=False: a doubled slash (a code with %2F in it, decoded by the server)
# is a path that does not exist (a JSON 404), not Werkzeug's HTML redirect to another path.

# Which token roles may call what. admin may do everything.
LOOKUP, REDEEM, AWARD, VOID = (
    ("kiosk", "panel", "admin"),
    ("kiosk", "admin"),
    ("panel", "admin"),
    ("admin",),
)


@dataclass(frozen=True)
class Caller:
    token_id: int
    role: str
    village_id: int | None  # None: a township's or the district's token (kiosk/api/region.py)
    kiosk_id: int | None
    label: str
    scope: Scope
    township_id: int | None = None
    district_id: int | None = None

    @property
    def actor(self) -> str:
        return f"api:{self.label or self.token_id}"

    @property
    def is_region(self) -> bool:
        return self.village_id is None


def caller_lang() -> str:
    best = request.accept_languages.best_match(["zh", "en"])
    return best or ("en" if current_app.config["LANGUAGE"].startswith("en") else "zh")


def error(code: str, detail: str | None = None, status: int | None = None):
    status = status or MESSAGES[code][0]
    with force_locale("en" if caller_lang() == "en" else "zh_CN"):
        message = error_text(code)
    body = {"error": {"code": code, "message": message}}
    if detail:
        body["error"]["detail"] = detail
    return jsonify(body), status


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    return error(exc.code, None)


@bp.app_errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """Under /api/ every answer is JSON, even for a path or a method that does not exist."""
    if not request.path.startswith(bp.url_prefix + "/"):
        return exc
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
        exc.code or 500, "server_error" if (exc.code or 500) >= 500 else "bad_request"
    )
    body = {"error": {"code": code, "message": f"{exc.name} / {exc.description}"}}
    return jsonify(body), exc.code


def _refusal(code: str, message: str, status: int, headers: dict | None = None):
    return jsonify({"error": {"code": code, "message": message}}), status, headers or {}


def authenticate() -> Caller | None:
    """The bearer token's caller and its scope (shop/scope.py: a village's token its village, a
    region's token its region's villages), or None."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    # Finding the token is the operator's lookup; what it may then see is its scope.
    with reading(Scope.everything()) as session:
        row = staff.authenticate_token(session, token)
        if row is None:
            return None
        return Caller(
            row.id,
            row.role,
            row.village_id,
            row.kiosk_id,
            row.label,
            for_token(session, row),
            row.township_id,
            row.district_id,
        )


def require(roles: tuple[str, ...], *, region: bool = False):
    """A route for a village's tokens of `roles` (admin may do all), or (`region`) for a
    township's or the district's tokens. The other kind is refused with its own code."""

    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            caller = authenticate()
            if caller is None:
                return _refusal(
                    "unauthorized",
                    "需要有效的令牌 / a valid token is required",
                    401,
                    {"WWW-Authenticate": "Bearer"},
                )
            if caller.is_region != region:
                return error("token_for_village" if region else "token_for_region")
            if not region and caller.role != "admin" and caller.role not in roles:
                return _refusal("forbidden", "这个令牌无权操作 / not allowed for this token", 403)
            g.caller = caller
            set_scope(caller.scope)
            return view(*args, **kwargs)

        return inner

    return wrap
