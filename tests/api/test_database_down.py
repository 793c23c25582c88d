"""A database that is down or drops the connection: a clear error, nothing half-written."""

from __future__ import annotations

import socket
import time
import uuid

import pytest
from sqlalchemy import text

from kiosk.app import create_app
from shop import households, points, regions
from shop.db import unit_of_work
from shop.staff import create_api_token

from ..conftest import new_backend


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_unreachable_database_is_a_503_in_the_users_language(tmp_path):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/test"
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": url})
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["database"] == "down"
    resp = client.get("/api/v1/products", headers={"Authorization": "Bearer jft_x"})
    assert resp.status_code == 503
    assert resp.json["error"] == {
        "code": "database_unavailable",
        "message": "系统暂时连不上，请稍后再试。",
    }
    resp = client.get(
        "/api/v1/products",
        headers={"Authorization": "Bearer jft_x", "Accept-Language": "en"},
    )
    assert resp.json["error"]["message"].startswith("The system is unreachable")


@pytest.fixture
def postgres_backend(pg_available, tmp_path):
    """The server kills connections on PostgreSQL only (required in CI)."""
    if not pg_available:
        pytest.skip("PostgreSQL not reachable")
    made = new_backend("postgres", tmp_path)
    yield made
    made.dispose()


@pytest.mark.postgres
def _connections(backend, tag: str) -> int:
    with backend.engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :tag"),
            {"tag": tag},
        ).scalar_one()


def test_connections_killed_by_the_server_are_replaced(postgres_backend, tmp_path):
    fresh_backend = postgres_backend
    tag = f"kiosk-drop-{uuid.uuid4().hex[:8]}"  # kill this app's connections, nobody else's
    app_url = f"{fresh_backend.url}&application_name={tag}"
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": app_url})
    db = app.extensions["kiosk_db"]
    with unit_of_work(db.writer) as s:
        village = regions.create_village(s, "V-DROP", "断线村")
        household = households.create_household(s, village, "01-001", "赵六", actor="t")
        points.award_points(s, household, delta=50, actor="t")
        token = create_api_token(s, village, "panel", label="t")[1]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    award = {"household": "01-001", "points": 5, "idempotency_key": "drop-award-0001"}
    assert client.post("/api/v1/awards", json=award, headers=headers).status_code == 201
    with fresh_backend.engine.begin() as conn:  # the server restarts, or a firewall cuts us off
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :tag"
            ),
            {"tag": tag},
        ).scalar_one()
    assert killed >= 1
    # pg_terminate_backend only signals: wait until the server has really closed them, as after a
    # restart (otherwise the next request may race a backend that is still on its way out).
    deadline = time.monotonic() + 10
    while _connections(fresh_backend, tag) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _connections(fresh_backend, tag) == 0
    again = client.post("/api/v1/awards", json=award, headers=headers)
    assert again.status_code == 201  # a fresh connection, and the same answer: applied once
    with unit_of_work(db.writer) as s:
        assert s.execute(text("SELECT balance FROM households")).scalar_one() == 55
    db.engine.dispose()
