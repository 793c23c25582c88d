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
from shop.stock.reports import day_close_csv, day_close_xlsx, write_day_close_files
from shop.stock.slips import DayCloseSlip, ReceivingSlip, receiving_pdf

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
    raw = day_close_csv(report)
    assert raw.startswith("\ufeff".encode())  # Excel opens UTF-8 only with the BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["分类", "项目", "数值", "说明"]
    facts = {(r[0], r[1]): r[2] for r in rows[1:]}
    assert facts[("小票", "开出小票")] == "3" and facts[("小票", "缺号张数")] == "1"
    assert facts[("缺号", "缺号起")] == made[2].receipt_no
    assert facts[("积分", "净兑积分")] == str(3 * 5 - 5)
    assert facts[("账本链头", "链头哈希")] == report["chain"]["hash"]
    book = openpyxl.load_workbook(io.BytesIO(day_close_xlsx(report)))
    assert book.sheetnames == ["汇总", "小票", "小票明细", "商品", "作废", "盘点"]
    summary = {(r[0].value, r[1].value): r[2] for r in book["汇总"].iter_rows(min_row=2)}
    issued = summary[("小票", "开出小票")]
    assert issued.value == 3 and issued.data_type == "n"  # a number the clerk can sum
    assert isinstance(summary[("日结", "日期")].value, dt.datetime)  # a date, not text
    void_row = [c.value for c in book["作废"][2]]
    assert void_row[0] == made[0].receipt_no and void_row[2] == 5
    assert void_row[1].date() == local_date(made[0].created_at)
    # One row per receipt (the removed one is the gap), numbers and times typed.
    per_receipt = [[c.value for c in row] for row in book["小票"].iter_rows(min_row=2)]
    assert [r[0] for r in per_receipt] == [made[i].receipt_no for i in (0, 1, 3)]
    assert [r[5] for r in per_receipt] == [5, 5, 5]
    assert [r[6] for r in per_receipt] == ["已作废", "正常", "正常"]
    assert all(isinstance(r[1], dt.datetime) for r in per_receipt)
    assert book["小票明细"].max_row == 4
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
