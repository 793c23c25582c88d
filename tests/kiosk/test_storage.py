"""A full disk or a read-only instance (finding 17): /healthz says so; a failed scan log insert
never keeps the villager from their balance; a write that cannot happen shows the plain
"系统暂时不能用，请找管理员" screen, nothing half-written."""

from __future__ import annotations

import sqlite3
from collections import namedtuple

from sqlalchemy.exc import OperationalError

from kiosk import health, shopfront
from shop.db import unit_of_work
from shop.errors import DomainError

from .conftest import screen_of


def _disk_full(*_args, **_kwargs):
    raise OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))


def test_a_scan_still_opens_the_household_when_the_scan_log_cannot_be_written(
    kiosk, passbooks, monkeypatch
):
    monkeypatch.setattr(shopfront, "record_scan", _disk_full)
    response = kiosk.scan(passbooks["rich"]["存折二维码"])
    assert response.status_code == 200
    assert screen_of(response)[0] == "household"


def test_a_full_disk_is_a_plain_refusal_not_a_crash(app):
    db = app.extensions["kiosk_db"]
    try:
        with unit_of_work(db.writer) as session:
            _disk_full()
            session.flush()
    except DomainError as exc:
        assert exc.code == "storage_unavailable"
    else:
        raise AssertionError("no refusal")
    with app.test_request_context():
        from kiosk.i18n import error_text

        assert error_text("storage_unavailable") == "系统暂时不能用，请找管理员。"


def test_healthz_reports_a_full_or_read_only_instance(app, monkeypatch):
    client = app.test_client()
    assert client.get("/healthz").get_json()["storage"]["ok"] is True
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(health.shutil, "disk_usage", lambda _p: usage(10**9, 10**9, 10**6))
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded" and body["storage"]["ok"] is False
    monkeypatch.undo()
    monkeypatch.setattr(health.os, "access", lambda _p, _mode: False)
    body = client.get("/healthz").get_json()
    assert body["storage"]["writable"] is False and body["status"] == "degraded"


def test_a_database_held_by_a_long_import_is_a_busy_screen_the_kiosk_explains(app):
    """Finding 12 (in part): SQLite's `database is locked` after its wait is database_busy, a
    screen with a way to try again, never the generic problem screen."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from kiosk import screen_kit as screens

    def locked(*_args, **_kwargs):
        raise OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked"))

    db = app.extensions["kiosk_db"]
    try:
        with unit_of_work(db.writer):
            locked()
    except DomainError as exc:
        assert exc.code == "database_busy"
    else:
        raise AssertionError("no refusal")
    with app.test_request_context():
        page = screens.error_screen("database_busy")
    assert b'data-code="database_busy"' in page.get_data() and page.status_code == 503
