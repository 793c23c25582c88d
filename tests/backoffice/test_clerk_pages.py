"""The clerk's pages over a real SQLite database: today's receipts and the reprint queue,
reprint, void with a reason (points and goods come back, a void slip is printed), and the day
close (the page's figures are dayclose.day_report's; closing again shows the same report)."""

from __future__ import annotations

import csv
import io
import itertools
import re

from sqlalchemy import func, select

from shop import redemptions
from shop.db import unit_of_work
from shop.ledger.verify import verify_ledger
from shop.models import DayClose, Household, Kiosk, PrintJob, Product, Redemption, utcnow
from shop.redemptions import dayclose
from shop.redemptions.limits import local_date

HX = {"HX-Request": "true"}
_keys = itertools.count(1)


def sell(app, basket: dict[str, int], *, household_index: int = 0) -> str:
    """A redemption at this app's kiosk, as the kiosk would book it; returns the receipt number."""
    db = app.extensions["kiosk_db"]
    with unit_of_work(db.writer) as session:
        household = session.scalars(
            select(Household)
            .where(Household.status == "active")
            .order_by(Household.balance.desc(), Household.id)
        ).all()[household_index]
        kiosk = session.scalar(select(Kiosk).where(Kiosk.code == app.config["DEVICE"]))
        receipt = redemptions.redeem(
            session,
            household,
            basket,
            kiosk=kiosk,
            idempotency_key=f"clerk-test-{next(_keys):06d}",
        )
        return receipt.receipt_no


def _row(app, receipt_no: str):
    with app.extensions["kiosk_db"].reader() as db:
        r = db.scalar(select(Redemption).where(Redemption.receipt_no == receipt_no))
        household = db.get(Household, r.household_id)
        return r.state, household.balance, r.reprint_count


def _on_hand(app, sku: str) -> int:
    with app.extensions["kiosk_db"].reader() as db:
        return db.scalar(select(Product.on_hand).where(Product.sku == sku))


def test_todays_receipts_show_print_state_and_the_unprinted_queue(app, staff_client):
    receipt_no = sell(app, {"FZ-1": 2})
    page = staff_client("clerk").get("/backoffice/clerk/receipts")
    assert page.status_code == 200
    assert f'id="receipt-{receipt_no}"' in page.text
    # Never printed (no kiosk page drove the printer): it waits in the reprint queue...
    assert f'id="queue-{receipt_no}"' in page.text and "待打印" in page.text
    # ...until the clerk prints it.
    staff_client("clerk").post(f"/backoffice/clerk/receipts/{receipt_no}/reprint")
    after = staff_client("clerk").get("/backoffice/clerk/receipts").text
    assert f'id="queue-{receipt_no}"' not in after
    assert staff_client("supervisor").get("/backoffice/clerk/receipts").status_code == 200


def test_a_reprint_prints_marked_and_counted(app, staff_client):
    receipt_no = sell(app, {"YG-1": 1})
    clerk = staff_client("clerk")
    first = clerk.post(f"/backoffice/clerk/receipts/{receipt_no}/reprint")
    assert first.status_code == 303  # never printed: this is its first print, not a reprint
    assert _row(app, receipt_no)[2] == 0
    again = clerk.post(f"/backoffice/clerk/receipts/{receipt_no}/reprint", headers=HX)
    assert again.headers["HX-Redirect"].endswith(f"/backoffice/clerk/receipts/{receipt_no}")
    assert _row(app, receipt_no)[2] == 1
    with app.extensions["kiosk_db"].reader() as db:
        kinds = db.execute(
            select(PrintJob.kind, PrintJob.state)
            .join(Redemption, Redemption.id == PrintJob.redemption_id)
            .where(Redemption.receipt_no == receipt_no)
            .order_by(PrintJob.id)
        ).all()
        assert [tuple(k) for k in kinds] == [("receipt", "printed"), ("reprint", "printed")]
        assert (
            db.scalar(select(Redemption.print_state).where(Redemption.receipt_no == receipt_no))
            == "printed"
        )
    page = clerk.get(f"/backoffice/clerk/receipts/{receipt_no}")
    assert "重打印" in page.text


def test_a_void_returns_points_and_goods_and_prints_the_void_slip(make_app, tmp_path, staff_client):
    slip = tmp_path / "lp0"
    app = make_app(PRINTER=f"file://{slip}")
    from tests.backoffice.conftest import StaffClient

    clerk = StaffClient(app)
    assert clerk.login("clerk").status_code == 303
    soap = _on_hand(app, "FZ-1")
    receipt_no = sell(app, {"FZ-1": 3})
    _state, balance, _ = _row(app, receipt_no)
    refused = clerk.post(f"/backoffice/clerk/receipts/{receipt_no}/void", {"reason": " "})
    assert "error=reason_required" in refused.headers["Location"]
    assert _row(app, receipt_no)[0] == "completed"

    voided = clerk.post(f"/backoffice/clerk/receipts/{receipt_no}/void", {"reason": "拿错了"})
    assert voided.status_code == 303
    state, balance_after, _ = _row(app, receipt_no)
    assert state == "voided" and balance_after == balance + 15
    assert _on_hand(app, "FZ-1") == soap
    assert slip.stat().st_size > 0  # the void slip went to the printer
    with app.extensions["kiosk_db"].reader() as db:
        job = db.scalar(select(PrintJob).where(PrintJob.kind == "void"))
        # a file:// printer cannot say whether paper came out: sent, never "printed"
        assert (job.state, job.requested_by) == ("sent", "staff:clerk")
        assert verify_ledger(db.connection()).problems == []
    page = clerk.get(f"/backoffice/clerk/receipts/{receipt_no}")
    assert 'data-state="voided"' in page.text and "拿错了" in page.text
    twice = clerk.post(f"/backoffice/clerk/receipts/{receipt_no}/void", {"reason": "again"})
    assert "error=already_voided" in twice.headers["Location"]
    assert _row(app, receipt_no)[1] == balance + 15


