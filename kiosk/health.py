"""GET /healthz: is the database reachable; the printer (paper, cover) and, when running, the
scanner."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from flask import Blueprint, current_app, jsonify

from .db import get_db
from .printer_status import TROUBLE, printer_condition

bp = Blueprint("health", __name__)

MIN_FREE_BYTES = 200 * 1024 * 1024  # below this the shop cannot count on its next day


def storage_health() -> dict:
    """The instance folder (SQLite database, pictures, receipts) can be written and has room
    (finding 17). A SQLite database file that is read-only says so too."""
    folder = Path(current_app.instance_path)
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = 0
    writable = os.access(folder, os.W_OK)
    url = current_app.config.get("DATABASE_URL", "")
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        writable = writable and (not path.exists() or os.access(path, os.W_OK))
    return {
        "ok": writable and free >= MIN_FREE_BYTES,
        "writable": writable,
        "free_mb": free // (1024 * 1024),
    }


@bp.get("/healthz")
def healthz():
    database_ok = get_db().ping()
    body = {
        "status": "ok" if database_ok else "degraded",
        "database": "ok" if database_ok else "down",
    }
    for name, service in current_app.extensions.get("kiosk_devices", {}).items():
        body[name] = service.health()
    body["storage"] = storage = storage_health()
    if not storage["ok"] and database_ok:
        body["status"] = "degraded"
    state, words = printer_condition()
    body["printer"] = {"state": state, "message": words}
    if state in TROUBLE and database_ok:
        body["status"] = "degraded"  # the shop still sells; the receipts need a hand
    return jsonify(body), 200 if database_ok else 503
