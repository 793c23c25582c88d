"""Printing benchmark: bytes and seconds per slip over a slow serial link (issue 13, item 3).

Every kind of slip (receipt, reprint, void, statement, passbook card, day close, test page) is
rendered to real python-escpos bytes at 58 and 80 mm and printed through the kiosk's own
print_job over the TCP backend to a fake printer on 127.0.0.1 that reads like a serial printer:
at the baud rate's pace (10 bits a byte, 8N1), with a small receive buffer so the sender really
waits, answering DLE EOT in stream order. A job is done when the printer's answer to the status
question after the last byte comes back, so "seconds" is the wall time a villager waits for the
paper, status round trips included.

    .venv/bin/python bench/printing.py                       # 9600 and 115200 baud
    .venv/bin/python bench/printing.py --baud 9600 --quick   # the receipt kinds only

Budgets checked (and printed as OK/OVER): a receipt <= 4096 bytes at 58 mm, <= 6144 at 80 mm.
"""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hardware.printing import PrinterConfig, print_job, render_escpos  # noqa: E402
from shop.households.cards import Card  # noqa: E402
from shop.paper import Receipt, ReceiptLine, StatementRow, StatementSlip, TestPage  # noqa: E402
from shop.stock.slips import DayCloseSlip  # noqa: E402

CST = dt.timezone(dt.timedelta(hours=8), "CST")
NOW = dt.datetime(2026, 12, 4, 10, 30, tzinfo=CST)
BUDGET = {58: 4096, 80: 6144}
STATUS_OK = b"\x12"


class PacedPrinter:
    """A printer behind a serial link: takes ``baud / 10`` bytes a second, answers DLE EOT n
    when it reaches the question (never inside raster data)."""

    def __init__(self, baud: int) -> None:
        self.rate = baud / 10
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(4)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.received = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}?timeout=120"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.server.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                self._receive(conn)

    def _receive(self, conn: socket.socket) -> None:
        conn.settimeout(0.01)
        start = time.monotonic()
        taken = 0
        pending = bytearray()
        skip = 0  # raster bytes still to pass
        while not self._stop.is_set():
            allowed = int((time.monotonic() - start) * self.rate) - taken
            if allowed <= 0:
                time.sleep(0.005)
                continue
            try:
                chunk = conn.recv(min(allowed, 512))
            except TimeoutError:
                # idle link: the pace restarts with the next bytes, as a UART's would
                start, taken = time.monotonic(), 0
                continue
            except OSError:
                return
            if not chunk:
                return
            taken += len(chunk)
            self.received += len(chunk)
            pending += chunk
            answers, skip = _questions(pending, skip)
            if answers:
                conn.sendall(STATUS_OK * answers)


def _questions(buf: bytearray, skip: int) -> tuple[int, int]:
    """Count DLE EOT questions in ``buf`` (consumed), passing over GS v 0 raster data."""
    asked = 0
    i = 0
    while i < len(buf):
        if skip:
            step = min(skip, len(buf) - i)
            skip -= step
            i += step
            continue
        if buf[i] == 0x10:
            if len(buf) - i < 3:
                break
            if buf[i + 1] == 0x04:
                asked += 1
                i += 3
                continue
        if buf[i] == 0x1D and bytes(buf[i : i + 3]) == b"\x1dv0"[: len(buf) - i]:
            if len(buf) - i < 8:
                break
            skip = (buf[i + 4] | buf[i + 5] << 8) * (buf[i + 6] | buf[i + 7] << 8)
            i += 8
            continue
        i += 1
    del buf[:i]
    return asked, skip


LINES = [
    ReceiptLine("洗衣液", 2, "袋", 30, 60),
    ReceiptLine("肥皂", 3, "块", 5, 15),
    ReceiptLine("Colgate 牙膏 120g", 1, "支", 12, 12),
    ReceiptLine("洗发水", 1, "瓶", 25, 25),
    ReceiptLine("食盐", 2, "袋", 3, 6),
    ReceiptLine("扫帚", 1, "把", 10, 10),
]


def _receipt(**extra) -> Receipt:
    fields = dict(
        shop_name="南康区示范村积分超市",
        kiosk_name="一号机",
        receipt_no="K01-000123",
        printed_at=NOW,
        household_no="0012",
        head_name="张三丰",
        lines=LINES,
        total=128,
        balance_after=372,
        verify_code="a1b2c3d4e5f6",
    )
    fields.update(extra)
    return Receipt(**fields)


