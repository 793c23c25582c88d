"""GET /healthz: is the database reachable (and, when running, the scanner)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from .db import get_db

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
    return jsonify(body), 200 if database_ok else 503
