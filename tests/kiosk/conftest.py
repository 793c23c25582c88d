"""Route-test fixtures: the app on a copy of a demo-seeded SQLite instance, and a client that
speaks like the kiosk page (CSRF header from the page's meta tag, HX-Request when asked)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from kiosk.app import create_app
from kiosk.db import get_db
from shop import demo, schema
from shop.db import unit_of_work
from tests.instances import apps_on_a_copy


@pytest.fixture(scope="session")
def demo_instance(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("kiosk-demo")
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "routes"})
    with app.app_context():
        db = get_db()
        schema.upgrade(db.engine)
        with unit_of_work(db.writer) as session:
            demo.seed_demo(session, folder, kiosk_code=app.config["DEVICE"])
        db.engine.dispose()
    return folder


@pytest.fixture
def make_app(demo_instance, tmp_path):
    """A kiosk app on this test's own copy of the demo database; call again to 'restart'."""
    yield from apps_on_a_copy(demo_instance, tmp_path, SECRET_KEY="routes")


@pytest.fixture
def app(make_app):
    return make_app()


class KioskClient:
    """The page, as routes see it: a session cookie, the CSRF token, the visit's nonce."""

    def __init__(self, app) -> None:
        self.app = app
        self.client = app.test_client()
        page = self.client.get("/")
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)

    def get(self, path: str = "/", *, htmx: bool = True, **headers):
        if htmx:
            headers.setdefault("HX-Request", "true")
        return self.client.get(path, headers=headers)

    def post(self, path: str, data: dict | None = None, *, htmx: bool = True, **headers):
        headers.setdefault("X-CSRFToken", self.csrf)
        if htmx:
            headers.setdefault("HX-Request", "true")
        return self.client.post(path, data=data or {}, headers=headers)

    def scan(self, code: str):
        return self.post("/scan", {"code": code, "source": "wedge"})

    def nonce(self, response) -> str:
        return re.search(r'"visit": "(\w+)"', response.text).group(1)

    def take(self, visit: str, product_id: int, delta: int = 1):
        return self.post("/basket", {"visit": visit, "product": product_id, "delta": delta})


@pytest.fixture
def kiosk(app) -> KioskClient:
    return KioskClient(app)


@pytest.fixture
def passbooks(demo_instance) -> dict:
    with (demo_instance / "demo-passbooks.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    active = sorted((r for r in rows if not r["说明"]), key=lambda r: -int(r["积分余额"]))
    return {
        "rich": active[0],
        "poor": active[-1],
        "active": active,
        "lost": next(r for r in rows if r["说明"] == "已挂失的旧存折"),
        "paused": next(r for r in rows if r["说明"] == "暂停兑换"),
    }


def screen_of(response) -> tuple[str | None, str | None]:
    """(data-screen, data-code) of the screen a response shows."""
    tag = re.search(r'<section id="screen"[^>]*>', response.text)
    if tag is None:
        return (None, None)
    screen = re.search(r'data-screen="(\w+)"', tag.group(0))
    code = re.search(r'data-code="(\w+)"', tag.group(0))
    return (screen.group(1) if screen else None, code.group(1) if code else None)
