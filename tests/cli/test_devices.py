"""The serving kiosk's camera: codes reach the page's scan hub once, health shows on /healthz."""

from __future__ import annotations

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
        _, _, ticket = inbox.get(timeout=10)
        assert hub(app).claim(app.config["DEVICE"], ticket, "the-page") == (code, "camera")
        time.sleep(0.5)  # dozens more frames of the same passbook
        assert inbox.empty(), "the same passbook in view must count once"
        health = app.test_client().get("/healthz").json["camera"]
        assert health["running"] and health["frames"] > 10 and health["last_code_at"]
        assert set(services) == {"camera"}
    finally:
        stop_devices(app)
        app.extensions["kiosk_db"].engine.dispose()
