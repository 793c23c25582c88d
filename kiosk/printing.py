"""After the redemption has committed: print its receipt, and never let printing undo it.

A print job is a row of its own (shop.models.PrintJob): pending -> sent -> printed | failed,
each step in its own short transaction, so a crash or a dead printer leaves a job the clerk's
reprint queue can see. The redemption's `print_state` follows the job.

Two steps, so the villager sees "done" the moment the sale commits: `queue_receipt` in the
confirm request, `print_queued` in the request the done screen makes as it appears (a real
printer takes a second or two). A repeat of either finds the job and prints nothing more.
"""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from hardware.printing import PrinterConfig, PrinterError, print_job, to_html
from hardware.receipt import Receipt, ReceiptLine
from shop.errors import DomainError
from shop.models import PrintJob, Redemption, RedemptionLine, Village, utcnow

from .db import writing

log = logging.getLogger(__name__)

VERIFY_CHARS = 10


@dataclass(frozen=True)
class PrintOutcome:
    """What the done screen needs: did paper come out, and if not, why (a stable code)."""

    state: str  # pending (queued, not sent yet) | sent | printed | failed
    error: str | None = None
    job_id: int | None = None

    @property
    def printed(self) -> bool:
        return self.state == "printed"


def printer_config(app: Flask) -> PrinterConfig:
    """The configured printer (KIOSK_PRINTER …), parsed once; previews go to instance/receipts."""
    cached = app.extensions.get("kiosk_printer")
    if cached is None or cached[0] != app.config["PRINTER"]:
        config = PrinterConfig.parse(
            app.config["PRINTER"],
            width_mm=app.config.get("PRINTER_WIDTH", 58),
            charset=app.config.get("PRINTER_CHARSET", "gb18030"),
            can_cut=app.config.get("PRINTER_CUT", True),
            timeout=app.config.get("PRINTER_TIMEOUT"),
            font_path=app.config.get("CJK_FONT") or None,
            preview_dir=app.config.get("PRINTER_PREVIEW_DIR") or f"{app.instance_path}/receipts",
        )
        cached = (app.config["PRINTER"], config)
        app.extensions["kiosk_printer"] = cached
    return cached[1]


def _timezone(app: Flask) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(app.config.get("TIMEZONE") or "Asia/Shanghai")


def _lang(app: Flask) -> str:
    return "en" if str(app.config.get("LANGUAGE", "zh")).startswith("en") else "zh"


def build_receipt(session: Session, redemption_id: int, *, printed_at: datetime | None = None):
    """The paper receipt (hardware.receipt.Receipt) for a committed redemption."""
    app = current_app
    tz = _timezone(app)
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
    lang = _lang(app)
    return Receipt(
        shop_name=village.name,
        kiosk_name=redemption.kiosk.name,
        receipt_no=redemption.receipt_no,
        printed_at=(printed_at or utcnow()).astimezone(tz),
        redeemed_at=redemption.created_at.astimezone(tz),
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
    )


def receipt_html(redemption_id: int) -> Markup:
    """The receipt as the paper would show it, for the screen (templates/hardware/_receipt.html)."""
    from .db import reading

    with reading() as session:
        receipt = build_receipt(session, redemption_id)
    try:
        columns = printer_config(current_app).columns
    except PrinterError:
        columns = 32  # a misconfigured printer still gets its receipt on screen
    return to_html(receipt.layout(columns))


def _set_state(session: Session, job_id: int, redemption_id: int, state: str, error=None) -> None:
    values = {"state": state, "updated_at": utcnow()}
    if error is not None:
        values["error"] = error[:200]
    session.execute(update(PrintJob).where(PrintJob.id == job_id).values(**values))
    session.execute(
        update(Redemption).where(Redemption.id == redemption_id).values(print_state=state)
    )


def _receipt_job(session: Session, redemption_id: int) -> PrintJob | None:
    return session.scalar(
        select(PrintJob)
        .where(PrintJob.redemption_id == redemption_id, PrintJob.kind == "receipt")
        .order_by(PrintJob.id)
        .limit(1)
    )


def queue_receipt(redemption_id: int) -> PrintOutcome:
    """Step 1, right after the commit: the receipt's print job, pending, in its own transaction.

    A repeat (double tap, resubmit) finds the job already there. If even this fails (the
    database went away after the sale committed), the redemption's print_state stays 'pending'
    and the clerk's queue shows it.
    """
    try:
        with writing() as session:
            # Lock the redemption row (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises)
            # so two submits of one confirm cannot both create a job.
            session.execute(
                select(Redemption.id).where(Redemption.id == redemption_id).with_for_update()
            ).one()
            job = _receipt_job(session, redemption_id)
            if job is None:
                job = PrintJob(
                    redemption_id=redemption_id,
                    kind="receipt",
                    state="pending",
                    requested_by=f"kiosk:{current_app.config['DEVICE']}",
                )
                session.add(job)
                session.flush()
            return PrintOutcome(job.state, job.error, job.id)
    except DomainError as exc:
        log.warning("receipt of redemption %s not queued: %s", redemption_id, exc.code)
        return PrintOutcome("pending", exc.code)


def print_queued(redemption_id: int) -> PrintOutcome:
    """Step 2: send the pending receipt to the printer, once. Never raises.

    The job is claimed with a guarded UPDATE (pending -> sent), so however many times the page
    asks, one request prints; the others answer with the job's state.
    """
    app = current_app
    try:
        with writing() as session:
            job = _receipt_job(session, redemption_id)
            if job is None:
                return PrintOutcome("pending", "not_queued")
            claimed = session.execute(
                update(PrintJob)
                .where(PrintJob.id == job.id, PrintJob.state == "pending")
                .values(state="sent", attempts=PrintJob.attempts + 1, updated_at=utcnow())
                .returning(PrintJob.id)
            ).scalar_one_or_none()
            if claimed is None:
                session.refresh(job)
                return PrintOutcome(job.state, job.error, job.id)
            session.execute(
                update(Redemption).where(Redemption.id == redemption_id).values(print_state="sent")
            )
            job_id = job.id
            receipt = build_receipt(session, redemption_id)
    except DomainError as exc:
        log.warning("receipt of redemption %s not sent: %s", redemption_id, exc.code)
        return PrintOutcome("pending", exc.code)

    error = None
    try:
        print_job(printer_config(app), receipt)
    except PrinterError as exc:
        error = exc.code
        log.warning("receipt %s not printed: %s", receipt.receipt_no, exc)
    state = "failed" if error else "printed"
    try:
        with writing() as session:
            _set_state(session, job_id, redemption_id, state, error)
    except DomainError as exc:
        log.warning("print state of job %s not saved: %s", job_id, exc.code)
    return PrintOutcome(state, error, job_id)


def print_redemption(redemption_id: int) -> PrintOutcome:
    """Both steps at once (the CLI, tests and anything without a page to drive step 2)."""
    queued = queue_receipt(redemption_id)
    if queued.state != "pending" or queued.error:
        return queued
    return print_queued(redemption_id)
