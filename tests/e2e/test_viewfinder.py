"""The waiting screen's viewfinder in real Chromium, fed by the real camera service (issue 13,
item 9): `kiosk.devices.start_devices` with a capture that plays frames, the frames through the
scan hub and the page's event stream into the canvas, the QR outlined once the camera reads it;
and the camera's pictures reach the kiosk's own page only.

The server listens on every address, as the deploy guide's LAN set-up does, so a browser on
another machine of the shop's network can be played by this machine's own LAN address.
"""

from __future__ import annotations

import csv
import shutil
import socket
import threading
import time
from urllib.parse import urlsplit

import cv2
import numpy as np
import pytest
import qrcode
from playwright.sync_api import expect

from kiosk.app import create_app
from kiosk.devices import start_devices, stop_devices

from .conftest import LIVE_CONFIG, SMALL, Passbooks, serve, shoot

pytestmark = pytest.mark.browser

COUNTER_BGR = (40, 90, 160)  # the empty counter: a brown the test looks for in the canvas
OUTLINE_RGB = (31, 191, 74)  # scanner.js strokes the outline in #1fbf4a


class PlayedCamera:
    """A 640x480 capture at about 20 fps showing whatever the test puts in front of it."""

    def __init__(self) -> None:
        self.empty = np.zeros((480, 640, 3), np.uint8)
        self.empty[:] = COUNTER_BGR
        cv2.putText(self.empty, "8848", (40, 420), cv2.FONT_HERSHEY_SIMPLEX, 2, (20, 20, 20), 4)
        self.view = self.empty
        self.rng = np.random.default_rng(0)
        self.lock = threading.Lock()

    def show(self, view: np.ndarray) -> None:
        with self.lock:
            self.view = view

    def card(self, code: str) -> np.ndarray:
        """The passbook held up: its QR about 200 pixels wide in the middle of the counter."""
        qr = np.array(qrcode.make(code, box_size=6, border=4).convert("L"))
        qr = cv2.resize(qr, (220, 220), interpolation=cv2.INTER_NEAREST)
        qr = cv2.cvtColor(qr, cv2.COLOR_GRAY2BGR)
        view = self.empty.copy()
        view[130:350, 210:430] = qr
        return view

    def isOpened(self) -> bool:
        return True

    def read(self):
        time.sleep(0.05)
        with self.lock:
            view = self.view
        noise = self.rng.integers(-2, 3, view.shape, dtype=np.int16)  # sensor noise
        return True, (view.astype(np.int16) + noise).clip(0, 255).astype(np.uint8)

    def grab(self) -> bool:
        time.sleep(0.05)
        return True

    def release(self) -> None:
        pass


