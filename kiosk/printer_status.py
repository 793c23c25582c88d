"""The receipt printer's condition in words, for /healthz, the clerk's pages and the CLI.

The printer says a state (hardware.printing.PrinterStatus: ok, paper_low, paper_out,
cover_open, error, offline, unknown); a failed print job keeps a code (printer_paper_out, …).
Both become the words a clerk uses here, in the reader's language (Chinese msgids, the
back-office's catalogue convention).
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from hardware.printing import PrinterError, printer_status

from .backoffice.printing import printer_config

STATE_WORDS = {
    "ok": _l("打印机正常"),
    "paper_low": _l("打印纸快用完了，请准备换纸"),
    "paper_out": _l("打印机没纸了，请换纸"),
    "cover_open": _l("打印机盖没关好，请关好"),
    "error": _l("打印机出错（卡纸或切刀），请检查"),
    "offline": _l("打印机未连接或暂停，请检查电源和数据线"),
    "unknown": _l("打印机不报告状态，出没出纸要看纸"),
    "none": _l("没接打印机：小票只显示在屏幕上并存档"),
    "config": _l("打印机设置有误，请联系管理员"),
}

ERROR_WORDS = {
    "printer_paper_out": _l("打印机没纸了"),
    "printer_cover_open": _l("打印机盖没关好"),
    "printer_error": _l("打印机出错（卡纸或切刀）"),
    "printer_offline": _l("打印机未连接"),
    "printer_failed": _l("打印中断"),
    "printer_config": _l("打印机设置有误"),
    "not_queued": _l("没有排进打印队列"),
}

#: The states worth a warning on the clerk's pages and "degraded" on /healthz.
TROUBLE = ("paper_low", "paper_out", "cover_open", "error", "offline", "config")


def error_words(code: str | None) -> str:
    """A failed job's code in words ('' for none)."""
    if not code:
        return ""
    words = ERROR_WORDS.get(code)
    return str(words) if words is not None else code


def printer_condition(app: Flask | None = None) -> tuple[str, str]:
    """(state, words): how the configured printer is now, as far as it can say."""
    app = app or current_app
    try:
        config = printer_config(app)
    except PrinterError:
        return "config", str(STATE_WORDS["config"])
    if config.backend in ("preview", "dummy"):
        return "none", str(STATE_WORDS["none"])
    state = printer_status(config).state
    return state, str(STATE_WORDS[state])
