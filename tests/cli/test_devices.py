"""The serving kiosk's camera: codes reach the page's scan hub once, health shows on /healthz."""

from __future__ import annotations

import base64
import json
import queue
import time

import cv2
import numpy as np
import qrcode

from kiosk.app import create_app
from kiosk.devices import start_devices, stop_devices
from kiosk.scan_events import hub
from shop.households.codes import new_code


class FakeCamera:
    """A webcam showing a passbook: the same frame again and again, as a real one would."""

    def __init__(self, frame):
        self.frame = frame

    def isOpened(self):
        return True

    def read(self):
        time.sleep(0.01)
        return True, self.frame

    def release(self):
        pass


def _scans(inbox, seconds: float) -> list:
    """The scan items that reach a page's stream within `seconds` (viewfinder frames aside)."""
    found, ends = [], time.monotonic() + seconds
    while time.monotonic() < ends and not found:
        try:
            item = inbox.get(timeout=max(0.01, ends - time.monotonic()))
        except queue.Empty:
            continue
        if item[0] == "scan":
            found.append(item)
    return found


def test_camera_codes_reach_the_page_once_and_health_is_reported(tmp_path):
    code = new_code()
    qr = np.array(qrcode.make(code, box_size=6, border=4).convert("L"), dtype=np.uint8)
    frame = cv2.cvtColor(cv2.resize(qr, (300, 300)), cv2.COLOR_GRAY2BGR)
    canvas = np.full((480, 640, 3), 200, np.uint8)
    canvas[90:390, 170:470] = frame
    app = create_app({"INSTANCE_PATH": str(tmp_path), "CAMERA": "0"})
    inbox = hub(app).subscribe(app.config["DEVICE"], "the-page").inbox
    services = start_devices(app, capture_factory=lambda device, resolution: FakeCamera(canvas))
    try:
        scans = _scans(inbox, 10)
        _, _, ticket = scans[0]
        assert hub(app).claim(app.config["DEVICE"], ticket, "the-page") == (code, "camera")
        # dozens more frames of the same passbook
        assert _scans(inbox, 0.5) == [], "the same passbook in view must count once"
        health = app.test_client().get("/healthz").json["camera"]
        assert health["running"] and health["frames"] > 10 and health["last_code_at"]
        assert set(services) == {"camera"}
    finally:
        stop_devices(app)
        app.extensions["kiosk_db"].engine.dispose()


def test_the_viewfinder_gets_a_few_frames_a_second_only_while_the_page_listens(tmp_path):
    code = new_code()
    qr = np.array(qrcode.make(code, box_size=6, border=4).convert("L"), dtype=np.uint8)
    canvas = np.full((480, 640, 3), 200, np.uint8)
    canvas[90:390, 170:470] = cv2.cvtColor(cv2.resize(qr, (300, 300)), cv2.COLOR_GRAY2BGR)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "CAMERA": "0", "VIEWFINDER_FPS": 4})
    scans = hub(app)
    start_devices(app, capture_factory=lambda device, resolution: FakeCamera(canvas))
    try:
        time.sleep(0.6)
        assert scans.listeners(app.config["DEVICE"]) == 0  # nobody listens: no frames made
        inbox = scans.subscribe(app.config["DEVICE"], "the-page").inbox
        frames, started = [], time.monotonic()
        while time.monotonic() - started < 1.6:
            try:
                item = inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            if item[0] == "frame":
                frames.append(json.loads(item[1]))
        assert 3 <= len(frames) <= 9, len(frames)  # about 4 a second
        frame = frames[-1]
        picture = cv2.imdecode(np.frombuffer(base64.b64decode(frame["jpeg"]), np.uint8), 1)
        assert picture.shape[1] == frame["w"] <= 240  # small: a viewfinder, not a photo
        # The code was read, so the QR is outlined, in the small picture's pixels.
        assert any(f["outline"] for f in frames)
        quad = next(f["outline"] for f in frames if f["outline"])[0]
        xs = [x for x, _ in quad]
        assert min(xs) >= 240 * 170 / 640 - 5 and max(xs) <= 240 * 470 / 640 + 5
    finally:
        stop_devices(app)
        app.extensions["kiosk_db"].engine.dispose()
