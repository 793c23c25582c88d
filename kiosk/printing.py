"""After the redemption has committed: print its receipt, and never let printing undo it.

A print job is a row of its own with one state machine (shop.redemptions.printjobs):
pending -> sent -> printed | failed, each step in its own short transaction, so a crash or a
dead printer leaves a job the clerk's reprint queue can see.

Two steps, so the villager sees "done" the moment the sale commits: `queue_receipt` in the
confirm request, `print_queued` in the request the done screen makes as it appears (a real
printer takes a second or two). A repeat of either finds the job and prints nothing more.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from flask import Flask, current_app
from markupsafe import Markup

from hardware.printing import PrinterConfig, PrinterError, PrintResult, print_job

# One receipt, one printer configuration: the back-office prints the same paper.
from kiosk.backoffice.printing import build_receipt, printer_config
from kiosk.backoffice.printing import receipt_html as shared_receipt_html
from shop.errors import DomainError
from shop.paper import TestPage
from shop.redemptions import printjobs
from shop.redemptions.printjobs import PrintOutcome

from .db import writing

log = logging.getLogger(__name__)

__all__ = [
    "PrintOutcome",
    "in_flight",
    "print_queued",
    "print_redemption",
    "print_test_page",
    "printer_test_page",
    "queue_receipt",
    "receipt_html",
]


def receipt_html(redemption_id: int) -> Markup:
    """The receipt as the paper would show it, for the screen (templates/hardware/_receipt.html)."""
    from .db import reading

    with reading() as session:
        return shared_receipt_html(session, redemption_id)


def queue_receipt(redemption_id: int) -> PrintOutcome:
    """Step 1, right after the commit: the receipt's print job, pending, in its own transaction.

    If even this fails (the database went away after the sale committed), the redemption's
    print_state stays 'pending' and the clerk's queue shows it.
    """
    try:
        with writing() as session:
            return printjobs.queue_receipt(
                session, redemption_id, actor=f"kiosk:{current_app.config['DEVICE']}"
            )
    except DomainError as exc:
        log.warning("receipt of redemption %s not queued: %s", redemption_id, exc.code)
        return PrintOutcome("pending", exc.code)


def print_queued(redemption_id: int, *, block: bool = False) -> PrintOutcome:
    """Step 2: send the pending receipt to the printer, once. Never raises.

    The job is claimed pending -> sent by a guarded UPDATE, so however many times the page
    asks, one request prints; the others answer with the job's state. The printing itself runs
    in a thread of its own: the request waits at most PRINT_WAIT seconds for it and then
    answers "still printing" (the page asks again), so a slow printer (a 9600-baud serial
    link, a busy network printer) never holds the page past its timeout. ``block``: wait for
    the printer however long it takes (the CLI).
    """
    app = current_app._get_current_object()
    try:
        with writing() as session:
            job = printjobs.first_receipt_job(session, redemption_id)
            if job is None:
                return PrintOutcome("pending", "not_queued")
            if not printjobs.claim(session, job.id):
                session.refresh(job)
                return printjobs.outcome_of(job)
            job_id = job.id
            receipt = build_receipt(session, redemption_id)
    except DomainError as exc:
        log.warning("receipt of redemption %s not sent: %s", redemption_id, exc.code)
        return PrintOutcome("pending", exc.code)

    with _guard:
        _in_flight.add(job_id)
    worker = threading.Thread(
        target=_print_claimed, args=(app, job_id, receipt), name=f"print-{job_id}", daemon=True
    )
    worker.start()
    worker.join(None if block else float(app.config.get("PRINT_WAIT", 2.0)))
    with _guard:
        done = _results.pop(job_id, None)
    return done or PrintOutcome("sent", None, job_id)


_in_flight: set[int] = set()
_results: dict[int, PrintOutcome] = {}
_guard = threading.Lock()


def in_flight(job_id: int | None) -> bool:
    """Whether this process is printing the job right now (the page keeps asking)."""
    with _guard:
        return job_id in _in_flight


def _print_claimed(app: Flask, job_id: int, receipt) -> None:
    """Print a claimed job and record how it went; in a thread, with the app's context."""
    with app.app_context():
        error, confirmed = None, False
        try:
            confirmed = print_job(printer_config(app), receipt).confirmed
        except PrinterError as exc:
            error = exc.code
            log.warning("receipt %s not printed: %s", receipt.receipt_no, exc)
        except Exception:  # a bug must not leave the job "printing" for ever
            error = "printer_failed"
            log.exception("receipt %s: printing crashed", receipt.receipt_no)
        state = "failed" if error else ("printed" if confirmed else "sent")
        outcome = PrintOutcome(state, error, job_id)
        try:
            with writing() as session:
                outcome = printjobs.finish(session, job_id, confirmed=confirmed, error=error)
        except DomainError as exc:
            log.warning("print state of job %s not saved: %s", job_id, exc.code)
        finally:
            with _guard:
                _in_flight.discard(job_id)
                _results[job_id] = outcome
                while len(_results) > 64:  # answers nobody waited for
                    _results.pop(next(iter(_results)))


def printer_test_page(config: PrinterConfig, *, now: datetime, lang: str = "zh") -> TestPage:
    """The test page (打印测试) for a printer: its settings, a ruler, every kind of text, a QR."""
    return TestPage(
        printed_at=now,
        printer_url=config.url,
        width_mm=config.width_mm,
        charset=config.charset,
        can_cut=config.can_cut,
        lang="en" if lang == "en" else "zh",
        mode=config.mode,
    )


def print_test_page(config: PrinterConfig, *, now: datetime, lang: str = "zh") -> PrintResult:
    """Print the test page. Raises PrinterError."""
    return print_job(config, printer_test_page(config, now=now, lang=lang))


def print_redemption(redemption_id: int) -> PrintOutcome:
    """Both steps at once (the CLI, tests and anything without a page to drive step 2)."""
    queued = queue_receipt(redemption_id)
    if queued.state != "pending" or queued.error:
        return queued
    return print_queued(redemption_id, block=True)