def _day_close() -> DayCloseSlip:
    return DayCloseSlip(
        {
            "village": {"name": "卢屋村"},
            "date": "2026-12-04",
            "kiosk": {"name": "一号机", "code": "K01"},
            "clerk": "王会计",
            "closed_at": "2026-12-04T09:30:00+00:00",
            "timezone": "Asia/Shanghai",
            "receipts": {
                "first": "K01-000101",
                "last": "K01-000160",
                "issued": 60,
                "issued_then_voided": 1,
                "reprinted": 2,
                "never_printed": ["K01-000140"],
                "missing": 0,
                "gaps": [],
            },
            "voids": [
                {
                    "receipt_no": "K01-000120",
                    "issued_on": "2026-12-04",
                    "points": 30,
                    "reason": "顾客误选商品",
                    "moved_from_closed_day": False,
                }
            ],
            "points": {"redeemed": 4200, "returned": 30, "net": 4170},
            "goods": [
                {"name": line.name, "out": 9, "returned": 0, "net": 9, "unit": line.unit}
                for line in LINES
            ],
            "stocktakes": [],
            "chain": {"seq": 1234, "hash": "9f" * 32},
        }
    )


def slips() -> dict[str, object]:
    statement_rows = [
        StatementRow(dt.date(2026, 11, 1 + n), "垃圾分类" if n % 2 else "兑换 洗衣液", d, 500 + n)
        for n, d in enumerate([10, -30, 5, 20, -12, 8, 10, -25, 15, 6, -5, 10])
    ]
    return {
        "receipt": _receipt(),
        "receipt (3 lines)": _receipt(lines=LINES[:3], total=87),
        "reprint": _receipt(reprint_count=1),
        "void": _receipt(is_void=True, void_reason="顾客误选商品"),
        "statement (12 rows)": StatementSlip(
            "南康区示范村积分超市", "0012", "张三丰", statement_rows, NOW
        ),
        "passbook card": Card(
            "卢屋村", "0012", "张三丰", "三组", NOW.date(), 2, "JF1ABCDEFGHJKMNPQRSTVW0"
        ),
        "day close": _day_close(),
        "test page": TestPage(printed_at=NOW, printer_url="serial:///dev/ttyUSB0"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baud", type=int, action="append", help="default: 9600 and 115200")
    parser.add_argument("--quick", action="store_true", help="receipt kinds only")
    args = parser.parse_args()
    bauds = args.baud or [9600, 115200]
    docs = slips()
    if args.quick:
        docs = {k: v for k, v in docs.items() if k in ("receipt", "reprint", "void")}
    variants = [("text", ""), ("text, printer's QR", "qr=native"), ("picture", "mode=picture")]

    rows = []
    for baud in bauds:
        printer = PacedPrinter(baud)
        try:
            for width in (58, 80):
                for name, doc in docs.items():
                    for label, option in variants:
                        receipt_kind = name in ("receipt", "reprint", "void")
                        if option and not (receipt_kind or option == "mode=picture"):
                            continue
                        if option == "mode=picture" and name != "receipt" and baud < 19200:
                            continue  # picture jobs take half a minute each at 9600
                        url = printer.url() + (f"&{option}" if option else "")
                        config = PrinterConfig.parse(url, width_mm=width)
                        size = len(render_escpos(doc.layout(config.columns), config))
                        before = printer.received
                        started = time.monotonic()
                        result = print_job(config, doc)
                        seconds = time.monotonic() - started
                        assert result.confirmed, "the paced printer did not answer"
                        assert printer.received - before >= size
                        budget = ""
                        if name.startswith("receipt") and label == "text":
                            budget = "OK" if size <= BUDGET[width] else "OVER"
                        rows.append((baud, width, name, label, size, seconds, budget))
                        print(
                            f"{baud:>6} baud {width} mm  {name:<20} {label:<19} "
                            f"{size:>6} B  {seconds:6.2f} s  {budget}",
                            flush=True,
                        )
        finally:
            printer.close()

    print("\n| baud | paper | slip | mode | bytes | seconds |")
    print("|---:|---:|---|---|---:|---:|")
    for baud, width, name, label, size, seconds, budget in rows:
        mark = f" ({budget} budget)" if budget else ""
        print(f"| {baud} | {width} mm | {name} | {label} | {size:,}{mark} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
