"""Asking a printer how it is: DLE EOT, the ESC/POS real-time status commands.

A job is confirmed only when the printer itself answers after the last byte: online, paper in,
cover shut. Backends with a back channel (``tcp``, ``usb``, ``serial``) are asked before and after
each job; the others (``file``, ``cups``) cannot answer, and their jobs are "sent", never
"printed". ``?status=no`` in the printer URL turns asking off for a printer whose back channel
is broken.

The bytes and masks are python-escpos's (``escpos.constants``: ``RT_STATUS_ONLINE``,
``RT_STATUS_PAPER``, ``RT_MASK_*``), read the way its ``is_online()`` and ``paper_status()``
read them. Its ``query_status()`` itself is not used: it sleeps a full second per question and
reads without a deadline on some backends; here the three questions go out together and the
answers are awaited with a short stall timeout.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from escpos.constants import (
    RT_MASK_LOWPAPER,
    RT_MASK_NOPAPER,
    RT_MASK_ONLINE,
    RT_STATUS_ONLINE,
    RT_STATUS_PAPER,
)

log = logging.getLogger(__name__)

RT_STATUS_OFFLINE_CAUSE = b"\x10\x04\x02"  # DLE EOT 2: cover open, paper end, error
QUESTIONS = RT_STATUS_ONLINE + RT_STATUS_OFFLINE_CAUSE + RT_STATUS_PAPER
ANSWER_BYTES = 3
COVER_OPEN = 0x04  # DLE EOT 2, bit 2
PAPER_END_STOP = 0x20  # DLE EOT 2, bit 5: printing stopped at the end of the paper
ERROR = 0x40  # DLE EOT 2, bit 6
FIXED_MASK, FIXED_BITS = 0x93, 0x12  # every status byte: bits 1 and 4 set, bits 0 and 7 clear

STATUS_WAIT = 1.5  # seconds a printer gets to answer (it answers even while printing)
SILENT_FOR = 300.0  # a printer that did not answer is not asked again for this long

PROBLEMS = ("printer_paper_out", "printer_cover_open", "printer_error", "printer_offline")


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer said. ``answered`` False: it said nothing (or cannot speak)."""

    answered: bool
    online: bool = True
    paper: str = "ok"  # ok | low | out
    cover_open: bool = False
    error: bool = False
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def problem(self) -> str | None:
        """Why it cannot print, as a stable code, or None."""
        if not self.answered:
            return None
        if self.cover_open:
            return "printer_cover_open"
        if self.paper == "out":
            return "printer_paper_out"
        if self.error:
            return "printer_error"
        if not self.online:
            return "printer_offline"
        return None

    @property
    def state(self) -> str:
        """One word for /healthz and the clerk: ok, paper_low, paper_out, cover_open, error,
        offline, or unknown (the printer cannot or did not answer)."""
        if not self.answered:
            return "unknown"
        problem = self.problem
        if problem:
            return problem.removeprefix("printer_")
        return "paper_low" if self.paper == "low" else "ok"


NOT_ANSWERED = PrinterStatus(answered=False)


def parse_answers(data: bytes) -> PrinterStatus:
    """The three answer bytes (to DLE EOT 1, 2, 4) as a status; nonsense counts as silence."""
    if len(data) != ANSWER_BYTES or any(b & FIXED_MASK != FIXED_BITS for b in data):
        return PrinterStatus(answered=False)
    online_b, cause_b, paper_b = data
    if paper_b & RT_MASK_NOPAPER == RT_MASK_NOPAPER or cause_b & PAPER_END_STOP:
        paper = "out"
    elif paper_b & RT_MASK_LOWPAPER == RT_MASK_LOWPAPER:
        paper = "low"
    else:
        paper = "ok"
    return PrinterStatus(
        answered=True,
        online=not online_b & RT_MASK_ONLINE,
        paper=paper,
        cover_open=bool(cause_b & COVER_OPEN),
        error=bool(cause_b & ERROR),
    )


