"""Day close (日结): the clerk's reconciliation of one kiosk-day."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select

from shop import ledger, redemptions
from shop.errors import DomainError
from shop.ledger import sentences
from shop.models import Journal, PrintJob, Redemption, RedemptionLine, utcnow
from shop.redemptions import dayclose, dayreport
from shop.redemptions.limits import local_date
from shop.stock import stocktake

from .helpers import buy, local, verified


def test_the_report_counts_receipts_points_goods_voids_and_printing(
    session, village, kiosk, create_household, create_product
):
    day = dt.date(2026, 11, 20)
    soap, oil = create_product(5, 50), create_product(8, 50)
    a, b = create_household(500), create_household(500)
    buy(session, a, kiosk, {oil.sku: 3}, at=local(2026, 11, 19, 23, 50))  # the day before
    r1 = buy(session, a, kiosk, {soap.sku: 2}, at=local(2026, 11, 20, 9))
    r2 = buy(session, b, kiosk, {soap.sku: 1, oil.sku: 1}, at=local(2026, 11, 20, 15))
    buy(session, b, kiosk, {oil.sku: 1}, at=local(2026, 11, 21, 0, 10))  # the next day
    r1.print_state = "printed"
    session.add(
        PrintJob(
            redemption_id=r1.id, kind="reprint", state="printed", created_at=local(2026, 11, 20, 10)
        )
    )
    session.flush()
    report = dayclose.day_report(session, kiosk, day, clerk="会计王")
    receipts = report["receipts"]
    assert (receipts["first"], receipts["last"]) == (r1.receipt_no, r2.receipt_no)
    assert receipts["issued"] == 2 and receipts["gaps"] == [] and receipts["missing"] == 0
    assert receipts["reprinted"] == 1 and receipts["never_printed"] == [r2.receipt_no]
    assert report["points"] == {"redeemed": 10 + 5 + 8, "returned": 0, "net": 23}
    goods = {g["sku"]: (g["out"], g["returned"], g["net"]) for g in report["goods"]}
    assert goods == {soap.sku: (3, 0, 3), oil.sku: (1, 0, 1)}
    assert report["clerk"] == "会计王" and report["date"] == "2026-11-20"


def test_a_gap_in_receipt_numbers_is_reported(
    session, village, kiosk, create_household, create_product
):
    soap, household = create_product(5, 50), create_household(500)
    made = [
        buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 20, 9 + i))
        for i in range(5)
    ]
    # Someone removes receipts 2 and 3 from the database behind the shop's back.
    gone = [made[1].id, made[2].id]
    session.execute(delete(RedemptionLine).where(RedemptionLine.redemption_id.in_(gone)))
    session.execute(delete(Redemption).where(Redemption.id.in_(gone)))
    session.expire_all()
    report = dayclose.day_report(session, kiosk, dt.date(2026, 11, 20))
    assert report["receipts"]["gaps"] == [[made[1].receipt_no, made[2].receipt_no]]
    assert report["receipts"]["missing"] == 2 and report["receipts"]["issued"] == 3


def test_a_gap_at_the_end_of_a_day_shows_on_the_next_day(
    session, village, kiosk, create_household, create_product
):
    soap, household = create_product(5, 50), create_household(500)
    buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 20, 9))
    last = buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 20, 18))
    buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 21, 9))
    session.execute(delete(RedemptionLine).where(RedemptionLine.redemption_id == last.id))
    session.execute(delete(Redemption).where(Redemption.id == last.id))
    report = dayclose.day_report(session, kiosk, dt.date(2026, 11, 21))
    assert report["receipts"]["gaps"] == [[last.receipt_no, last.receipt_no]]


def test_closing_writes_a_day_close_event_and_closing_again_gives_the_same_report(
    session, village, kiosk, create_household, create_product
):
    soap, household = create_product(5, 50), create_household(500)
    buy(session, household, kiosk, {soap.sku: 2}, at=local(2026, 11, 20, 9))
    close = dayclose.close_day(
        session,
        kiosk,
        dt.date(2026, 11, 20),
        actor="clerk:wang",
        clerk="王会计",
        now=local(2026, 11, 20, 18),
    )
    journal = session.get(Journal, close.journal_id)
    assert journal.kind == "day_close" and journal.ref == f"{kiosk.code}:2026-11-20"
    assert close.report_sha256 in journal.memo
    report = dayclose.report_of(close)
    assert report["chain"] == {"seq": journal.seq, "hash": journal.hash}
    assert ledger.head(session, village.id) == (journal.seq, journal.hash)
    again = dayclose.close_day(
        session, kiosk, dt.date(2026, 11, 20), actor="clerk:li", now=local(2026, 11, 21, 9)
    )
    assert again.id == close.id and again.report_json == close.report_json
    assert (
        session.scalar(
            select(Journal.id).where(Journal.kind == "day_close").order_by(Journal.id.desc())
        )
        == journal.id
    )  # no second event
    assert verified(session, village)


def test_a_closed_day_refuses_new_receipts(
    session, village, kiosk, create_household, create_product
):
    soap, household = create_product(5, 50), create_household(500)
    dayclose.close_day(
        session, kiosk, dt.date(2026, 11, 20), actor="clerk", now=local(2026, 11, 20, 18)
    )
    with pytest.raises(DomainError) as err:
        buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 20, 19))
    assert err.value.code == "day_closed"
    session.refresh(household)
    session.refresh(kiosk)
    assert household.balance == 500 and kiosk.last_receipt_seq == 0  # no number used up
    buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 21, 8))


def test_a_void_after_the_close_lands_on_the_next_open_day_and_says_so(
    session, village, kiosk, create_household, create_product
):
    now = utcnow()
    today = local_date(now)
    soap, household = create_product(5, 50), create_household(500)
    receipt = buy(session, household, kiosk, {soap.sku: 2}, at=now - dt.timedelta(seconds=1))
    close = dayclose.close_day(session, kiosk, today, actor="clerk", now=now)
    redemptions.void_redemption(session, receipt, reason="村民退回", actor="clerk")
    booking = dayclose.void_booking(session, receipt.id)
    assert booking.business_date == today + dt.timedelta(days=1) and booking.is_moved
    void_journal = session.get(Journal, receipt.void_journal_id)
    said = sentences.read("void", void_journal.ref, void_journal.memo)
    assert said == f"村民退回（原单{today}已日结，作废记入{booking.business_date}）"
    # The closed day's report does not change; the next day's shows the void.
    assert dayclose.close_day(session, kiosk, today, actor="clerk").report_json == close.report_json
    nxt = dayclose.day_report(session, kiosk, today + dt.timedelta(days=1))
    assert [(v["receipt_no"], v["points"], v["moved_from_closed_day"]) for v in nxt["voids"]] == [
        (receipt.receipt_no, 10, True)
    ]
    assert nxt["points"]["returned"] == 10
    assert {g["sku"]: g["returned"] for g in nxt["goods"]} == {soap.sku: 2}
    session.refresh(household)
    session.refresh(soap)
    assert (household.balance, soap.on_hand) == (500, 50)
    assert verified(session, village)


def test_a_void_on_an_open_day_is_booked_to_that_day(
    session, village, kiosk, create_household, create_product
):
    soap, household = create_product(5, 50), create_household(500)
    receipt = buy(session, household, kiosk, {soap.sku: 1})
    redemptions.void_redemption(session, receipt, reason="拿错", actor="clerk")
    booking = dayclose.void_booking(session, receipt.id)
    assert booking.business_date == local_date(utcnow()) and not booking.is_moved
    report = dayclose.day_report(session, kiosk, booking.business_date)
    assert report["receipts"]["issued_then_voided"] == 1 and len(report["voids"]) == 1
    assert report["points"]["net"] == 0


def test_stocktake_differences_of_the_day_are_in_the_report(
    session, village, kiosk, create_product
):
    soap = create_product(5, 10)
    take = stocktake.start_stocktake(session, village, actor="v")
    stocktake.record_count(session, take, soap, 7, actor="v")
    stocktake.finalise_stocktake(session, take, actor="v")
    report = dayclose.day_report(session, kiosk, local_date(utcnow()))
    [counted] = report["stocktakes"]
    assert counted["lines"] == [
        {"sku": soap.sku, "name": soap.name, "expected": 10, "counted": 7, "difference": -3}
    ]


def test_a_day_that_has_not_begun_cannot_be_closed(session, kiosk):
    with pytest.raises(DomainError) as err:
        dayclose.close_day(
            session, kiosk, local_date(utcnow()) + dt.timedelta(days=2), actor="clerk"
        )
    assert err.value.code == "day_not_begun"
    assert err.value.text == "这一天还没到，不能日结。"


def test_receipts_of_the_day_list_print_state(
    session, village, kiosk, create_household, create_product
):
    soap, household = create_product(5, 50), create_household(500)
    r = buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 20, 9))
    rows = dayreport.receipts_of_day(session, kiosk, dt.date(2026, 11, 20))
    assert [(x.receipt_no, x.print_state, x.state) for x in rows] == [
        (r.receipt_no, "pending", "completed")
    ]


def test_a_receipt_already_sent_to_the_printer_is_not_retried_from_the_queue(
    session, village, kiosk, create_household, create_product
):
    from shop.redemptions import printjobs

    soap, household = create_product(5, 50), create_household(500)
    r = buy(session, household, kiosk, {soap.sku: 1}, at=local(2026, 11, 20, 9))
    printjobs.queue_receipt(session, r.id, actor="kiosk")
    job = printjobs.first_receipt_job(session, r.id)
    printjobs.retry(session, job)  # pending: printed now from the clerk's queue
    assert (job.state, job.attempts) == ("sent", 1)
    with pytest.raises(DomainError) as refused:
        printjobs.retry(session, job)
    assert refused.value.code == "print_job_not_pending"
    assert refused.value.text == "这张小票已经送去打印了，请刷新页面看看。"
    assert job.attempts == 1
