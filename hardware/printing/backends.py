"""Opening a printer for a :class:`PrinterConfig`, with timeouts everywhere.

python-escpos's backends are used as they are, with three changes where they could hang or lie:
the network printer waits until the printer has acknowledged the bytes (a stalled printer fails
the job instead of "succeeding" into the socket buffer), the file printer writes through a
non-blocking descriptor with a stall timeout (``/dev/usb/lp0`` blocks forever when the paper runs
out), and serial writes get a write timeout.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import select
import shutil
import socket
import struct
import termios
import time
from copy import deepcopy
from pathlib import Path

from escpos.capabilities import Profile, get_profile
from escpos.escpos import Escpos
from escpos.printer import LP, CupsPrinter, Dummy, File, Network, Serial, Usb

from hardware.printing.config import PrinterConfig, PrinterError, config_error
from hardware.printing.status import (
    PrinterStatus,
    SerialChannel,
    SocketChannel,
    StatusChannel,
    UsbChannel,
)

log = logging.getLogger(__name__)

PEER_CLOSE_WAIT = 0.3  # seconds to wait for a network printer to close after the job


def offline_error(config: PrinterConfig, detail: str) -> PrinterError:
    return PrinterError(
        "printer_offline",
        "打印机未连接，请检查电源和数据线",
        f"Printer not reachable ({config.backend})",
        detail,
    )


def failed_error(detail: str) -> PrinterError:
    return PrinterError(
        "printer_failed",
        "打印中断，请检查纸张后重打",
        "Printing failed part-way; check the paper and reprint",
        detail,
    )


_STATUS_WORDS = {
    "printer_paper_out": ("打印机没纸了，请换纸后重打", "The printer is out of paper"),
    "printer_cover_open": ("打印机盖没关好，请关好后重打", "The printer's cover is open"),
    "printer_error": ("打印机出错（卡纸或切刀），请检查后重打", "The printer reports an error"),
    "printer_offline": ("打印机暂停（离线），请检查后重打", "The printer is offline"),
}


def status_error(status: PrinterStatus, when: str) -> PrinterError:
    """The printer said it cannot print (asked ``when``: before or after the job)."""
    code = status.problem
    assert code is not None
    zh, en = _STATUS_WORDS[code]
    return PrinterError(code, zh, en, f"printer status {status.state} {when} the job")


def status_channel(printer: Escpos, config: PrinterConfig) -> StatusChannel | None:
    """The open printer's back channel, or None where the backend has none (file, CUPS)."""
    if not config.asks_status:
        return None
    device = getattr(printer, "_device", None)
    if not device:
        return None
    if isinstance(printer, TcpPrinter) and isinstance(device, socket.socket):
        return SocketChannel(device)
    if isinstance(printer, Serial):
        return SerialChannel(device)
    if isinstance(printer, Usb):
        return UsbChannel(device, printer.in_ep, printer.out_ep)
    return None


