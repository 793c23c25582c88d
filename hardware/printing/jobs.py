"""A print job: lay out, render, open, send, make sure it arrived, close. Only PrinterError escapes.

Rendering happens before the printer is opened, so a printer never sits half-way through a
receipt while pictures are drawn, and every backend receives the very same bytes.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
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
    status_channel,
    status_error,
)
from hardware.printing.config import PrinterConfig, PrinterError
from hardware.printing.paper import DocumentLike as Document
from hardware.printing.paper import LayoutLike as Layout
from hardware.printing.paper import is_qr
from hardware.printing.render import render_escpos, to_html_page
from hardware.printing.status import (
    NOT_ANSWERED,
    STATUS_WAIT,
    PrinterStatus,
    StatusChannel,
    ask_status,
    last_status,
    recently_silent,
    remember,
    remember_silence,
)

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
    #: What the printer said after the last byte (``answered`` False: it cannot or did not say).
    status: PrinterStatus = NOT_ANSWERED
    seconds: float = 0.0

    @property
    def confirmed(self) -> bool:
        """The printer said it is fine after taking the whole job (or there is no printer:
        ``preview`` and ``dummy`` keep the job themselves). Unconfirmed jobs are "sent"."""
        return self.backend in ("preview", "dummy") or (
            self.status.answered and self.status.problem is None
        )

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
        # Not the paper's fault: say so, and that nothing reached the printer.
        raise PrinterError(
            "printer_failed",
            "单据没能排版，没有打印；请找管理员",
            "The slip could not be laid out; nothing was printed. Tell the administrator",
            f"rendering: {_describe(exc)}",
        ) from exc

    lock = _printer_lock(config)
    if not lock.acquire(timeout=config.timeout * 3):
        raise PrinterError(
            "printer_failed",
            "打印机正忙，请稍后重打",
            "Printer busy with another job; reprint later",
            "timed out waiting for the previous job",
        )
    started = time.monotonic()
    try:
        printer = open_printer(config)
        try:
            channel = _channel(printer, config)
            before = ask_status(channel, _wait(config)) if channel else NOT_ANSWERED
            if channel is not None and not before.answered:
                remember_silence(config.url)
                channel = None
            if before.answered:
                remember(config.url, before)
            if before.problem:
                log.warning("printer %s: %s before %s", config.url, before.state, layout.slug)
                raise status_error(before, "before")
            path, after = _send(printer, config, layout, data, channel)
        except PrinterError:
            raise
        except Exception as exc:
            log.warning("print job %s on %s failed: %s", layout.slug, config.url, _describe(exc))
            raise failed_error(_describe(exc)) from exc
        finally:
            close_printer(printer)
    finally:
        lock.release()
    if after.answered:
        remember(config.url, after)
    if after.problem:
        log.warning("printer %s: %s after %s", config.url, after.state, layout.slug)
        raise status_error(after, "after")
    result = PrintResult(config.backend, layout.slug, data, path, after, time.monotonic() - started)
    log.info(
        "%s %s on %s (%d bytes)",
        "printed" if result.confirmed else "sent (printer did not confirm)",
        layout.slug,
        config.url,
        len(data),
    )
    return result


PROBE_EVERY = 60.0  # seconds: /healthz asks an idle printer at most this often


def printer_status(config: PrinterConfig, *, max_age: float = PROBE_EVERY) -> PrinterStatus:
    """How the printer is, for /healthz and the clerk: what it said after the last job, or,
    when that is older than ``max_age`` and no job is running, what it says now. Never raises;
    ``answered`` is False for backends that cannot say (file, CUPS) and silent printers."""
    known = last_status(config.url)
    fresh = known is not None and (datetime.now(UTC) - known.checked_at).total_seconds() < max_age
    if fresh or not config.asks_status or recently_silent(config.url):
        return known or NOT_ANSWERED
    lock = _printer_lock(config)
    if not lock.acquire(blocking=False):
        return known or NOT_ANSWERED  # printing right now: the job will tell
    try:
        try:
            printer = open_printer(config)
        except PrinterError:
            status = PrinterStatus(answered=True, online=False)
            remember(config.url, status)
            return status
        try:
            status = ask_status(status_channel(printer, config), _wait(config))
        finally:
            close_printer(printer)
    finally:
        lock.release()
    if status.answered:
        remember(config.url, status)
    else:
        remember_silence(config.url)
    return status


def _wait(config: PrinterConfig) -> float:
    return min(STATUS_WAIT, config.timeout)


def _channel(printer: Escpos, config: PrinterConfig) -> StatusChannel | None:
    if recently_silent(config.url):
        return None
    return status_channel(printer, config)


def _send(
    printer: Escpos,
    config: PrinterConfig,
    layout: Layout,
    data: bytes,
    channel: StatusChannel | None,
) -> tuple[Path | None, PrinterStatus]:
    for start in range(0, len(data), CHUNK):
        printer._raw(data[start : start + CHUNK])
    if isinstance(printer, TcpPrinter):
        printer.wait_sent(config.timeout, end=False)
    # After the job the answer may queue behind bytes still on their way (a slow serial link, a
    # printer's full buffer): it gets the stall timeout, not the short wait. Only a printer that
    # answered before the job is asked, so a silent one never costs this.
    after = ask_status(channel, config.timeout) if channel is not None else NOT_ANSWERED
    if isinstance(printer, TcpPrinter):
        printer.end_job(config.timeout)
    path = None
    if isinstance(printer, PreviewPrinter):
        path = save_preview(printer.directory, layout, data)
    printer.close()  # CUPS and lp submit the job on close: its errors belong to the job
    return path, after


def save_preview(directory: Path, layout: Layout, data: bytes) -> Path:
    """Save ``<slug>.bin`` (the ESC/POS job), ``<slug>.html`` and ``<slug>.txt``.

    Returns the path of the html file.
    """
    directory.mkdir(parents=True, exist_ok=True)
    text = "\n".join(
        f"[QR {row.payload}]" if is_qr(row) else row.render(layout.columns) for row in layout.rows
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
