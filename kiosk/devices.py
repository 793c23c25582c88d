"""The scanner services of a serving kiosk: the camera and a USB scanner read directly.

Both hand codes to the same scan hub the page listens to (kiosk.scan_events), through one shared
debouncer, so a passbook held in front of the camera while the USB scanner also reads it counts
once. Started by `kiosk serve` only: tests and other commands never open a camera.
"""

from __future__ import annotations

import atexit
import logging

from flask import Flask

from hardware.camera import CameraService, Debouncer, opencv_capture
from hardware.usbscan import UsbScanner

from .scan_events import hub, publish_scan

log = logging.getLogger(__name__)


def _resolution(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in str(text).lower().split("x"))
        return width, height
    except ValueError:
        log.warning("KIOSK_CAMERA_RESOLUTION %r is not WIDTHxHEIGHT; using 640x480", text)
        return 640, 480


def start_devices(app: Flask, *, capture_factory=opencv_capture) -> dict:
    """Start what the config asks for; a missing device is reported on /healthz, not fatal."""
    services: dict = {}
    debouncer = Debouncer(window=float(app.config.get("SCAN_DEBOUNCE_SECONDS", 3)))

    def on_code(code: str, source: str) -> None:
        publish_scan(app, code, source)

    camera = str(app.config.get("CAMERA", "none")).strip()
    if camera and camera != "none":
        kiosk, scans = app.config["DEVICE"], hub(app)
        # The viewfinder: a few small frames a second to the kiosk's own page, only while that
        # page listens (its stream is bound to the box: kiosk.scan_access). 0 turns it off.
        fps = float(app.config.get("VIEWFINDER_FPS", 4) or 0)
        service = CameraService(
            on_code,
            camera=camera,
            resolution=_resolution(app.config.get("CAMERA_RESOLUTION", "640x480")),
            debouncer=debouncer,
            capture_factory=capture_factory,
            preview=(lambda jpeg, outline, size: scans.preview(kiosk, jpeg, outline, size))
            if fps > 0
            else None,
            preview_wanted=lambda: scans.listeners(kiosk) > 0,
            preview_fps=fps or 1,
        )
        service.start()
        services["camera"] = service
    scanner = str(app.config.get("SCANNER") or "").strip()
    if scanner:
        try:
            usb = UsbScanner(on_code, device=scanner, debouncer=debouncer)
        except RuntimeError as exc:  # evdev not installed: say how on /healthz and in the log
            log.error("USB scanner %s not started: %s", scanner, exc)
            services["usb"] = _Unavailable(str(exc))
        else:
            usb.start()
            services["usb"] = usb
    app.extensions["kiosk_devices"] = services
    atexit.register(stop_devices, app)
    return services


def stop_devices(app: Flask) -> None:
    for service in app.extensions.pop("kiosk_devices", {}).values():
        stop = getattr(service, "stop", None)
        if stop:
            stop()


class _Unavailable:
    def __init__(self, reason: str) -> None:
        self.reason = reason

    def health(self) -> dict:
        return {"running": False, "last_error": self.reason}
