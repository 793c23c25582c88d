"""End-to-end fixtures: the real app under waitress in a thread, on a fresh SQLite file seeded
with the demo village, driven by Debian's chromium through Playwright (no browser download).

Screenshots go to test-artifacts/screenshots/ (KIOSK_SCREENSHOTS overrides), one per screen at
1024x600 and 1920x1080.
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk.app import create_app
from kiosk.db import Database, get_db
from kiosk.scan_events import hub
from shop import demo, schema
from shop.db import unit_of_work

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("KIOSK_SCREENSHOTS") or ROOT / "test-artifacts" / "screenshots")
CHROMIUM = os.environ.get("KIOSK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
SMALL = {"width": 1024, "height": 600}
LARGE = {"width": 1920, "height": 1080}


@dataclass
class Passbooks:
    """Codes from the demo's demo-passbooks.csv."""

    rows: list[dict]

    def active(self, n: int = 0) -> dict:
        good = [r for r in self.rows if not r["说明"]]
        return sorted(good, key=lambda r: -int(r["积分余额"]))[n]

    @property
    def lost(self) -> dict:
        return next(r for r in self.rows if r["说明"] == "已挂失的旧存折")

    @property
    def paused(self) -> dict:
        return next(r for r in self.rows if r["说明"] == "暂停兑换")


@dataclass
class LiveKiosk:
    app: object
    url: str
    passbooks: Passbooks

    @contextlib.contextmanager
    def config(self, **values):
        old = {k: self.app.config.get(k) for k in values}
        self.app.config.update(values)
        try:
            yield
        finally:
            self.app.config.update(old)

    @contextlib.contextmanager
    def database_down(self):
        """Point the app at a database that cannot be opened; the real one comes back after."""
        real = self.app.extensions["kiosk_db"]
        self.app.extensions["kiosk_db"] = Database.connect("sqlite:////nonexistent/dir/kiosk.db")
        try:
            yield
        finally:
            self.app.extensions["kiosk_db"].engine.dispose()
            self.app.extensions["kiosk_db"] = real

    def db(self):
        return get_db()


@pytest.fixture(scope="session")
def _seeded_template(tmp_path_factory) -> Path:
    """Seed the demo once; each live server starts from a copy of this instance folder."""
    folder = tmp_path_factory.mktemp("demo-instance")
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "e2e"})
    with app.app_context():
        db = get_db()
        schema.upgrade(db.engine)
        with unit_of_work(db.writer) as session:
            demo.seed_demo(session, folder, kiosk_code=app.config["DEVICE"])
        db.engine.dispose()  # the last connection out checkpoints the WAL into the file
    return folder


@contextlib.contextmanager
def serve(app, *, threads: int = 16, host: str = "127.0.0.1"):
    """The app served by waitress in a thread on a free port of `host` (127.0.0.1 unless told);
    yields its base URL on 127.0.0.1."""
    from waitress import wasyncore
    from waitress.server import create_server

    server = create_server(
        app,
        host=host,
        port=0,
        threads=threads,
        channel_timeout=30,
        asyncore_loop_timeout=0.2,
    )
    stopping = threading.Event()

    def run():
        try:
            server.run()
        except (OSError, ValueError):
            if not stopping.is_set():  # closing the sockets under the loop is expected then
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        hub(app).close()  # end the event streams first, or their threads write to a closed server
        server.task_dispatcher.shutdown(timeout=5)
        wasyncore.close_all(server._map, ignore_all=True)  # channels, trigger, listening socket
        thread.join(timeout=5)
        app.extensions["kiosk_db"].engine.dispose()


LIVE_CONFIG = {"PRINTER": "preview", "SCAN_STREAM_KEEPALIVE": 1, "SCAN_STREAM_SECONDS": 30}


@pytest.fixture(scope="module")
def live(_seeded_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("kiosk-instance")
    shutil.copytree(_seeded_template, folder, dirs_exist_ok=True)
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "e2e", **LIVE_CONFIG})
    with (folder / "demo-passbooks.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    with serve(app) as url:
        yield LiveKiosk(app, url, Passbooks(rows))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.kiosk_failed = report.failed


@pytest.fixture
def page(browser, live, request):
    context = browser.new_context(viewport=SMALL, locale="zh-CN", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(8000)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    yield page
    if getattr(request.node, "kiosk_failed", False):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"FAILED-{request.node.name}.png"))
        print("browser console:", *console, sep="\n  ")
    context.close()


PORTRAIT = {"width": 800, "height": 1280}


def shoot(page, name: str, *, portrait: bool = True) -> None:
    """Save the screen at 1024x600, 1920x1080 and 800x1280 portrait (a screen of the phone or
    back-office may leave the portrait out), then go back to the size the test uses."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for viewport in (SMALL, LARGE, PORTRAIT) if portrait else (SMALL, LARGE):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"{name}-{viewport['width']}x{viewport['height']}.png"))
    page.set_viewport_size(size)


def wedge_scan(page, code: str) -> None:
    """What a keyboard-wedge scanner does: a burst of fast keys and Enter."""
    page.keyboard.type(code, delay=4)
    page.keyboard.press("Enter")
