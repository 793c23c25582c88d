"""The shop's receipt printer as the back-office uses it (same config keys as the kiosk)."""

from __future__ import annotations

import dataclasses

from flask import Flask, current_app

from hardware.printing import PrinterConfig
from shop.redemptions import printjobs
from shop.redemptions.printjobs import PrintOutcome

VERIFY_CHARS = 10  # as kiosk/printing.py: the journal-hash prefix printed on every receipt


def printer_config(app: Flask, url: str | None = None) -> PrinterConfig:
    """The configured printer (KIOSK_PRINTER …), parsed once; or the same settings pointed at
    another printer URL, e.g. `--printer file:///tmp/r.bin`."""
    if url:
        return _parse(app, url)
    cached = app.extensions.get("backoffice_printer")
    key = (app.config["PRINTER"], app.config.get("PRINTER_MODE"))
    if cached is None or cached[0] != key:
        cached = (key, _parse(app, app.config["PRINTER"]))
        app.extensions["backoffice_printer"] = cached
    return cached[1]


def _parse(app: Flask, url: str) -> PrinterConfig:
    return PrinterConfig.parse(
        url,
        width_mm=app.config.get("PRINTER_WIDTH", 58),
        charset=app.config.get("PRINTER_CHARSET", "gb18030"),
        can_cut=app.config.get("PRINTER_CUT", True),
        timeout=app.config.get("PRINTER_TIMEOUT"),
        font_path=app.config.get("CJK_FONT") or None,
        preview_dir=app.config.get("PRINTER_PREVIEW_DIR") or f"{app.instance_path}/receipts",
        mode=app.config.get("PRINTER_MODE") or None,
    )


# --- receipts, void slips, day close and receiving slips, printed from the back-office ----------
# The kiosk and the CLI call these too (kiosk may import shop/, not the other way round);
# `config` points a job at another printer, e.g. `--printer file:///tmp/r.bin`. Every one of them
# runs after the commit it reports on and records its print job's outcome; a printer failure
# never undoes.


def _lang(app: Flask) -> str:
    return "en" if str(app.config.get("LANGUAGE", "zh")).startswith("en") else "zh"


def build_receipt(session, redemption_id: int, *, lang: str | None = None):
    """The paper receipt (shop.paper.Receipt) of a committed redemption."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from shop import clock
    from shop.households import visitors
    from shop.models import Redemption, RedemptionLine, Village, utcnow
    from shop.paper import Receipt, ReceiptLine
    from shop.regions import shop_title

    app = current_app
    lang = lang or _lang(app)
    redemption = session.scalar(
        select(Redemption)
        .options(
            joinedload(Redemption.household),
            joinedload(Redemption.kiosk),
            joinedload(Redemption.journal),
        )
        .where(Redemption.id == redemption_id)
    )
    village = session.get(Village, redemption.village_id)
    lines = session.scalars(
        select(RedemptionLine)
        .options(joinedload(RedemptionLine.product))
        .where(RedemptionLine.redemption_id == redemption_id)
        .order_by(RedemptionLine.id)
    )
    return Receipt(
        shop_name=shop_title(village, lang),
        kiosk_name=redemption.kiosk.name,
        receipt_no=redemption.receipt_no,
        printed_at=clock.local(utcnow()),
        redeemed_at=clock.local(redemption.created_at),
        household_no=redemption.household.number,
        head_name=redemption.household.head_name,
        lines=[
            ReceiptLine(
                name=(line.product.name_en or line.product.name)
                if lang == "en"
                else line.product.name,
                qty=line.qty,
                unit=line.product.unit,
                points_each=line.points_each,
                points_total=line.points_total,
            )
            for line in lines
        ],
        total=redemption.total,
        balance_after=redemption.balance_after,
        verify_code=redemption.journal.hash[:VERIFY_CHARS],
        reprint_count=redemption.reprint_count,
        lang=lang,
        visitor=visitors.visitor_name(session, redemption_id),
    )


def receipt_html(session, redemption_id: int):
    """The receipt as paper shows it, for the clerk's screen."""
    from hardware.printing import PrinterError, to_html

    receipt = build_receipt(session, redemption_id)
    try:
        columns = printer_config(current_app).columns
    except PrinterError:
        columns = 32
    return to_html(receipt.layout(columns))


