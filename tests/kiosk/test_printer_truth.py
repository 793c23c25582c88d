"""What the villager and the clerk are told about paper: a receipt is "printed" only when the
printer said so (fake port-9100 printers that answer DLE EOT like the real faults)."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from shop.db import unit_of_work
from shop.models import PrintJob, Redemption, Village
from tests.backoffice.conftest import StaffClient, seed_staff
from tests.hardware.conftest import TcpPrinterStub
from tests.kiosk.test_screens import _redemptions, _to_confirm

from .conftest import KioskClient, screen_of


@pytest.fixture
def printer():
    stubs: list[TcpPrinterStub] = []

    def make(mode: str) -> TcpPrinterStub:
        stubs.append(TcpPrinterStub(mode))
        return stubs[-1]

    yield make
    for stub in stubs:
        stub.close()


def _redeem_and_print(app, passbooks, key: str):
    kiosk = KioskClient(app)
    row = passbooks["rich"]
    visit, signature = _to_confirm(app, kiosk, row)
    kiosk.post("/confirm", {"visit": visit, "key": key, "basket": signature})
    done = kiosk.post("/print", {"visit": visit})
    receipt = max(_redemptions(app, row["户号"]), key=lambda r: r.id)
    return done, receipt


def _clerk(app) -> StaffClient:
    with unit_of_work(app.extensions["kiosk_db"].writer) as session:
        seed_staff(session, session.scalars(select(Village)).first())
    clerk = StaffClient(app)
    assert clerk.login("clerk").status_code == 303
    return clerk


def test_paper_out_tells_the_villager_and_queues_a_reprint_for_the_clerk(
    make_app, passbooks, printer
):
    stub = printer("paper_out")
    app = make_app(PRINTER=f"{stub.url}?timeout=2")
    done, receipt = _redeem_and_print(app, passbooks, "kq-paper-out-01")

    assert screen_of(done) == ("done", "printer_paper_out")
    assert 'data-print="failed"' in done.text
    assert "打印机没纸了。" in done.text  # why, in words
    assert "请把这个屏幕给管理员看" in done.text
    assert 'class="receipt-paper"' in done.text  # the receipt on the screen instead
    assert "请取走小票" not in done.text
    stub.wait_for_jobs(1)
    assert stub.jobs[0] == b""  # nothing half-printed

    with app.extensions["kiosk_db"].reader() as session:
        job = session.scalar(select(PrintJob).where(PrintJob.redemption_id == receipt.id))
        assert (job.state, job.error) == ("failed", "printer_paper_out")
        assert session.get(Redemption, receipt.id).state == "completed"

    page = _clerk(app).get("/backoffice/clerk/receipts")
    queue = page.text.split('id="reprint-queue"')[1].split("</section>")[0]
    assert receipt.receipt_no in queue and "打印机没纸了" in queue
    assert 'id="printer-condition" data-state="paper_out"' in page.text
    assert "打印机没纸了，请换纸" in page.text

    health = app.test_client().get("/healthz")
    assert health.status_code == 200
    assert health.json["printer"] == {"state": "paper_out", "message": "打印机没纸了，请换纸"}
    assert health.json["status"] == "degraded"


def test_a_printer_that_never_reads_is_sent_not_printed_and_says_so(make_app, passbooks, printer):
    stub = printer("never_reads")
    app = make_app(PRINTER=f"{stub.url}?timeout=1")
    done, receipt = _redeem_and_print(app, passbooks, "kq-never-reads1")

    assert 'data-print="sent"' in done.text
    assert "小票已发给打印机。如果没有出纸，请告诉管理员。" in done.text
    assert "请取走小票" not in done.text
    with app.extensions["kiosk_db"].reader() as session:
        assert session.get(Redemption, receipt.id).print_state == "sent"
    page = _clerk(app).get("/backoffice/clerk/receipts")
    row = page.text.split(f'id="receipt-{receipt.receipt_no}"')[1].split("</tr>")[0]
    assert "已发送，打印机未确认" in row
    assert app.test_client().get("/healthz").json["printer"]["state"] == "unknown"


def test_a_printer_that_answers_fine_is_printed(make_app, passbooks, printer):
    stub = printer("ok")
    app = make_app(PRINTER=f"{stub.url}?timeout=2")
    done, receipt = _redeem_and_print(app, passbooks, "kq-answers-ok01")
    assert 'data-print="printed"' in done.text and "请取走小票" in done.text
    assert app.test_client().get("/healthz").json["printer"]["state"] == "ok"


def test_paper_low_is_printed_and_warns_the_clerk(make_app, passbooks, printer):
    stub = printer("paper_low")
    app = make_app(PRINTER=f"{stub.url}?timeout=2")
    done, _receipt = _redeem_and_print(app, passbooks, "kq-paper-low-01")
    assert 'data-print="printed"' in done.text
    page = _clerk(app).get("/backoffice/clerk/receipts")
    assert "打印纸快用完了，请准备换纸" in page.text


def test_a_slow_printer_never_holds_the_page_past_a_moment(make_app, passbooks):
    """Printing runs beside the request: the done screen's request waits PRINT_WAIT at most and
    the page asks again, so a 9600-baud printer cannot time the page out (issue 13, item 3)."""
    from tests.e2e.printers import SlowPrinter

    slow = SlowPrinter(delay=3.0)
    try:
        app = make_app(PRINTER=slow.url, PRINT_WAIT=0.5)
        kiosk = KioskClient(app)
        visit, signature = _to_confirm(app, kiosk, passbooks["rich"])
        kiosk.post("/confirm", {"visit": visit, "key": "kq-slow-print-1", "basket": signature})
        started = time.monotonic()
        first = kiosk.post("/print", {"visit": visit})
        assert time.monotonic() - started < 2.0
        assert "data-printing" in first.text and 'hx-trigger="load delay:1s"' in first.text
        assert "正在打印小票" in first.text
        for _ in range(40):
            again = kiosk.post("/print", {"visit": visit})
            if "data-printing" not in again.text:
                break
            time.sleep(0.25)
        assert re.search(r"data-print=\"\w+\"", again.text).group(0) == 'data-print="printed"'
        assert "请取走小票" in again.text
        assert slow.wait_for_jobs(1, timeout=2) == 1
    finally:
        slow.close()
