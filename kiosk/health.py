"""GET /healthz: is the database reachable; the printer (paper, cover) and, when running, the
scanner."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from .db import get_db
from .printer_status import TROUBLE, printer_condition

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    database_ok = get_db().ping()
    body = {
        "status": "ok" if database_ok else "degraded",
        "database": "ok" if database_ok else "down",
    }
    for name, service in current_app.extensions.get("kiosk_devices", {}).items():
        body[name] = service.health()
    state, words = printer_condition()
    body["printer"] = {"state": state, "message": words}
    if state in TROUBLE and database_ok:
        body["status"] = "degraded"  # the shop still sells; the receipts need a hand
    return jsonify(body), 200 if database_ok else 503
