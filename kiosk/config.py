"""Configuration: defaults, then `instance/kiosk.cfg`, then `KIOSK_*` environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from shop import clock

DEFAULTS = {
    "DATABASE_URL": None,  # default: sqlite file kiosk.db in the instance folder
    "PRINTER": "preview",  # usb://VID:PID, tcp://host:9100, serial://..., file://..., cups://name
    "PRINTER_WIDTH": 58,  # paper in mm: 58 (32 columns) or 80 (48 columns)
    "PRINTER_CHARSET": "gb18030",
    "PRINTER_CUT": True,
    "PRINTER_MODE": "text",  # text | picture (the whole slip as pictures: no Chinese font)
    "PRINT_WAIT": 2.0,  # seconds the done screen's request waits for paper before it polls
    "CJK_FONT": "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "CAMERA": "none",  # auto | none | <index> | <device path>
    "CAMERA_RESOLUTION": "640x480",
    "SCANNER": "",  # a USB scanner read directly with evdev: /dev/input/kiosk-scanner or a name
    "TIMEZONE": clock.DEFAULT_ZONE,  # the business clock: days, months, years (shop.clock)
    "LANGUAGE": "zh_CN",
    "PHONE_URL": "",  # where villagers' phones reach the phone page; "": the back-office's address
    "DEVICE": "K01",  # this kiosk's code: its receipts are numbered K01-000001, ...
    "IDLE_SECONDS": 30,
    "PRINTER_FAILED_IDLE_SECONDS": 0,  # the printer-failed screen stays (0) or goes after this
    "WEDGE_PAUSE_MS": 800,  # a keyboard-wedge burst without Enter or Tab ends after this pause
    "WEDGE_FAST_MS": 50,  # keys this close together are a scanner, whatever they spell
    "PIN_POLICY": "never",  # never | always | above:<points>
    "SOUNDS": True,
    "VIEWFINDER_FPS": 4,  # camera pictures a second on the waiting screen; 0: no viewfinder
    "SCAN_STREAMS": 2,  # event streams open at once (each holds a server thread); docs/SCANNING.md
    "VOICE": True,  # spoken guidance in Mandarin (语音播报); needs SOUNDS
    "STOCKTAKE_WARN_PERCENT": 20,  # a stocktake difference above this share of the books ...
    "STOCKTAKE_WARN_UNITS": 10,  # ... or above this many units is named before finishing
}


def instance_path() -> Path:
    return Path(os.environ.get("KIOSK_INSTANCE_PATH", "instance")).resolve()


def finish(config: dict, instance: Path) -> None:
    """Fill what depends on the instance folder: the database file and the secret key."""
    instance.mkdir(parents=True, exist_ok=True)
    if not config.get("DATABASE_URL"):
        config["DATABASE_URL"] = f"sqlite:///{instance / 'kiosk.db'}"
    if not config.get("SECRET_KEY"):
        key_file = instance / "secret_key"
        if not key_file.exists():
            # Written once, readable by the owner only: sessions survive restarts.
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        config["SECRET_KEY"] = key_file.read_text().strip()
