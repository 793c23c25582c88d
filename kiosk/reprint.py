"""Reprints (重打印) and printing to a printer named on the command line.

A reprint is its own print job (kind 'reprint'); the receipt says 重打印 / REPRINT with the
count, so a second paper copy can never pass for the original.
"""

from __future__ import annotations

import dataclasses

from flask import Flask, current_app
from sqlalchemy import select, update

from hardware.printing import PrinterConfig, PrinterError, print_job
from shop.errors import DomainError
from shop.models import PrintJob, Redemption, utcnow

from .db import writing
from .printing import PrintOutcome, build_receipt, print_queued, printer_config


def config_for(app: Flask, url: str | None = None) -> PrinterConfig:
    """The configured printer, or the same settings pointed at another URL."""
    if not url:
        return printer_config(app)
    base = printer_config(app)
    return PrinterConfig.parse(
        url,
        width_mm=app.config.get("PRINTER_WIDTH", 58),
        charset=app.config.get("PRINTER_CHARSET", "gb18030"),
        can_cut=app.config.get("PRINTER_CUT", True),
        timeout=app.config.get("PRINTER_TIMEOUT"),
        font_path=app.config.get("CJK_FONT") or None,
        preview_dir=getattr(base, "preview_dir", None) or f"{app.instance_path}/receipts",
    )


def print_or_reprint(receipt_no: str, *, actor: str, url: str | None = None) -> PrintOutcome:
    """Print a receipt whose first print never went out; else reprint it, marked and counted."""
    app = current_app
    with writing() as session:
        redemption = session.scalar(select(Redemption).where(Redemption.receipt_no == receipt_no))
        if redemption is None:
            raise DomainError("unknown_receipt", receipt_no)
        first = session.scalar(
            select(PrintJob).where(
                PrintJob.redemption_id == redemption.id, PrintJob.kind == "receipt"
            )
        )
        redemption_id = redemption.id
        if first is None or first.state == "pending":
            if first is None:
                session.add(
                    PrintJob(redemption_id=redemption_id, kind="receipt", requested_by=actor)
                )
            never_sent = True
        else:
            never_sent = False
            count = session.execute(
                update(Redemption)
                .where(Redemption.id == redemption_id)
                .values(reprint_count=Redemption.reprint_count + 1)
                .returning(Redemption.reprint_count)
            ).scalar_one()
            job = PrintJob(
                redemption_id=redemption_id,
                kind="reprint",
                state="sent",
                attempts=1,
                requested_by=actor,
            )
            session.add(job)
            session.flush()
            job_id = job.id
            receipt = dataclasses.replace(
                build_receipt(session, redemption_id), reprint_count=count
            )
    if never_sent and not url:
        return print_queued(redemption_id)
    if never_sent:
        # A first print sent somewhere else than the configured printer (e.g. a file).
        with writing() as session:
            receipt = build_receipt(session, redemption_id)
            job_id = session.scalar(
                select(PrintJob.id).where(
                    PrintJob.redemption_id == redemption_id, PrintJob.kind == "receipt"
                )
            )
            session.execute(
                update(PrintJob).where(PrintJob.id == job_id).values(state="sent", attempts=1)
            )
    error = None
    try:
        print_job(config_for(app, url), receipt)
    except PrinterError as exc:
        error = exc.code
    state = "failed" if error else "printed"
    with writing() as session:
        session.execute(
            update(PrintJob)
            .where(PrintJob.id == job_id)
            .values(state=state, error=error, updated_at=utcnow())
        )
        # Paper has come out once a print or a reprint succeeds: the receipt leaves the reprint
        # queue and the day close's never-printed count. A failed reprint changes nothing.
        if never_sent or state == "printed":
            session.execute(
                update(Redemption).where(Redemption.id == redemption_id).values(print_state=state)
            )
    return PrintOutcome(state, error, job_id)