class TcpPrinter(Network):
    """A raw port-9100 printer that reports whether the printer really took the job."""

    def open(self, raise_not_found: bool = True) -> None:
        # python-escpos leaks the socket when connecting fails; create_connection closes it.
        if self._device:
            self.close()
        self.device = socket.create_connection((self.host, self.port), timeout=self.timeout)

    def wait_sent(self, timeout: float, *, end: bool = True) -> None:
        """Wait until the printer has acknowledged every byte, or fail; then (``end``) say
        "end of job". Without ``end``, call :meth:`end_job` after asking the printer's status.

        ``timeout`` is a stall limit: it restarts while the unacknowledged count keeps falling.
        An acknowledgement only means the bytes reached the printer's network buffer: a printer
        that accepts and never reads acknowledges a small job whole.
        """
        sock = self._device
        if not isinstance(sock, socket.socket):
            return
        deadline = time.monotonic() + timeout
        last = None
        while True:
            self._check_socket_error(sock)
            pending = _unacked_bytes(sock)
            if pending == 0:
                break
            if pending != last:
                last = pending
                deadline = time.monotonic() + timeout
            if time.monotonic() >= deadline:
                raise TimeoutError(f"printer did not take the last {pending} bytes in {timeout}s")
            time.sleep(0.02)
        self._check_socket_error(sock)
        if end:
            self.end_job(timeout)

    def end_job(self, timeout: float) -> None:
        sock = self._device
        if isinstance(sock, socket.socket):
            self._half_close(sock, min(timeout, PEER_CLOSE_WAIT))

    @staticmethod
    def _half_close(sock: socket.socket, wait: float) -> None:
        """Say "end of job" and give the printer a moment to answer.

        A printer that hung up with our bytes unread answers with a reset (the job failed); one
        that read everything closes cleanly or stays silent (both fine: every byte was taken).
        """
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(wait)
        deadline = time.monotonic() + wait
        try:
            while time.monotonic() < deadline and sock.recv(256):
                pass  # status bytes some printers send; not needed
        except TimeoutError:
            pass

    @staticmethod
    def _check_socket_error(sock: socket.socket) -> None:
        err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            raise OSError(err, os.strerror(err))
        # A printer that reset the connection says so here; an open one has nothing to say.
        # (Non-blocking for the peek: with a timeout set, Python would first wait for data.)
        timeout = sock.gettimeout()
        sock.settimeout(0.0)
        try:
            sock.recv(1, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            pass
        finally:
            sock.settimeout(timeout)


def _unacked_bytes(sock: socket.socket) -> int:
    """Bytes still in our send queue (Linux SIOCOUTQ); 0 where the platform cannot tell."""
    request = getattr(termios, "TIOCOUTQ", None)
    if request is None:
        return 0
    try:
        out = fcntl.ioctl(sock.fileno(), request, struct.pack("i", 0))
    except OSError:
        return 0
    return struct.unpack("i", out)[0]


class DeviceFilePrinter(File):
    """``file://`` printer writing through a non-blocking descriptor with a stall timeout.

    Never creates files under /dev: a missing /dev/usb/lp0 means the printer is unplugged, and
    a regular file there would swallow every receipt from then on.
    """

    def __init__(self, devfile: str, timeout: float, **kwargs: object) -> None:
        super().__init__(devfile=devfile, auto_flush=False, **kwargs)
        self.timeout = timeout
        self._fd: int | None = None

    def open(self, raise_not_found: bool = True) -> None:
        flags = os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC
        if not self.devfile.startswith("/dev/"):
            flags |= os.O_CREAT | os.O_TRUNC
        self._fd = os.open(self.devfile, flags, 0o644)
        self.device = self._fd  # for Escpos.device: "open"

    def _raw(self, msg: bytes) -> None:
        assert self._fd is not None, "printer not open"
        view = memoryview(msg)
        while view:
            try:
                written = os.write(self._fd, view)
            except BlockingIOError:
                written = 0
            if written:
                view = view[written:]
                continue
            poller = select.poll()
            poller.register(self._fd, select.POLLOUT)
            if not poller.poll(self.timeout * 1000):
                raise TimeoutError(f"{self.devfile} took no data for {self.timeout}s")

    def flush(self) -> None:
        pass

    def close(self) -> None:
        fd, self._fd = self._fd, None
        self._device = False
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


class TimedSerial(Serial):
    """Serial printer whose writes time out (python-escpos only sets the read timeout)."""

    def open(self, raise_not_found: bool = True) -> None:
        super().open(raise_not_found)
        if self._device:
            self._device.write_timeout = self.timeout


class PreviewPrinter(Dummy):
    """No printer: keeps the job's bytes; ``print_job`` saves them with an HTML rendering."""

    def __init__(self, directory: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.directory = directory


def printer_profile(config: PrinterConfig) -> Profile:
    """python-escpos's default profile with the real paper width (it checks image widths)."""
    default = get_profile()
    profile = Profile(columns=config.columns, features=dict(default.features))
    data = deepcopy(default.profile_data)
    data["media"] = {"width": {"mm": config.width_mm, "pixels": config.dots}, "dpi": 203}
    profile.profile_data = data  # shadows the class-wide dict, for this printer only
    return profile


def make_printer(config: PrinterConfig) -> Escpos:
    """The python-escpos object for a config, not yet connected."""
    profile = printer_profile(config)
    backend = config.backend
    opts = config.options
    if backend == "dummy":
        return Dummy(profile=profile)
    if backend == "preview":
        assert config.preview_dir is not None
        return PreviewPrinter(config.preview_dir, profile=profile)
    if backend == "tcp":
        return TcpPrinter(
            host=config.target, port=config.port, timeout=config.timeout, profile=profile
        )
    if backend == "file":
        return DeviceFilePrinter(config.target, config.timeout, profile=profile)
    if backend == "usb":
        if not Usb.is_usable():
            raise config_error("USB printing needs pyusb: pip install 'python-escpos[usb]'")
        vid, pid = (int(x, 16) for x in config.target.split(":"))
        return Usb(
            idVendor=vid,
            idProduct=pid,
            # milliseconds; python-escpos's default of 0 waits forever
            timeout=int(config.timeout * 1000),
            in_ep=int(opts.get("in_ep", "0x82"), 0),
            out_ep=int(opts.get("out_ep", "0x01"), 0),
            profile=profile,
        )
    if backend == "serial":
        if not Serial.is_usable():
            raise config_error(
                "serial printing needs pyserial: pip install 'python-escpos[serial]'"
            )
        return TimedSerial(
            devfile=config.target,
            baudrate=int(opts.get("baudrate", "9600"), 0),
            bytesize=int(opts.get("bytesize", "8"), 0),
            parity=opts.get("parity", "N").upper(),
            stopbits=int(opts.get("stopbits", "1"), 0),
            xonxoff=opts.get("xonxoff", "no").lower() in ("1", "true", "yes", "on", "y"),
            dsrdtr=opts.get("dsrdtr", "yes").lower() in ("1", "true", "yes", "on", "y"),
            timeout=config.timeout,
            profile=profile,
        )
    if backend == "cups":
        if CupsPrinter.is_usable():
            return CupsPrinter(printer_name=config.target, profile=profile)
        if LP.is_usable() and shutil.which("lp") and shutil.which("lpstat"):
            return LP(printer_name=config.target, profile=profile)
        raise config_error("CUPS printing needs pycups or the lp command (apt install cups-client)")
    raise config_error(f"unknown backend {backend!r}")


def open_printer(config: PrinterConfig) -> Escpos:
    """Create and connect the printer for ``config``. The caller closes it (``close_printer``).

    Raises PrinterError: ``printer_config`` for a backend this machine cannot drive,
    ``printer_offline`` when the printer cannot be reached.
    """
    printer = make_printer(config)
    try:
        printer.open()
    except PermissionError as exc:
        close_printer(printer)
        raise config_error(
            f"no permission to open {config.target}: is the kiosk user in the printer's group? "
            f"(deploy/udev) {_describe(exc)}"
        ) from exc
    except Exception as exc:  # escpos, usb, serial, socket, subprocess: all mean "not reachable"
        close_printer(printer)
        detail = _describe(exc)
        log.warning("printer %s offline: %s", config.url, detail)
        raise offline_error(config, detail) from exc
    if isinstance(printer, Dummy):
        return printer
    if printer._device is None or printer._device is False:  # some backends log, not raise
        raise offline_error(config, "device did not open")
    return printer


def close_printer(printer: Escpos) -> None:
    """Close without raising: closing a dead printer must not hide the job's real error."""
    try:
        printer.close()
    except Exception as exc:
        log.debug("closing printer: %s", _describe(exc))
    # python-escpos closes again from __del__; make that a no-op.
    printer._device = False


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH):
        return f"{type(exc).__name__}: {exc.strerror}"
    text = " ".join(str(exc).split())
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) not in text:
        text += f" ({type(cause).__name__}: {' '.join(str(cause).split())})"
    return f"{type(exc).__name__}: {text}"[:500]
