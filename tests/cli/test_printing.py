"""Printing after the commit: a dead, broken or jammed printer never undoes a redemption; the
job is marked failed, nothing reprints by itself, and the clerk's reprint prints once, marked."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import func, select

from kiosk.app import create_app
from kiosk.cli import register
from kiosk.db import writing
from kiosk.printing import print_queued, print_redemption
from kiosk.reprint import print_or_reprint
from shop import demo, households, redemptions, schema
from shop.db import unit_of_work
from shop.models import Household, Kiosk, PrintJob, Redemption

from ..hardware.conftest import TcpPrinterStub, read_escpos


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("printing")
    app = create_app({"INSTANCE_PATH": str(instance), "PRINTER_TIMEOUT": 1.0})
    db = app.extensions["kiosk_db"]
    schema.upgrade(db.engine)
    with unit_of_work(db.writer) as s:
        demo.seed_demo(s, instance)
    with open(instance / "demo-passbooks.csv", encoding="utf-8-sig") as f:
        app.config["TEST_CODES"] = [r["存折二维码"] for r in csv.DictReader(f) if not r["说明"]]
    yield app
    db.engine.dispose()


@pytest.fixture
def refused_url():
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"tcp://127.0.0.1:{port}"


def _redeem(app, n: int) -> tuple[int, str, int]:
    with writing() as s:
        household = households.lookup_passbook(s, app.config["TEST_CODES"][n]).household
        before = household.balance
        kiosk = s.scalar(select(Kiosk))
        made = redemptions.redeem(
            s, household, {"FZ-1": 1}, kiosk=kiosk, idempotency_key=f"print-fault-{n:04d}"
        )
        return made.id, made.receipt_no, before


@pytest.mark.parametrize("fault", ["refused", "hangs_up_mid_receipt", "jammed"])
def test_a_printer_fault_leaves_the_redemption_committed_once(app, fault, refused_url):
    stub = None
    if fault == "refused":
        url = refused_url
    else:
        stub = TcpPrinterStub("close_after" if fault == "hangs_up_mid_receipt" else "stall", 200)
        url = stub.url
    n = ["refused", "hangs_up_mid_receipt", "jammed"].index(fault)
    app.config["PRINTER"] = url
    try:
        with app.app_context():
            redemption_id, receipt_no, before = _redeem(app, n)
            outcome = print_redemption(redemption_id)
            assert outcome.state == "failed"
            assert outcome.error in ("printer_offline", "printer_failed")
            # Asking again (the done screen reloaded, a restart) never prints by itself.
            assert print_queued(redemption_id).state == "failed"
            with writing() as s:
                made = s.get(Redemption, redemption_id)
                assert (made.state, made.print_state) == ("completed", "failed")
                assert s.get(Household, made.household_id).balance == before - 5
                jobs = s.scalars(
                    select(PrintJob).where(PrintJob.redemption_id == redemption_id)
                ).all()
                assert [(j.kind, j.state, j.attempts) for j in jobs] == [("receipt", "failed", 1)]
                assert (
                    s.scalar(
                        select(func.count(Redemption.id)).where(Redemption.receipt_no == receipt_no)
                    )
                    == 1
                )

            good = TcpPrinterStub("ok")
            try:
                again = print_or_reprint(receipt_no, actor="clerk:test", url=good.url)
                good.wait_for_jobs(1)
            finally:
                good.close()
            assert again.state == "printed"
            assert len(good.jobs) == 1
            paper = read_escpos(good.jobs[0], "gb18030").hanzi_texts
            assert any("重打印" in line for line in paper)
            assert any(receipt_no in line for line in paper)
            with writing() as s:
                reprinted = s.get(Redemption, redemption_id)
                assert (reprinted.reprint_count, reprinted.print_state) == (1, "printed")
    finally:
        if stub:
            stub.close()
        app.config["PRINTER"] = "preview"


def test_cli_prints_a_test_page_and_reprints_a_receipt_to_a_file(app, tmp_path):
    register(app)
    runner = app.test_cli_runner()
    page = tmp_path / "test.bin"
    done = runner.invoke(args=["printer", "test", "--printer", f"file://{page}"])
    assert done.exit_code == 0, done.output
    paper = read_escpos(page.read_bytes(), "gb18030")
    assert "GB18030: 堃 喆 犇 镕" in paper.hanzi_texts and paper.images  # the QR is a picture
    with app.app_context(), writing() as s:
        receipt_no = s.scalar(select(Redemption.receipt_no).order_by(Redemption.id))
    first, second = tmp_path / "r1.bin", tmp_path / "r2.bin"
    assert (
        runner.invoke(args=["receipt", receipt_no, "--printer", f"file://{first}"]).exit_code == 0
    )
    assert (
        runner.invoke(args=["receipt", receipt_no, "--printer", f"file://{second}"]).exit_code == 0
    )
    texts = [read_escpos(f.read_bytes(), "gb18030").hanzi_texts for f in (first, second)]
    assert any(receipt_no in line for line in texts[0])
    marks = [sum("重打印" in line for line in t) for t in texts]
    assert marks[1] == 1 and marks[0] <= 1  # the second copy is always marked as a reprint
    missing = runner.invoke(args=["receipt", "K01-999999"])
    assert missing.exit_code != 0 and "unknown_receipt" in missing.output
    bad = runner.invoke(args=["printer", "test", "--printer", "lpt://nowhere"])
    assert bad.exit_code != 0 and "printer_config" in bad.output


def test_cli_test_page_tries_picture_mode_without_changing_the_setting(app, tmp_path):
    """kiosk printer test --mode picture: the whole page as raster, for a printer without a
    Chinese font (issue 13, item 4); the setting itself stays as it was."""
    register(app)
    runner = app.test_cli_runner()
    text_page, picture_page = tmp_path / "text.bin", tmp_path / "picture.bin"
    done = runner.invoke(args=["printer", "test", "--printer", f"file://{text_page}"])
    assert done.exit_code == 0, done.output
    assert "text mode" in done.output and "KIOSK_PRINTER_MODE=picture" in done.output
    assert "A 文字：积分超市 兑换小票" in read_escpos(text_page.read_bytes(), "gb18030").hanzi_texts
    done = runner.invoke(
        args=["printer", "test", "--mode", "picture", "--printer", f"file://{picture_page}"]
    )
    assert done.exit_code == 0, done.output
    assert "picture mode" in done.output
    paper = read_escpos(picture_page.read_bytes(), "gb18030")
    assert paper.hanzi_segments == [] and len(paper.images) > 10
    again = tmp_path / "again.bin"
    assert runner.invoke(args=["printer", "test", "--printer", f"file://{again}"]).exit_code == 0
    assert read_escpos(again.read_bytes(), "gb18030").hanzi_segments  # still text mode