@pytest.fixture(scope="module")
def kiosk(_seeded_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("viewfinder-instance")
    shutil.copytree(_seeded_template, folder, dirs_exist_ok=True)
    config = {**LIVE_CONFIG, "CAMERA": "0", "VIEWFINDER_FPS": 4}
    app = create_app({"INSTANCE_PATH": str(folder), "SECRET_KEY": "e2e", **config})
    camera = PlayedCamera()
    with (folder / "demo-passbooks.csv").open(encoding="utf-8-sig") as f:
        passbooks = Passbooks(list(csv.DictReader(f)))
    with serve(app, host="0.0.0.0") as url:
        services = start_devices(app, capture_factory=lambda device, resolution: camera)
        try:
            yield app, url, camera, services["camera"], passbooks
        finally:
            stop_devices(app)


def _lan_address() -> str | None:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent; this only picks the route
        address = probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()
    return None if address.startswith("127.") else address


# Counts the canvas's draws (scanner.js sets data-outlined on every frame drawn) and samples the
# picture at each draw: a pixel near its corner (the counter) and how many pixels carry the
# outline's green.
_WATCH = """
(rgb) => {
  window.__frames = [];
  const watch = (canvas) => new MutationObserver(() => {
    const ctx = canvas.getContext("2d");
    const { width, height } = canvas;
    const data = ctx.getImageData(0, 0, width, height).data;
    let green = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (Math.abs(data[i] - rgb[0]) < 40 && Math.abs(data[i + 1] - rgb[1]) < 40
          && Math.abs(data[i + 2] - rgb[2]) < 40) green += 1;
    }
    const corner = ctx.getImageData(4, 4, 1, 1).data;
    window.__frames.push({ outlined: canvas.dataset.outlined, green,
                           corner: [corner[0], corner[1], corner[2]], width, height });
  }).observe(canvas, { attributes: true, attributeFilter: ["data-outlined"] });
  const canvas = document.getElementById("viewfinder");
  if (canvas) watch(canvas);
}
"""


def _frames(page) -> list[dict]:
    return page.evaluate("() => window.__frames || []")


def _wait_for(page, predicate, timeout: float = 8.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frames = _frames(page)
        if predicate(frames):
            return frames
        page.wait_for_timeout(100)
    return _frames(page)


def test_the_viewfinder_draws_the_cameras_frames_and_outlines_the_passbook(browser, kiosk):
    app, url, camera, service, passbooks = kiosk
    context = browser.new_context(viewport=SMALL, locale="zh-CN", has_touch=True)
    page = context.new_page()
    real_on_code = service.on_code
    try:
        camera.show(camera.empty)
        page.goto(url + "/")
        page.wait_for_selector('#screen[data-screen="waiting"]')
        page.evaluate(_WATCH, list(OUTLINE_RGB))
        # The empty counter: the canvas shows it (its brown), nothing outlined.
        frames = _wait_for(page, lambda f: len(f) >= 3)
        assert len(frames) >= 3, "the camera's frames never reached the page"
        expect(page.locator("#viewfinder")).to_be_visible()
        expect(page.locator(".waiting-picture")).to_be_hidden()
        b, g, r = COUNTER_BGR
        assert all(abs(c - v) < 25 for c, v in zip(frames[-1]["corner"], (r, g, b), strict=True))
        assert all(f["outlined"] == "no" and f["green"] == 0 for f in frames)
        assert frames[-1]["width"] == 240  # small frames: 240 pixels wide, not the camera's 640

        # A card is held up. The camera's reads go to the test here, so the page stays on the
        # waiting screen and the outlined picture can be looked at.
        read: list[str] = []
        service.on_code = lambda code, source: read.append(code)
        held = passbooks.active(1)["存折二维码"]
        camera.show(camera.card(held))
        frames = _wait_for(page, lambda f: any(x["outlined"] == "yes" for x in f))
        outlined = [f for f in frames if f["outlined"] == "yes"]
        assert outlined, "the QR was never outlined in the viewfinder"
        assert read[:1] == [held]
        # The outline is drawn: a green frame around the code, of about its size in the picture
        # (220 camera pixels a side, 240/640 of that on the canvas: a perimeter near 330 px).
        assert max(f["green"] for f in outlined) > 400
        shoot(page, "waiting-viewfinder-outlined")

        # The card goes away: the outline goes with it.
        camera.show(camera.empty)
        frames = _wait_for(page, lambda f: f[-1]["outlined"] == "no" if f else False)
        assert frames[-1]["outlined"] == "no"

        # With the camera's reads going to the page again, holding up a passbook opens its
        # household: the villager's whole path from the camera.
        service.on_code = real_on_code
        row = passbooks.active(0)
        camera.show(camera.card(row["存折二维码"]))
        page.wait_for_selector(f'#screen[data-household="{row["户号"]}"]', timeout=8000)
    finally:
        service.on_code = real_on_code
        camera.show(camera.empty)
        context.close()


def test_the_cameras_pictures_go_to_the_kiosks_own_page_only(browser, kiosk):
    _app, url, camera, _service, _passbooks = kiosk
    port = urlsplit(url).port
    camera.show(camera.empty)
    box = browser.new_context(viewport=SMALL, locale="zh-CN")
    other = browser.new_context(viewport=SMALL, locale="zh-CN")
    lan = _lan_address()
    try:
        page = box.new_page()
        page.goto(url + "/")
        page.wait_for_selector('#screen[data-screen="waiting"]')
        page.evaluate(_WATCH, list(OUTLINE_RGB))
        assert len(_wait_for(page, lambda f: len(f) >= 2)) >= 2
        stream_url = page.evaluate("() => document.body.dataset.stream")
        assert "page=" in stream_url

        # Another session on the box with the kiosk page's stream URL copied: its cookie is not
        # the one the page key was made for, so the stream is refused and no picture comes.
        thief = other.new_page()
        thief.goto(url + "/healthz")
        status = thief.evaluate(
            "async (u) => (await fetch(u, { signal: AbortSignal.timeout(3000) })).status",
            url + stream_url,
        )
        assert status == 403

        if lan is None:
            pytest.skip("no non-loopback address to play a machine on the shop's network")
        # A browser on the shop's network opening the kiosk's page: no stream URL, no viewfinder.
        outsider = other.new_page()
        outsider.goto(f"http://{lan}:{port}/")
        outsider.wait_for_selector('#screen[data-screen="waiting"]')
        assert outsider.evaluate("() => document.body.dataset.stream") == ""
        outsider.evaluate(_WATCH, list(OUTLINE_RGB))
        before = len(_frames(page))
        outsider.wait_for_timeout(2000)
        assert _frames(outsider) == []
        expect(outsider.locator("#viewfinder")).to_be_hidden()
        assert len(_frames(page)) > before, "meanwhile the kiosk's own page kept getting frames"
        # Nor with the kiosk page's key copied, from the LAN.
        status = outsider.evaluate(
            "async (u) => (await fetch(u, { signal: AbortSignal.timeout(3000) })).status",
            f"http://{lan}:{port}{stream_url}",
        )
        assert status == 403
    finally:
        box.close()
        other.close()
