"""Reprints (重打印) and printing to a printer named on the command line.

A reprint is its own print job (kind 'reprint'); the receipt says 重打印 / REPRINT with the
count, so a second paper copy can never pass for the original.
"""

from __future__ import annotations

from flask import Flask, current_app

from hardware.printing import PrinterConfig
from kiosk.backoffice.printing import reprint_receipt

from .printing import PrintOutcome, printer_config


def config_for(app: Flask, url: str | None = None) -> PrinterConfig:
    """The configured printer, or the same settings pointed at another URL."""
    return printer_config(app, url)


def print_or_reprint(receipt_no: str, *, actor: str, url: str | None = None) -> PrintOutcome:
    """Print a receipt whose first print never went out; else reprint it, marked and counted."""
    return reprint_receipt(receipt_no, actor=actor, config=config_for(current_app, url))
