"""Printer test helpers: an ESC/POS stream reader, a TCP printer stub, receipt factories.

The reader understands exactly the commands our renderer sends and fails on anything else, so a
test that reads a job back also proves the job contains nothing unexpected.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from shop.paper import Receipt, ReceiptLine

CST = timezone(timedelta(hours=8), "CST")


# --- reading ESC/POS back ---------------------------------------------------------------------


@dataclass
class Paper:
    """What a job puts on paper, in order: text lines (str) and images (numpy, 255 = white)."""

    items: list[str | np.ndarray] = field(default_factory=list)
    hanzi_segments: list[str] = field(default_factory=list)  # decoded FS & … FS . contents
    cuts: int = 0
    #: ESC J feeds, by where they fall: ``feeds[k]`` dots fed just before ``items[k]``.
    feeds: dict[int, int] = field(default_factory=dict)

    def white_around(self, item: int) -> tuple[int, int]:
        """Dots of paper fed just above and just below ``items[item]`` (a QR's quiet zone)."""
        return self.feeds.get(item, 0), self.feeds.get(item + 1, 0)

    @property
    def lines(self) -> list[str]:
        return [item for item in self.items if isinstance(item, str)]

    @property
    def hanzi_texts(self) -> list[str]:
        """The Hanzi segments without the spaces that centre them."""
        return [segment.strip() for segment in self.hanzi_segments]

    @property
    def images(self) -> list[np.ndarray]:
        return [item for item in self.items if not isinstance(item, str)]


def read_escpos(data: bytes, charset: str) -> Paper:
    paper = Paper()
    line = b""
    hanzi = False
    i = 0
    n = len(data)
    while i < n:
        two = data[i : i + 2]
        if hanzi:
            end = data.index(b"\x1c.", i)  # no nested commands inside a Hanzi segment
            segment = data[i:end]
            paper.hanzi_segments.append(segment.decode(charset))
            line += segment
            hanzi = False
            i = end + 2
        elif two == b"\x1c&":
            hanzi = True
            i += 2
        elif two == b"\x1b@":
            i += 2
        elif two == b"\x1bJ":
            at = len(paper.items)
            paper.feeds[at] = paper.feeds.get(at, 0) + data[i + 2]
            i += 3
        elif two in (b"\x1bE", b"\x1d!", b"\x1c!", b"\x1bd", b"\x1ba"):
            i += 3
        elif data[i : i + 3] == b"\x1dv0":
            width_bytes = data[i + 4] | data[i + 5] << 8
            height = data[i + 6] | data[i + 7] << 8
            start = i + 8
            raster = np.frombuffer(data[start : start + width_bytes * height], dtype=np.uint8)
            bits = np.unpackbits(raster.reshape(height, width_bytes), axis=1)
            paper.items.append(np.where(bits == 1, 0, 255).astype(np.uint8))  # 1 = black dot
            i = start + width_bytes * height
        elif two == b"\x1dV":
            paper.cuts += 1
            i += 3 if data[i + 2] in (0, 1, 48, 49) else 4
        elif data[i] == 0x0A:
            paper.items.append(line.decode(charset))
            line = b""
            i += 1
        elif 0x20 <= data[i] < 0x7F:
            line += data[i : i + 1]
            i += 1
        else:
            raise AssertionError(f"unexpected byte {data[i]:#04x} at {i}: {data[i : i + 8]!r}")
    assert not hanzi and not line, "job ends in the middle of a line"
    return paper


def decode_qr(image: np.ndarray) -> list[str]:
    import zxingcpp

    padded = np.pad(image, 16, constant_values=255)  # quiet zone for images cut at the edge
    return [r.text for r in zxingcpp.read_barcodes(padded) if r.valid]


# --- a network printer on 127.0.0.1 -----------------------------------------------------------

STATUS_OK = bytes([0x12, 0x12, 0x12])  # DLE EOT 1, 2, 4: online; no offline cause; paper in
#: What a printer in each condition answers to DLE EOT 1, 2 and 4 (Epson's bit layout).
STATUS_ANSWERS = {
    "ok": STATUS_OK,
    "paper_low": bytes([0x12, 0x12, 0x1E]),
    "paper_out": bytes([0x1A, 0x32, 0x72]),  # offline, "stopped: paper end", roll sensor: out
    "cover_open": bytes([0x1A, 0x16, 0x12]),  # offline, cover open
    "error": bytes([0x1A, 0x52, 0x12]),  # offline, error (jam, cutter)
}


class StatusReader:
    """Splits what a printer receives into the job and its DLE EOT questions, the way a printer
    does: real-time commands are answered where they arrive, except inside raster data."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.skip = 0  # raster bytes still to pass through

    def feed(self, chunk: bytes) -> tuple[bytes, list[int]]:
        """The job bytes in ``chunk`` and the status questions (n of each DLE EOT n)."""
        self.buffer += chunk
        job = bytearray()
        questions: list[int] = []
        buf = self.buffer
        i = 0
        while i < len(buf):
            if self.skip:
                take = min(self.skip, len(buf) - i)
                job += buf[i : i + take]
                self.skip -= take
                i += take
                continue
            if buf[i] == 0x10:
                if len(buf) - i < 3:
                    break
                if buf[i + 1] == 0x04:
                    questions.append(buf[i + 2])
                    i += 3
                    continue
            if buf[i] == 0x1D and bytes(buf[i : i + 3]) == b"\x1dv0"[: len(buf) - i]:
                if len(buf) - i < 8:
                    break
                width, height = buf[i + 4] | buf[i + 5] << 8, buf[i + 6] | buf[i + 7] << 8
                job += buf[i : i + 8]
                self.skip = width * height
                i += 8
                continue
            job.append(buf[i])
            i += 1
        del buf[:i]
        return bytes(job), questions


class TcpPrinterStub:
    """Accepts connections like a port-9100 printer and keeps what it receives (``jobs``: the
    job bytes of each connection, the status questions taken out).

    Modes, each a real printer's behaviour:

    * ``ok``: reads everything and answers DLE EOT: online, paper in;
    * ``paper_low``, ``paper_out``, ``cover_open``, ``error``: reads everything and answers so;
    * ``runs_out``: answers "paper in" before the job and "paper out" after it;
    * ``mute``: reads everything and never answers (no back channel);
    * ``close_after``: answers, reads ``limit`` job bytes, then hangs up (closes mid-job);
    * ``stall``: accepts and never reads, with a tiny receive buffer (a jammed printer);
    * ``never_reads``: accepts and never reads, with the kernel's usual buffer: a small job is
      acknowledged whole by the kernel although the printer took nothing.
    """

    ANSWERING = ("ok", "paper_low", "paper_out", "cover_open", "error", "runs_out", "close_after")

    def __init__(self, mode: str = "ok", limit: int = 0) -> None:
        self.mode = mode
        self.limit = limit
        self.received = bytearray()
        self.jobs: list[bytes] = []
        self.questions: list[int] = []
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if mode == "stall":
            self.server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(4)
        self.server.settimeout(0.1)
        self.port = self.server.getsockname()[1]
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.mode in ("stall", "never_reads"):
                self._held.append(conn)
                continue
            self._receive(conn)

    def _answer(self, asked: int, job: bytearray) -> bytes:
        if self.mode not in self.ANSWERING:
            return b""
        condition = self.mode if self.mode in STATUS_ANSWERS else "ok"
        if self.mode == "runs_out" and job:
            condition = "paper_out"
        index = {1: 0, 2: 1, 4: 2}.get(asked)
        return b"" if index is None else STATUS_ANSWERS[condition][index : index + 1]

    def _receive(self, conn: socket.socket) -> None:
        job = bytearray()
        reader = StatusReader()
        conn.settimeout(5)
        with conn:
            while not self._stop.is_set():
                want = 65536
                if self.mode == "close_after":
                    want = self.limit - len(job)
                    if want <= 0:
                        break
                try:
                    chunk = conn.recv(want)
                except OSError:
                    break
                if not chunk:
                    break
                data, questions = reader.feed(chunk)
                job += data
                self.questions += questions
                answers = b"".join(self._answer(n, job) for n in questions)
                if answers:
                    try:
                        conn.sendall(answers)
                    except OSError:
                        break
        self.received += job
        self.jobs.append(bytes(job))

    def wait_for_jobs(self, count: int, timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        while len(self.jobs) < count and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        self._stop.set()
        self.server.close()
        for conn in self._held:
            conn.close()
        self._thread.join(timeout=2)


@pytest.fixture(autouse=True)
def _forget_printer_status():
    from hardware.printing.status import forget

    forget()
    yield
    forget()


@pytest.fixture
def tcp_stub():
    stubs: list[TcpPrinterStub] = []

    def make(mode: str = "ok", limit: int = 0) -> TcpPrinterStub:
        stub = TcpPrinterStub(mode, limit)
        stubs.append(stub)
        return stub

    yield make
    for stub in stubs:
        stub.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nobody listens on (connections are refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


# --- documents ----------------------------------------------------------------------------------


def make_receipt(**overrides) -> Receipt:
    fields = dict(
        shop_name="南康区示范村积分超市",
        kiosk_name="一号机",
        receipt_no="K1-000123",
        printed_at=datetime(2026, 11, 23, 14, 5, tzinfo=CST),
        household_no="0012",
        head_name="张三丰",
        lines=[
            ReceiptLine("洗衣液", 2, "袋", 30, 60),
            ReceiptLine("肥皂", 3, "块", 5, 15),
            ReceiptLine("Colgate 牙膏 120g", 1, "支", 12, 12),
        ],
        total=87,
        balance_after=313,
        verify_code="a1b2c3d4e5",
    )
    fields.update(overrides)
    return Receipt(**fields)


@pytest.fixture
def receipt() -> Receipt:
    return make_receipt()