class StatusChannel:
    """Write the questions and read the answers on an open printer's back channel."""

    def drain(self) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def ask(self, wait: float) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError


class SocketChannel(StatusChannel):
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def drain(self) -> None:
        timeout = self.sock.gettimeout()
        self.sock.settimeout(0.0)
        try:
            while self.sock.recv(256):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        finally:
            self.sock.settimeout(timeout)

    def ask(self, wait: float) -> bytes:
        self.sock.sendall(QUESTIONS)
        got = b""
        deadline = time.monotonic() + wait
        timeout = self.sock.gettimeout()
        try:
            while len(got) < ANSWER_BYTES:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.sock.settimeout(left)
                chunk = self.sock.recv(ANSWER_BYTES - len(got))
                if not chunk:
                    break
                got += chunk
        except (TimeoutError, BlockingIOError):
            pass
        finally:
            self.sock.settimeout(timeout)
        return got


class SerialChannel(StatusChannel):
    def __init__(self, port) -> None:  # a pyserial Serial
        self.port = port

    def drain(self) -> None:
        self.port.reset_input_buffer()

    def ask(self, wait: float) -> bytes:
        self.port.write(QUESTIONS)
        self.port.flush()
        timeout = self.port.timeout
        self.port.timeout = wait
        try:
            return bytes(self.port.read(ANSWER_BYTES))
        finally:
            self.port.timeout = timeout


class UsbChannel(StatusChannel):
    def __init__(self, device, in_ep: int, out_ep: int) -> None:  # a pyusb Device
        self.device, self.in_ep, self.out_ep = device, in_ep, out_ep

    def drain(self) -> None:
        try:
            while self.device.read(self.in_ep, 64, 10):
                pass
        except Exception:  # usb.core.USBTimeoutError: nothing waiting
            pass

    def ask(self, wait: float) -> bytes:
        self.device.write(self.out_ep, QUESTIONS, int(wait * 1000))
        got = b""
        deadline = time.monotonic() + wait
        while len(got) < ANSWER_BYTES and time.monotonic() < deadline:
            left = max(1, int((deadline - time.monotonic()) * 1000))
            try:
                got += bytes(self.device.read(self.in_ep, 64, left))
            except Exception:
                break
        return got[:ANSWER_BYTES]


def ask_status(channel: StatusChannel | None, wait: float = STATUS_WAIT) -> PrinterStatus:
    """Ask once; never raises (a printer that cannot say is NOT_ANSWERED)."""
    if channel is None:
        return PrinterStatus(answered=False)
    try:
        channel.drain()
        return parse_answers(channel.ask(wait))
    except Exception as exc:  # a dead back channel is silence, not a failed job
        log.info("printer status not read: %s: %s", type(exc).__name__, exc)
        return PrinterStatus(answered=False)


# --- what each printer last said, for /healthz and the clerk --------------------------------------

_last: dict[str, PrinterStatus] = {}
_silent_since: dict[str, float] = {}
_guard = threading.Lock()


def remember(url: str, status: PrinterStatus) -> None:
    with _guard:
        _last[url] = status
        if status.answered:
            _silent_since.pop(url, None)


def remember_silence(url: str) -> None:
    with _guard:
        _silent_since[url] = time.monotonic()


def recently_silent(url: str) -> bool:
    with _guard:
        since = _silent_since.get(url)
    return since is not None and time.monotonic() - since < SILENT_FOR


def last_status(url: str) -> PrinterStatus | None:
    """What the printer at ``url`` said last (after a job or a probe), or None."""
    with _guard:
        return _last.get(url)


def forget(url: str | None = None) -> None:
    """Drop what was remembered (tests; a changed printer)."""
    with _guard:
        if url is None:
            _last.clear()
            _silent_since.clear()
        else:
            _last.pop(url, None)
            _silent_since.pop(url, None)
