"""A print job: lay out, render, open, send, make sure it arrived, close. Only PrinterError escapes.

Rendering happens before the printer is opened, so a printer never sits half-way through a
receipt while pictures are drawn, and every backend receives the very same bytes.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from escpos.escpos import Escpos

from hardware.printing.backends import (
    PreviewPrinter,
    TcpPrinter,
    _describe,
    close_printer,
    failed_error,
    open_printer,
)
from hardware.printing.config import PrinterConfig, PrinterError
from hardware.printing.render import render_escpos, to_html_page
from hardware.receipt import QR, Document, Lang, Layout, TestPage

log = logging.getLogger(__name__)

CHUNK = 4096  # bytes per write; each write gets the full stall timeout

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclass(frozen=True)
class PrintResult:
    """What was printed: the ESC/POS bytes, and for ``preview`` the saved ``.html`` (the ``.bin``
    and ``.txt`` sit beside it)."""

    backend: str
    slug: str
    data: bytes
    path: Path | None = None

    @property
    def bytes_sent(self) -> int:
        return len(self.data)


def _printer_lock(config: PrinterConfig) -> threading.Lock:
    """One job at a time per printer: two threads on /dev/usb/lp0 would interleave receipts."""
    with _locks_guard:
        return _locks.setdefault(config.url, threading.Lock())


def print_job(config: PrinterConfig, document: Document) -> PrintResult:
    """Print one document (Receipt, StatementSlip, TestPage, …) and cut (or feed, without cutter).

    Raises PrinterError with code ``printer_config``, ``printer_offline`` or ``printer_failed``;
    nothing else.
    """
    try:
        layout = document.layout(config.columns)
        data = render_escpos(layout, config)
    except PrinterError:
        raise
    except Exception as exc:  # a bug or bad data; the caller still only has to handle one type
        log.exception("cannot render %s", type(document).__name__)  # no names in logs
        raise failed_error(f"rendering: {_describe(exc)}") from exc

    lock = _printer_lock(config)
    if not lock.acquire(timeout=config.timeout * 3):
        raise PrinterError(
            "printer_failed",
            "打印机正忙，请稍后重打",
            "Printer busy with another job; reprint later",
            "timed out waiting for the previous job",
        )
    try:
        printer = open_printer(config)
        try:
            path = _send(printer, config, layout, data)
        except PrinterError:
            raise
        except Exception as exc:
            log.warning("print job %s on %s failed: %s", layout.slug, config.url, _describe(exc))
            raise failed_error(_describe(exc)) from exc
        finally:
            close_printer(printer)
    finally:
        lock.release()
    log.info("printed %s on %s (%d bytes)", layout.slug, config.url, len(data))
    return PrintResult(config.backend, layout.slug, data, path)


def _send(printer: Escpos, config: PrinterConfig, layout: Layout, data: bytes) -> Path | None:
    for start in range(0, len(data), CHUNK):
        printer._raw(data[start : start + CHUNK])
    if isinstance(printer, TcpPrinter):
        printer.wait_sent(config.timeout)
    path = None
    if isinstance(printer, PreviewPrinter):
        path = save_preview(printer.directory, layout, data)
    printer.close()  # CUPS and lp submit the job on close: its errors belong to the job
    return path


def save_preview(directory: Path, layout: Layout, data: bytes) -> Path:
    """Save ``<slug>.bin`` (the ESC/POS job), ``<slug>.html`` and ``<slug>.txt``.

    Returns the path of the html file.
    """
    directory.mkdir(parents=True, exist_ok=True)
    text = "\n".join(
        f"[QR {row.payload}]" if isinstance(row, QR) else row.render(layout.columns)
        for row in layout.rows
    )
    files = {
        ".bin": data,
        ".html": to_html_page(layout).encode("utf-8"),
        ".txt": (text + "\n").encode("utf-8"),
    }
    for suffix, content in files.items():
        _write_atomic(directory / f"{layout.slug}{suffix}", content)
    return directory / f"{layout.slug}.html"


def _write_atomic(path: Path, content: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def print_test_page(
    config: PrinterConfig, *, lang: Lang = "zh", now: datetime | None = None
) -> PrintResult:
    """Print the test page: settings, a column ruler, ASCII, GBK and GB18030 text (堃 喆 犇 镕,
    ￥), characters only a picture can show, a QR code and a cut."""
    page = TestPage(
        printed_at=now or datetime.now(UTC).astimezone(),
        printer_url=config.url,
        width_mm=config.width_mm,
        charset=config.charset,
        can_cut=config.can_cut,
        lang=lang,
    )
    return print_job(config, page)
