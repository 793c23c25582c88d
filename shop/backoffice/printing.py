"""The shop's receipt printer as the back-office uses it (same config keys as the kiosk)."""

from __future__ import annotations

from flask import Flask

from hardware.printing import PrinterConfig


def printer_config(app: Flask) -> PrinterConfig:
    cached = app.extensions.get("backoffice_printer")
    if cached is None or cached[0] != app.config["PRINTER"]:
        config = PrinterConfig.parse(
            app.config["PRINTER"],
            width_mm=app.config.get("PRINTER_WIDTH", 58),
            charset=app.config.get("PRINTER_CHARSET", "gb18030"),
            can_cut=app.config.get("PRINTER_CUT", True),
            timeout=app.config.get("PRINTER_TIMEOUT"),
            font_path=app.config.get("CJK_FONT") or None,
            preview_dir=app.config.get("PRINTER_PREVIEW_DIR") or f"{app.instance_path}/receipts",
        )
        cached = (app.config["PRINTER"], config)
        app.extensions["backoffice_printer"] = cached
    return cached[1]
