"""`kiosk close-day`, `day-report`, `void`, `low-stock` through Flask's CLI runner."""

from __future__ import annotations

import json

import openpyxl
import pytest
from sqlalchemy import select, update

from kiosk.app import create_app
from kiosk.cli import register
from kiosk.cli import stock as cli_stock
from kiosk.db import writing
from shop import households, points, redemptions, regions, stock
from shop.errors import DomainError
from shop.models import Base, DayClose, PrintJob, Product, Village
from shop.stock import receiving


@pytest.fixture
def app(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "PRINTER": "preview", "DEVICE": "K01"})
    register(app)
    yield app
    app.extensions["kiosk_db"].engine.dispose()


@pytest.fixture
def runner(app):
    # create_all, not `kiosk init`: migrations have several heads until the lead re-chains them.
    Base.metadata.create_all(app.extensions["kiosk_db"].engine)
    with app.app_context(), writing() as s:
        village = regions.create_village(s, "V-CLI", "命令村")
        kiosk = regions.create_kiosk(s, village, "K01", "一号机")
        household = households.create_household(s, village, "01-001", "王秀英", actor="t")
        points.award_points(s, household, delta=100, actor="t")
        soap = stock.create_product(
            s, village, "SOAP", "肥皂", 5, unit="块", min_level=30, reorder_level=50
        )
        stock.receive_stock(s, soap, 20, actor="t")
        for i in range(3):
            redemptions.redeem(
                s, household, {"SOAP": 1}, kiosk=kiosk, idempotency_key=f"cli-stock-{i:03d}"
            )
    return app.test_cli_runner()


def test_close_day_prints_exports_and_gives_the_same_report_when_run_again(runner, app, tmp_path):
    first = runner.invoke(args=["close-day", "--clerk", "王会计"])
    assert first.exit_code == 0, first.output
    assert "receipts 3 (K01-000001 .. K01-000003)" in first.output
    reports = sorted((tmp_path / "reports").iterdir())
    assert {p.suffix for p in reports} == {".pdf", ".xlsx", ".csv"}
    previews = list((tmp_path / "receipts").glob("dayclose-K01-*.txt"))
    assert previews and "日结单" in previews[0].read_text()
    csv_before = next(p for p in reports if p.suffix == ".csv").read_bytes()
    again = runner.invoke(args=["close-day", "--no-print"])
    assert again.exit_code == 0, again.output
    assert next(p for p in reports if p.suffix == ".csv").read_bytes() == csv_before
    with app.app_context(), writing() as s:
        [close] = s.scalars(select(DayClose)).all()
        assert json.loads(close.report_json)["clerk"] == "王会计"
    shown = runner.invoke(args=["day-report"])
    assert "closed" in shown.output and "chain head" in shown.output


def test_a_control_character_in_a_name_never_stops_the_day_close_export(runner, app, tmp_path):
    """Issue 14.6: an ESC in a product name (from before input refused it) crashed the XLSX
    export after the close had committed, so the files could never be made."""
    with app.app_context(), writing() as s:
        s.execute(
            update(Product)
            .where(Product.sku == "SOAP")
            .values(name='=HYPERLINK("http://x","肥皂")\x1b[0m')
        )
    first = runner.invoke(args=["close-day", "--no-print"])
    assert first.exit_code == 0, first.output
    xlsx = next((tmp_path / "reports").glob("*.xlsx"))
    book = openpyxl.load_workbook(xlsx)
    goods = [c.value for c in book["商品"][2]]
    assert goods[1] == '\'=HYPERLINK("http://x","肥皂")\ufffd[0m' and goods[3] == 3
    # Gone or damaged, the files are made again from the stored close.
    xlsx.unlink()
    again = runner.invoke(args=["close-day", "--no-print"])
    assert again.exit_code == 0, again.output
    assert xlsx.exists()
    with app.app_context(), writing() as s:
        assert len(s.scalars(select(DayClose)).all()) == 1


def test_files_that_cannot_be_written_leave_the_day_closed_and_a_rerun_writes_them(
    runner, app, tmp_path
):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    first = runner.invoke(args=["close-day", "--no-print", "--export", str(blocked / "reports")])
    assert first.exit_code == 1 and "day closed, but the files were not written" in first.output
    with app.app_context(), writing() as s:
        assert len(s.scalars(select(DayClose)).all()) == 1
    again = runner.invoke(args=["close-day", "--no-print", "--export", str(tmp_path / "out")])
    assert again.exit_code == 0, again.output
    assert {p.suffix for p in (tmp_path / "out").iterdir()} == {".pdf", ".xlsx", ".csv"}


def test_void_after_close_prints_a_void_slip_booked_to_the_next_day(runner, app, tmp_path):
    assert runner.invoke(args=["close-day", "--no-print"]).exit_code == 0
    result = runner.invoke(args=["void", "K01-000002", "--reason", "拿错了", "--clerk", "clerk:王"])
    assert result.exit_code == 0, result.output
    assert "booked to" in result.output and "void slip: printed" in result.output
    slip = next((tmp_path / "receipts").glob("void-K01-000002*.txt")).read_text()
    assert "作废" in slip and "原单已日结" in slip
    assert "余额" in slip and "90分" in slip  # 100 - 3 × 5 + 5: the balance after the refund
    with app.app_context(), writing() as s:
        assert s.scalar(select(PrintJob.state).where(PrintJob.kind == "void")) == "printed"
    again = runner.invoke(args=["void", "K01-000002", "--reason", "again"])
    assert again.exit_code != 0 and "already_voided" in again.output


def test_a_void_slip_of_a_receipt_not_voided_is_refused_and_nothing_queued(runner, app):
    with app.app_context(), pytest.raises(DomainError) as refused:
        cli_stock.print_void_slip("K01-000001", actor="clerk:王")
    assert refused.value.code == "receipt_not_voided"
    assert refused.value.text == "这张小票没有作废，没有作废单可以打印。"
    with app.app_context(), writing() as s:
        assert s.scalar(select(PrintJob.id).where(PrintJob.kind == "void")) is None


def test_close_day_of_an_unknown_kiosk_or_a_bad_date_fails_plainly(runner):
    assert "no kiosk" in runner.invoke(args=["close-day", "--kiosk", "K99"]).output
    assert runner.invoke(args=["close-day", "--date", "20-11-2026"]).exit_code != 0


def test_low_stock_lists_goods_below_minimum_with_the_quantity_to_order(runner):
    result = runner.invoke(args=["low-stock"])
    assert result.exit_code == 0, result.output
    assert "SOAP" in result.output and "on hand 17" in result.output and "order 33" in result.output


def test_a_receiving_slip_prints_on_the_receipt_printer(runner, app, tmp_path):
    with app.app_context():
        with writing() as s:
            village = s.scalar(select(Village))
            doc = receiving.receive_delivery(
                s, village, [("SOAP", 24)], source_kind="budget", value_yuan=120, actor="v:li"
            )
            doc_id = doc.id
        result = cli_stock.print_receiving_slip(doc_id)
    assert "入库单" in result.path.with_suffix(".txt").read_text()
