"""Back-office fixtures: the app on a copy of a demo-seeded SQLite instance with one staff member
per role, and a client that signs in and sends the CSRF token the page carries."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kiosk.app import create_app
from shop import demo, schema, staff
from shop.db import unit_of_work
from shop.households import roster
from tests.instances import apps_on_a_copy

PASSWORD = "village-pass-1"
PIN = "2580"
ROLES = ("admin", "panel", "clerk", "volunteer", "supervisor")


def seed_staff(session, village) -> None:
    for role in ROLES:
        staff.create_staff(
            session, role, role, PASSWORD, village=village, display_name=f"{role}-name", pin=PIN
        )


@pytest.fixture(scope="session")
def backoffice_instance(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("backoffice-demo")
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "bo"})
    db = app.extensions["kiosk_db"]
    schema.upgrade(db.engine)
    with unit_of_work(db.writer) as session:
        seeded = demo.seed_demo(session, folder, kiosk_code=app.config["DEVICE"])
        seed_staff(session, seeded["village"])
        roster.reindex_missing(session)
    db.engine.dispose()
    return folder


@pytest.fixture
def make_app(backoffice_instance, tmp_path):
    """An app on this test's own copy of the instance; call again to 'restart' on the same DB."""
    yield from apps_on_a_copy(backoffice_instance, tmp_path, SECRET_KEY="bo")


@pytest.fixture
def app(make_app):
    return make_app()


class StaffClient:
    """A browser as the routes see it: the session cookie and the page's CSRF token."""

    def __init__(self, app) -> None:
        self.app = app
        self.client = app.test_client()
        self.refresh_token()

    def refresh_token(self) -> None:
        page = self.client.get("/backoffice/login")
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)

    def login(self, username: str, password: str = PASSWORD):
        response = self.client.post(
            "/backoffice/login",
            data={"username": username, "password": password, "csrf_token": self.csrf},
        )
        self.refresh_token()
        return response

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data=None, *, csrf: bool = True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf)
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def staff_client(app):
    def make(role: str | None = None) -> StaffClient:
        client = StaffClient(app)
        if role:
            assert client.login(role).status_code == 303
        return client

    return make