def _send(
    document, job_id: int, *, receipt_of: int | None = None, config: PrinterConfig | None = None
) -> PrintOutcome:
    """Print, then record the job's outcome in its own transaction."""
    from hardware.printing import PrinterError, print_job
    from kiosk.db import writing

    error, confirmed = None, False
    try:
        confirmed = print_job(config or printer_config(current_app), document).confirmed
    except PrinterError as exc:
        error = exc.code
    with writing() as session:
        return printjobs.finish(
            session, job_id, confirmed=confirmed, error=error, receipt_of=receipt_of
        )


def reprint_receipt(
    receipt_no: str, *, actor: str, config: PrinterConfig | None = None
) -> PrintOutcome:
    """重打印. A receipt whose first print never went out is printed as the original; any other
    is reprinted as its own job, marked 重打印 with the count on the paper."""
    from sqlalchemy import update

    from kiosk.db import writing
    from shop import redemptions
    from shop.models import Redemption

    with writing() as session:
        redemption = redemptions.get_redemption(session, receipt_no)
        redemption_id = redemption.id
        first = printjobs.first_receipt_job(session, redemption_id)
        if first is None:
            printjobs.queue_receipt(session, redemption_id, actor=actor)
            first = printjobs.first_receipt_job(session, redemption_id)
        if first.state == "pending":
            printjobs.retry(session, first)
            job_id, receipt_of = first.id, None
            receipt = build_receipt(session, redemption_id)
        else:
            count = session.execute(
                update(Redemption)
                .where(Redemption.id == redemption_id)
                .values(reprint_count=Redemption.reprint_count + 1)
                .returning(Redemption.reprint_count)
            ).scalar_one()
            job_id = printjobs.start_job(session, redemption_id, "reprint", actor=actor).id
            receipt = dataclasses.replace(
                build_receipt(session, redemption_id), reprint_count=count
            )
            # the queue's failed receipt is on paper once its reprint is
            receipt_of = redemption_id if first.state == "failed" else None
    return _send(receipt, job_id, receipt_of=receipt_of, config=config)


def print_void_slip(
    receipt_no: str, *, actor: str, config: PrinterConfig | None = None
) -> PrintOutcome:
    """作废单 of a voided receipt, as its own print job (kind 'void')."""
    from sqlalchemy import select

    from kiosk.db import writing
    from shop import redemptions
    from shop.errors import DomainError
    from shop.models import PointsEntry
    from shop.redemptions import dayclose

    with writing() as session:
        redemption = redemptions.get_redemption(session, receipt_no)
        if redemption.state != "voided":
            raise DomainError("receipt_not_voided", f"{receipt_no} is not void")
        job_id = printjobs.start_job(session, redemption.id, "void", actor=actor).id
        booking = dayclose.void_booking(session, redemption.id)
        reason = redemption.void_reason or ""
        if booking is not None and booking.is_moved:
            reason = f"{reason}（原单已日结，记入{booking.business_date}）"
        balance_after = session.scalar(
            select(PointsEntry.balance_after).where(
                PointsEntry.journal_id == redemption.void_journal_id
            )
        )
        receipt = dataclasses.replace(
            build_receipt(session, redemption.id),
            is_void=True,
            void_reason=reason,
            reprint_count=0,
            balance_after=balance_after,
        )
    return _send(receipt, job_id, config=config)


def print_day_close(report: dict, *, config: PrinterConfig | None = None):
    """The frozen day-close report on the receipt printer; the print result. Raises
    PrinterError."""
    from hardware.printing import print_job
    from shop.stock.slips import DayCloseSlip

    return print_job(
        config or printer_config(current_app), DayCloseSlip(report, _lang(current_app))
    )


def print_receiving_slip(session, doc, *, config: PrinterConfig | None = None):
    """入库单 for the volunteer to sign. Raises PrinterError."""
    from hardware.printing import print_job
    from shop.stock import receiving

    slip = receiving.receiving_slip(session, doc, lang=_lang(current_app))
    return print_job(config or printer_config(current_app), slip)
