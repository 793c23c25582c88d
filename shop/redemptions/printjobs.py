"""The print job's state machine (invariant 7): pending -> sent -> printed | failed.

A receipt, its reprints and its void slip are each a print job row. Printing happens after the
sale commits and never undoes it; every step here is its own short transaction at the edge.

* ``pending``: queued, nothing sent yet (the kiosk queues the receipt in the confirm request);
* ``sent``: claimed by one printer run (a guarded UPDATE, so two requests never print twice);
  a job also *stays* ``sent`` when the printer cannot tell whether paper came out (a ``file://``
  or CUPS printer, one with its status turned off, one that never answers);
* ``printed``: the printer said, after the last byte, that it is fine (online, paper in, cover
  shut), or there is no printer (the ``preview`` mode keeps the slip as a file);
* ``failed``: it could not be printed; ``error`` says why (``printer_paper_out``, …) and the
  clerk's reprint queue shows it.

The redemption's ``print_state`` follows its first receipt job, and a reprint that reaches paper
after a failed first print. Nothing here knows about printers: the edge prints and reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop.base import utcnow
from shop.errors import DomainError
from shop.redemptions.models import PrintJob, Redemption

STATES = ("pending", "sent", "printed", "failed")
#: The moves a job may make. A ``sent`` job with no word from the printer stays ``sent``.
MOVES = {"pending": ("sent",), "sent": ("printed", "failed"), "printed": (), "failed": ()}
KINDS = ("receipt", "reprint", "void")


@dataclass(frozen=True)
class PrintOutcome:
    """Where a job stands, for every edge (kiosk done screen, back-office, CLI, API).

    ``error`` is a stable code: a printer's (``printer_paper_out``, ``printer_offline``, …) or
    ``not_queued`` when the job row could not even be written.
    """

    state: str
    error: str | None = None
    job_id: int | None = None

    @property
    def printed(self) -> bool:
        return self.state == "printed"

    @property
    def unconfirmed(self) -> bool:
        """Sent to a printer that could not say whether paper came out."""
        return self.state == "sent"

    @property
    def failed(self) -> bool:
        return self.state == "failed" or (self.state == "pending" and self.error is not None)


def first_receipt_job(session: Session, redemption_id: int) -> PrintJob | None:
    return session.scalar(
        select(PrintJob)
        .where(PrintJob.redemption_id == redemption_id, PrintJob.kind == "receipt")
        .order_by(PrintJob.id)
        .limit(1)
    )


def outcome_of(job: PrintJob | None, redemption: Redemption | None = None) -> PrintOutcome:
    if job is None:
        return PrintOutcome(redemption.print_state if redemption is not None else "pending")
    return PrintOutcome(job.state, job.error, job.id)


def queue_receipt(session: Session, redemption_id: int, *, actor: str) -> PrintOutcome:
    """The receipt's job, ``pending``; a repeat (double tap, resubmit) finds the first one.

    The redemption row is locked first (PostgreSQL; SQLite's BEGIN IMMEDIATE already
    serialises) so two submits of one confirm cannot both create a job.
    """
    session.execute(
        select(Redemption.id).where(Redemption.id == redemption_id).with_for_update()
    ).one()
    job = first_receipt_job(session, redemption_id)
    if job is None:
        job = PrintJob(
            redemption_id=redemption_id, kind="receipt", state="pending", requested_by=actor
        )
        session.add(job)
        session.flush()
    return outcome_of(job)


def claim(session: Session, job_id: int) -> bool:
    """pending -> sent, once: True for the one caller that may print this job."""
    claimed = session.execute(
        update(PrintJob)
        .where(PrintJob.id == job_id, PrintJob.state == "pending")
        .values(state="sent", attempts=PrintJob.attempts + 1, updated_at=utcnow())
        .returning(PrintJob.id)
    ).scalar_one_or_none()
    if claimed is None:
        return False
    _follow(session, session.get(PrintJob, job_id), "sent")
    return True


def start_job(session: Session, redemption_id: int, kind: str, *, actor: str) -> PrintJob:
    """A new job already claimed (``sent``): a reprint or a void slip, printed right away."""
    if kind not in KINDS:
        raise ValueError(f"unknown print job kind {kind!r}")
    job = PrintJob(
        redemption_id=redemption_id, kind=kind, state="sent", attempts=1, requested_by=actor
    )
    session.add(job)
    session.flush()
    return job


def retry(session: Session, job: PrintJob) -> None:
    """A first receipt that never went out (``pending``) printed now from the clerk's queue."""
    if job.state != "pending":
        raise DomainError("print_job_not_pending", f"print job {job.id} is {job.state}")
    job.state, job.attempts, job.updated_at = "sent", (job.attempts or 0) + 1, utcnow()
    session.flush()
    _follow(session, job, "sent")


def finish(
    session: Session,
    job_id: int,
    *,
    confirmed: bool,
    error: str | None = None,
    receipt_of: int | None = None,
) -> PrintOutcome:
    """Record what the printer run found: ``error`` -> failed; ``confirmed`` -> printed; else
    the job stays ``sent`` (the printer could not tell). Only a ``sent`` job moves.

    ``receipt_of``: the redemption whose ``print_state`` this job settles besides its own
    (a reprint that reaches paper after the first print failed).
    """
    state = "failed" if error else ("printed" if confirmed else "sent")
    values: dict[str, object] = {"state": state, "updated_at": utcnow()}
    if error:
        values["error"] = error[:200]
    moved = session.execute(
        update(PrintJob)
        .where(PrintJob.id == job_id, PrintJob.state == "sent")
        .values(**values)
        .returning(PrintJob.id)
    ).scalar_one_or_none()
    job = session.get(PrintJob, job_id)
    if moved is None:  # settled already (a crash recovery, a second report): keep the first
        return outcome_of(job)
    session.refresh(job)
    _follow(session, job, state)
    if receipt_of is not None and job.kind != "receipt" and state != "failed":
        session.execute(
            update(Redemption).where(Redemption.id == receipt_of).values(print_state=state)
        )
    return outcome_of(job)


def _follow(session: Session, job: PrintJob, state: str) -> None:
    """The redemption's print_state follows its first receipt job."""
    if job.kind != "receipt":
        return
    first = first_receipt_job(session, job.redemption_id)
    if first is not None and first.id == job.id:
        session.execute(
            update(Redemption).where(Redemption.id == job.redemption_id).values(print_state=state)
        )
