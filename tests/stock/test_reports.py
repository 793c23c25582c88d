"""The day-close slip, PDF, XLSX and CSV, and the receiving slip."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
from sqlalchemy import delete

from shop import redemptions
from shop.models import Redemption, RedemptionLine, utcnow
from shop.redemptions import dayclose
from shop.redemptions.limits import local_date
from shop.stock import receiving
from shop.stock.reports import (
    DayCloseSlip,
    ReceivingSlip,
    day_close_csv,
    day_close_xlsx,
    receiving_pdf,
    write_day_close_files,
)

from .helpers import buy


def _closed_report(session, kiosk, create_household, create_product):
    soap, household = create_product(5, 50), create_household(500)
    now = utcnow()
    made = [
        buy(session, household, kiosk, {soap.sku: 1}, at=now - dt.timedelta(seconds=10 - i))
        for i in range(4)
    ]
    redemptions.void_redemption(session, made[0], reason="村民退回，包装破损", actor="clerk")
    session.execute(delete(RedemptionLine).where(RedemptionLine.redemption_id == made[2].id))
    session.execute(delete(Redemption).where(Redemption.id == made[2].id))
    close = dayclose.close_day(
        session, kiosk, local_date(now), actor="clerk", clerk="王会计", now=now
    )
    return dayclose.report_of(close), made


def test_the_slip_fits_58_and_80_mm_paper_and_names_the_gap_and_chain_head(
    session, kiosk, create_household, create_product
):
    report, made = _closed_report(session, kiosk, create_household, create_product)
    for columns in (32, 48):
        lines = DayCloseSlip(report).layout(columns).text_lines()
        text = "\n".join(lines)
        assert "日结单" in text and "王会计" in text
        assert f"缺号：{made[2].receipt_no}" in text
        assert report["chain"]["hash"][:20] in text.replace("\n", "")
    layout = DayCloseSlip(report, "en").layout(48)
    assert layout.qr_payloads == [DayCloseSlip(report).qr_payload]
    assert "Missing numbers" in "\n".join(layout.text_lines())


def test_csv_xlsx_and_pdf_say_the_same_figures(
    session, kiosk, create_household, create_product, tmp_path
):
    report, made = _closed_report(session, kiosk, create_household, create_product)
    rows = list(csv.reader(io.StringIO(day_close_csv(report).decode("utf-8-sig"))))
    assert rows[0] == ["section", "item", "value", "note"]
    facts = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert facts[("receipts", "issued")] == "3" and facts[("receipts", "missing")] == "1"
    assert facts[("gap", made[2].receipt_no)] == made[2].receipt_no
    assert facts[("points", "net")] == str(3 * 5 - 5)
    assert facts[("chain", str(report["chain"]["seq"]))] == report["chain"]["hash"]
    book = openpyxl.load_workbook(io.BytesIO(day_close_xlsx(report)))
    assert book.sheetnames == ["汇总", "商品", "作废", "盘点"]
    assert [c.value for c in book["作废"][2]][:3] == [made[0].receipt_no, report["date"], 5]
    paths = write_day_close_files(report, tmp_path)
    assert paths["pdf"].read_bytes().startswith(b"%PDF")
    assert paths["csv"].name == f"dayclose-{kiosk.code}-{report['date']}.csv"


def test_a_receiving_document_prints_and_exports(session, village, create_product):
    soap = create_product(5, 0)
    doc = receiving.receive_delivery(
        session,
        village,
        [(soap.sku, 24)],
        source_kind="partner",
        source_name="某日化公司",
        value_yuan=360,
        actor="volunteer:li",
    )
    slip = ReceivingSlip(
        village.name,
        doc.doc_no,
        "2026-11-23 10:00",
        doc.source_kind,
        doc.source_name,
        doc.value_fen,
        doc.received_by,
        tuple((ln.product.name, ln.qty, ln.product.unit, ln.on_hand_after) for ln in doc.lines),
    )
    text = "\n".join(slip.layout(32).text_lines())
    assert "入库单" in text and "村企结对 · 某日化公司" in text and "¥360.00" in text
    assert receiving_pdf(slip).startswith(b"%PDF")