def test_day_close_previews_closes_freezes_and_downloads(app, staff_client):
    sold = [sell(app, {"FZ-1": 2, "YG-1": 1}), sell(app, {"Y-500": 4}, household_index=1)]
    clerk = staff_client("clerk")
    clerk.post(f"/backoffice/clerk/receipts/{sold[0]}/void", {"reason": "退货"})
    day = local_date(utcnow())
    with app.extensions["kiosk_db"].reader() as db:
        kiosk = db.scalar(select(Kiosk).where(Kiosk.code == app.config["DEVICE"]))
        expected = dayclose.day_report(db, kiosk, day)

    def figures(text: str) -> dict[str, str]:
        return dict(re.findall(r'id="dc-([a-z-]+)">\s*(-?\d+)', text))

    preview = clerk.get("/backoffice/clerk/dayclose")
    assert 'data-state="preview"' in preview.text
    shown = figures(preview.text)
    assert shown["issued"] == str(expected["receipts"]["issued"]) == "2"
    assert shown["issued-voided"] == "1" and shown["voids"] == "1"
    assert shown["points-redeemed"] == str(expected["points"]["redeemed"])
    assert shown["points-returned"] == str(expected["points"]["returned"])
    assert shown["points-net"] == str(expected["points"]["net"])

    closed = clerk.post(
        "/backoffice/clerk/dayclose",
        {"kiosk": kiosk.code, "day": day.isoformat(), "clerk": "王会计"},
    )
    assert closed.status_code == 303
    page = clerk.get(closed.headers["Location"])
    assert 'data-state="closed"' in page.text and "王会计" in page.text
    assert figures(page.text) == shown
    with app.extensions["kiosk_db"].reader() as db:
        # the demo's old shop days are closed too: this test's close is today's
        close = db.scalar(select(DayClose).where(DayClose.business_date == day))
        frozen, digest = dayclose.report_of(close), close.report_sha256
    for key in ("receipts", "points", "goods", "voids"):
        assert frozen[key] == expected[key]

    # Closing again shows the very same report; nothing new is written.
    again = clerk.post(
        "/backoffice/clerk/dayclose",
        {"kiosk": kiosk.code, "day": day.isoformat(), "clerk": "someone else"},
        headers=HX,
    )
    assert "HX-Redirect" in again.headers
    with app.extensions["kiosk_db"].reader() as db:
        today = DayClose.business_date == day
        assert db.scalar(select(func.count(DayClose.id)).where(today)) == 1
        assert db.scalar(select(DayClose.report_sha256).where(today)) == digest
    assert "王会计" in clerk.get(closed.headers["Location"]).text

    base = f"/backoffice/clerk/dayclose/{kiosk.code}/{day.isoformat()}"
    pdf = clerk.get(f"{base}/pdf")
    assert pdf.content_type == "application/pdf" and pdf.data.startswith(b"%PDF")
    xlsx = clerk.get(f"{base}/xlsx")
    assert xlsx.content_type.startswith("application/vnd.openxmlformats")
    assert xlsx.data.startswith(b"PK")
    text = clerk.get(f"{base}/csv")
    assert text.content_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(text.data.decode("utf-8-sig"))))
    assert ["小票", "开出小票", "2", ""] in rows
    assert ["积分", "净兑积分", str(expected["points"]["net"]), ""] in rows
    assert "attachment" in text.headers["Content-Disposition"]
    printed = clerk.post(f"{base}/print")
    assert printed.status_code == 303
    supervisor = staff_client("supervisor")
    assert supervisor.get(f"{base}/csv").status_code == 200
    assert 'id="dc-print"' not in supervisor.get(closed.headers["Location"]).text


def test_an_open_day_has_nothing_to_download(app, staff_client):
    clerk = staff_client("clerk")
    day = local_date(utcnow()).isoformat()
    assert (
        clerk.get(f"/backoffice/clerk/dayclose/{app.config['DEVICE']}/{day}/pdf").status_code == 404
    )


def test_the_clerk_pages_speak_english_on_request(app, staff_client):
    clerk = staff_client("clerk")
    clerk.post("/backoffice/lang", {"lang": "en", "next": "/backoffice/clerk/dayclose"})
    page = clerk.get("/backoffice/clerk/dayclose").text
    assert "Day close" in page and "Receipts issued" in page and "Close the day" in page
