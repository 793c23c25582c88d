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
from dataclasses import dataclass

from flask import current_app
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hardware.printing import PrinterError, print_job

# One receipt, one printer configuration: the back-office prints the same paper (shop/ may not
# import kiosk/, so the shared glue lives in shop.backoffice.printing).
from kiosk.backoffice.printing import build_receipt, printer_config
from kiosk.backoffice.printing import receipt_html as shared_receipt_html
from shop.errors import DomainError
from shop.models import PrintJob, Redemption, utcnow

from .db import writing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintOutcome:
    """What the done screen needs: did paper come out, and if not, why (a stable code)."""

    state: str  # pending (queued, not sent yet) | sent | printed | failed
    error: str | None = None
    job_id: int | None = None

    @property
    def printed(self) -> bool:
        return self.state == "printed"


def receipt_html(redemption_id: int) -> Markup:
    """The receipt as the paper would show it, for the screen (templates/hardware/_receipt.html)."""
    from .db import reading

    with reading() as session:
        return shared_receipt_html(session, redemption_id)


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
