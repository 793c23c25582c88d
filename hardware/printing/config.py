"""Which printer, how wide, which charset: parsed from one URL plus a few options.

URL forms (KIOSK_PRINTER)::

    usb://0416:5011                      python-escpos Usb (libusb); ?out_ep=0x03&in_ep=0x81
    tcp://192.168.1.50:9100              a network printer (raw port 9100)
    serial:///dev/ttyUSB0?baudrate=9600  serial; also bytesize, parity (N/E/O), stopbits,
                                         xonxoff, dsrdtr
    file:///dev/usb/lp0                  the kernel's usblp device (or any file)
    cups://receipt58                     a CUPS queue (raw)
    preview                              no printer: the job is saved under preview_dir
    dummy                                bytes kept in memory (tests)

Any URL also takes ``?timeout=SECONDS``, ``?qr=image|native`` and ``?mode=text|picture``
(``picture``: the whole slip as raster images, for printers without a Chinese font).
``tcp``, ``usb`` and ``serial`` take
``?status=no`` for a printer that cannot answer DLE EOT (its jobs are then "sent", not
"printed").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

from hardware.escpos_cjk import CHARSETS, DEFAULT_CJK_FONT, DOTS_PER_COLUMN

Backend = Literal["usb", "tcp", "serial", "file", "cups", "preview", "dummy"]

#: Paper width in mm -> (text columns, printable dots).
PAPER = {58: (32, 32 * DOTS_PER_COLUMN), 80: (48, 48 * DOTS_PER_COLUMN)}

MODES = ("text", "picture")

DEFAULT_TIMEOUT = 8.0  # seconds; a stalled printer fails the job instead of hanging the kiosk


class PrinterError(Exception):
    """Printing failed. ``code`` is stable and what the UI and tests look at:

    * ``printer_offline``: the printer cannot be reached or opened (unplugged, off, wrong address);
    * ``printer_failed``: it went wrong during the job (cable pulled, stalled, paper jam);
    * ``printer_config``: the configuration is wrong (bad URL, width, charset, missing driver);
    * ``printer_paper_out``, ``printer_cover_open``, ``printer_error``: the printer said so when
      asked (DLE EOT) before or after the job.

    ``detail`` carries the technical reason for the log.
    """

    CODES = (
        "printer_offline",
        "printer_failed",
        "printer_config",
        "printer_paper_out",
        "printer_cover_open",
        "printer_error",
    )

    def __init__(self, code: str, message_zh: str, message_en: str, detail: str = "") -> None:
        if code not in self.CODES:
            raise ValueError(f"unknown printer error code {code!r}")
        super().__init__(code, message_zh, message_en, detail)
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.detail = detail

    def message(self, lang: str = "zh") -> str:
        return self.message_zh if lang == "zh" else self.message_en

    def __str__(self) -> str:
        return f"{self.code}: {self.message_en}" + (f" ({self.detail})" if self.detail else "")


def config_error(detail: str) -> PrinterError:
    return PrinterError(
        "printer_config", "打印机设置有误，请联系管理员", "Printer misconfigured", detail
    )


_URL_OPTIONS: dict[str, frozenset[str]] = {
    "usb": frozenset({"in_ep", "out_ep", "timeout", "status", "mode", "qr"}),
    "tcp": frozenset({"timeout", "status", "mode", "qr"}),
    "serial": frozenset(
        {"baudrate", "bytesize", "parity", "stopbits", "xonxoff", "dsrdtr", "timeout", "status"}
        | {"mode", "qr"}
    ),
    "file": frozenset({"timeout", "mode", "qr"}),
    "cups": frozenset({"timeout", "mode", "qr"}),
    "preview": frozenset({"mode", "qr"}),
    "dummy": frozenset({"mode", "qr"}),
}


@dataclass(frozen=True)
class PrinterConfig:
    """A parsed printer setting. Build it with :meth:`parse` or :meth:`from_env`."""

    url: str
    backend: Backend
    target: str = ""  # usb: "VID:PID"; tcp: host; serial/file: path; cups: queue name
    port: int = 0
    options: Mapping[str, str] = field(default_factory=dict)
    width_mm: int = 58
    charset: str = "gb18030"
    can_cut: bool = True
    timeout: float = DEFAULT_TIMEOUT
    font_path: str = DEFAULT_CJK_FONT
    preview_dir: Path | None = None
    mode: str = "text"  # text: Hanzi in the printer's font where it can | picture: all raster

    @property
    def native_qr(self) -> bool:
        """``?qr=native``: the printer draws QR codes itself (GS ( k), the fewest bytes; most
        cheap 58 mm printers lack the command, so the default sends the code as a picture."""
        return self.options.get("qr", "image") == "native"

    @property
    def asks_status(self) -> bool:
        """Whether jobs ask the printer for its status (backends with a back channel)."""
        if self.backend not in ("tcp", "usb", "serial"):
            return False
        return _parse_bool(self.options.get("status", "yes"), "status")

    @property
    def columns(self) -> int:
        return PAPER[self.width_mm][0]

    @property
    def dots(self) -> int:
        return PAPER[self.width_mm][1]

    @classmethod
    def parse(
        cls,
        url: str,
        *,
        width_mm: int | str = 58,
        charset: str = "gb18030",
        can_cut: bool | str = True,
        timeout: float | str | None = None,
        font_path: str | os.PathLike[str] | None = None,
        preview_dir: str | os.PathLike[str] | None = None,
        mode: str | None = None,
    ) -> PrinterConfig:
        """Parse a printer URL and options; raises PrinterError(printer_config) on nonsense."""
        url = (url or "").strip()
        try:
            width = int(width_mm)
        except (TypeError, ValueError):
            raise config_error(f"paper width must be 58 or 80, not {width_mm!r}") from None
        if width not in PAPER:
            raise config_error(f"paper width must be 58 or 80, not {width_mm!r}")
        charset_norm = str(charset or "gb18030").lower().replace("-", "").replace("_", "")
        if charset_norm not in CHARSETS:
            raise config_error(f"charset must be one of {', '.join(CHARSETS)}, not {charset!r}")
        cut = can_cut if isinstance(can_cut, bool) else _parse_bool(can_cut, "cut")

        backend, target, port, options = _parse_url(url)
        raw_timeout = options.pop("timeout", None) if timeout is None else timeout
        seconds = DEFAULT_TIMEOUT if raw_timeout in (None, "") else _parse_float(raw_timeout)
        url_mode = options.pop("mode", None)
        chosen_mode = (mode or url_mode or "text").strip().lower()
        if chosen_mode not in MODES:
            raise config_error(f"printer mode must be text or picture, not {chosen_mode!r}")
        if "status" in options:
            _parse_bool(options["status"], "status")
        if options.get("qr", "image") not in ("image", "native"):
            raise config_error(f"qr must be image or native, not {options['qr']!r}")
        if backend == "preview":
            directory = Path(target) if target else Path(preview_dir or "instance/receipts")
        else:
            directory = Path(preview_dir) if preview_dir else None
        return cls(
            url=url,
            backend=backend,
            target=target,
            port=port,
            options=options,
            width_mm=width,
            charset=charset_norm,
            can_cut=cut,
            timeout=seconds,
            font_path=str(font_path) if font_path else DEFAULT_CJK_FONT,
            preview_dir=directory,
            mode=chosen_mode,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> PrinterConfig:
        """From KIOSK_PRINTER (default ``preview``), KIOSK_PRINTER_WIDTH, KIOSK_PRINTER_CHARSET,
        KIOSK_PRINTER_CUT, KIOSK_PRINTER_TIMEOUT, KIOSK_PRINTER_MODE, KIOSK_CJK_FONT; previews go to
        KIOSK_PRINTER_PREVIEW_DIR or ``$KIOSK_INSTANCE_PATH/receipts``.
        """
        env = os.environ if env is None else env
        instance = env.get("KIOSK_INSTANCE_PATH") or "instance"
        return cls.parse(
            env.get("KIOSK_PRINTER") or "preview",
            width_mm=env.get("KIOSK_PRINTER_WIDTH") or 58,
            charset=env.get("KIOSK_PRINTER_CHARSET") or "gb18030",
            can_cut=env.get("KIOSK_PRINTER_CUT") or True,
            timeout=env.get("KIOSK_PRINTER_TIMEOUT") or None,
            font_path=env.get("KIOSK_CJK_FONT") or None,
            preview_dir=env.get("KIOSK_PRINTER_PREVIEW_DIR") or Path(instance) / "receipts",
            mode=env.get("KIOSK_PRINTER_MODE") or None,
        )


def _parse_bool(value: str, what: str) -> bool:
    v = str(value).strip().lower()
    if v in ("1", "true", "yes", "on", "y"):
        return True
    if v in ("0", "false", "no", "off", "n"):
        return False
    raise config_error(f"{what} must be yes or no, not {value!r}")


def _parse_float(value: object) -> float:
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise config_error(f"timeout must be a number of seconds, not {value!r}") from None
    if not 0 < seconds <= 300:
        raise config_error(f"timeout must be between 0 and 300 seconds, not {value!r}")
    return seconds


def _parse_url(url: str) -> tuple[Backend, str, int, dict[str, str]]:
    if url in ("preview", "dummy"):
        return url, "", 0, {}  # type: ignore[return-value]
    try:
        parts = urlsplit(url)
        query = dict(
            parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        )
    except ValueError as exc:
        raise config_error(f"cannot parse printer URL {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in _URL_OPTIONS:
        raise config_error(
            f"printer URL {url!r} must start with usb://, tcp://, serial://, file://, cups://, "
            "or be 'preview' or 'dummy'"
        )
    unknown = set(query) - _URL_OPTIONS[scheme]
    if unknown:
        raise config_error(f"unknown option(s) {', '.join(sorted(unknown))} in {url!r}")
    backend: Backend = scheme  # type: ignore[assignment]

    if backend == "usb":
        target = _parse_usb_ids(parts.netloc, url)
        for ep in ("in_ep", "out_ep"):
            if ep in query:
                _parse_int(query[ep], ep, url)
        return backend, target, 0, query
    if backend == "tcp":
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise config_error(f"bad port in {url!r}") from None
        if not host:
            raise config_error(f"no host in {url!r}: use tcp://192.168.1.50:9100")
        return backend, host, port or 9100, query
    if backend in ("serial", "file"):
        path = parts.path
        if parts.netloc or not path.startswith("/"):
            raise config_error(
                f"{backend} URL needs an absolute path: {backend}:///dev/…, not {url!r}"
            )
        if backend == "serial":
            _check_serial_options(query, url)
        return backend, path, 0, query
    if backend == "cups":
        name = parts.netloc or parts.path.strip("/")
        return backend, name, 0, query
    # preview:///some/dir
    if parts.path and not parts.path.startswith("/"):
        raise config_error(f"preview URL needs an absolute directory: {url!r}")
    return backend, parts.path, 0, query


def _parse_usb_ids(netloc: str, url: str) -> str:
    try:
        vid_s, pid_s = netloc.split(":")
        vid, pid = int(vid_s, 16), int(pid_s, 16)
    except ValueError:
        raise config_error(
            f"USB printer must be usb://VID:PID in hex (see lsusb), not {url!r}"
        ) from None
    if not (0 < vid <= 0xFFFF and 0 < pid <= 0xFFFF):
        raise config_error(f"USB ids out of range in {url!r}")
    return f"{vid:04x}:{pid:04x}"


def _parse_int(value: str, what: str, url: str) -> int:
    try:
        return int(value, 0)
    except ValueError:
        raise config_error(f"{what} must be a number in {url!r}, not {value!r}") from None


def _check_serial_options(query: Mapping[str, str], url: str) -> None:
    for name in ("baudrate", "bytesize", "stopbits"):
        if name in query:
            _parse_int(query[name], name, url)
    if "parity" in query and query["parity"].upper() not in ("N", "E", "O", "M", "S"):
        raise config_error(f"parity must be N, E or O in {url!r}")
    for name in ("xonxoff", "dsrdtr"):
        if name in query:
            _parse_bool(query[name], name)
