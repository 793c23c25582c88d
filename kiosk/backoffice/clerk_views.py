"""The clerk's pages (记账员): today's receipts with their print state and the reprint queue,
reprint (重打印), void with a reason (作废), and the day close (日结) per kiosk and day.
Supervisors read them all; admins do everything."""

from __future__ import annotations

import datetime as dt
import io

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from kiosk.db import reading, writing
from shop import redemptions, sheets
from shop.errors import DomainError
from shop.models import Household, Kiosk, PrintJob, Redemption
from shop.redemptions import dayclose, dayreport
from shop.stock import reports as reports_stock
from shop.stock import slips

from ..printer_status import TROUBLE, error_words, printer_condition
from .access import bp, roles_required
from .common import done, flash_error, parse_date, saving, today, village
from .i18n import lang, printer_error_text

CLERKS = ("admin", "clerk")
READERS = ("admin", "clerk", "supervisor")
QUEUE_SHOWN = 20
DOWNLOADS = {"pdf": "application/pdf", "xlsx": sheets.XLSX_TYPE, "csv": sheets.CSV_TYPE}


def _kiosks(db) -> list[Kiosk]:
    return list(
        db.scalars(select(Kiosk).where(Kiosk.village_id == village(db).id).order_by(Kiosk.code))
    )


def _kiosk(db, code: str | None) -> Kiosk:
    """The kiosk asked for, else this device's, else the village's first."""
    kiosks = _kiosks(db)
    wanted = code or current_app.config.get("DEVICE")
    for kiosk in kiosks:
        if kiosk.code == wanted:
            return kiosk
    if code or not kiosks:
        abort(404)
    return kiosks[0]


def _day(text: str | None) -> dt.date:
    if not text:
        return today()
    day = parse_date(text)
    if day is None:
        abort(404)
    return day


def _redemption(db, receipt_no: str) -> Redemption:
    try:
        found = redemptions.get_redemption(db, receipt_no)
    except DomainError:  # another village's too: the scope hides it (shop/scope.py)
        abort(404)
    return found


# --- receipts ----------------------------------------------------------------------------------


@bp.route("/clerk/receipts")
@roles_required(*READERS)
def receipts():
    with reading() as db:
        kiosk = _kiosk(db, request.args.get("kiosk"))
        day = _day(request.args.get("day"))
        rows = dayreport.receipts_of_day(db, kiosk, day)
        # The reprint queue: receipts whose paper never came out, whatever day they were made.
        queue = db.execute(
            select(
                Redemption.receipt_no,
                Redemption.created_at,
                Redemption.print_state.label("state"),
                PrintJob.error,
            )
            .outerjoin(
                PrintJob,
                (PrintJob.redemption_id == Redemption.id) & (PrintJob.kind == "receipt"),
            )
            .where(
                Redemption.village_id == kiosk.village_id,
                Redemption.print_state.in_(("pending", "failed")),
            )
            .order_by(Redemption.created_at.desc())
            .limit(QUEUE_SHOWN)
        ).all()
        queued = db.scalar(
            select(func.count(Redemption.id)).where(
                Redemption.village_id == kiosk.village_id,
                Redemption.print_state.in_(("pending", "failed")),
            )
        )
        numbers = dict(
            db.execute(
                select(Household.id, Household.number).where(
                    Household.id.in_({r.household_id for r in rows})
                )
            ).all()
        )
        kiosks = _kiosks(db)
        closed = dayclose.is_closed(db, kiosk.id, day)
    printer_state, printer_words = printer_condition()
    return render_template(
        "backoffice/clerk/receipts.html",
        rows=rows,
        queue=queue,
        queued=queued,
        numbers=numbers,
        kiosk=kiosk,
        kiosks=kiosks,
        day=day,
        closed=closed,
        printer_state=printer_state,
        printer_words=printer_words,
        printer_trouble=TROUBLE,
        error_words=error_words,
    )


@bp.route("/clerk/receipts/<receipt_no>")
@roles_required(*READERS)
def receipt_detail(receipt_no: str):
    from .printing import receipt_html

    with reading() as db:
        redemption = _redemption(db, receipt_no)
        household = db.get(Household, redemption.household_id)
        jobs = list(
            db.scalars(
                select(PrintJob)
                .where(PrintJob.redemption_id == redemption.id)
                .order_by(PrintJob.id)
            )
        )
        paper = receipt_html(db, redemption.id)
    return render_template(
        "backoffice/clerk/receipt.html",
        r=redemption,
        household=household,
        jobs=jobs,
        paper=paper,
        error_words=error_words,
        error=request.args.get("error"),
    )


@bp.route("/clerk/receipts/<receipt_no>/reprint", methods=["POST"])
@roles_required(*CLERKS)
def receipt_reprint(receipt_no: str):
    from .printing import reprint_receipt

    with reading() as db:
        _redemption(db, receipt_no)
    outcome = reprint_receipt(receipt_no, actor=current_user.actor)
    if outcome.state == "printed":
        flash(_("已重打印"), "ok")
    elif outcome.state == "sent":
        flash(_("已发送到打印机（打印机不能确认出纸，请看一眼）"), "ok")
    else:
        flash(_("打印失败：%(why)s", why=error_words(outcome.error)), "error")
    return done(url_for("backoffice.receipt_detail", receipt_no=receipt_no))


@bp.route("/clerk/receipts/<receipt_no>/void", methods=["POST"])
@roles_required(*CLERKS)
def receipt_void(receipt_no: str):
    from .printing import print_void_slip

    try:
        with writing() as db:
            redemptions.void_redemption(
                db,
                _redemption(db, receipt_no),
                reason=request.form.get("reason", ""),
                actor=current_user.actor,
            )
    except DomainError as exc:
        flash_error(exc)
        return done(url_for("backoffice.receipt_detail", receipt_no=receipt_no, error=exc.code))
    # After the commit: the void slip. A printer failure leaves a failed job, the void stands.
    outcome = print_void_slip(receipt_no, actor=current_user.actor)
    if outcome.state == "failed":
        flash(_("已作废，作废单打印失败：%(why)s", why=error_words(outcome.error)), "ok")
    else:
        flash(_("已作废"), "ok")
    return done(url_for("backoffice.receipt_detail", receipt_no=receipt_no))


# --- day close ---------------------------------------------------------------------------------


@bp.route("/clerk/dayclose")
@roles_required(*READERS)
def dayclose_page():
    with reading() as db:
        kiosk = _kiosk(db, request.args.get("kiosk"))
        day = _day(request.args.get("day"))
        close = dayclose.get_day_close(db, kiosk, day)
        if close is not None:
            report = dayclose.report_of(close)
        else:
            report = dayclose.day_report(db, kiosk, day, clerk=current_user.display_name)
        kiosks = _kiosks(db)
    return render_template(
        "backoffice/clerk/dayclose.html",
        report=report,
        close=close,
        kiosk=kiosk,
        kiosks=kiosks,
        day=day,
        is_future=day > today(),
    )


@bp.route("/clerk/dayclose", methods=["POST"])
@roles_required(*CLERKS)
def dayclose_close():
    f = request.form
    with saving(_("已日结")) as db:
        kiosk = _kiosk(db, f.get("kiosk"))
        day = _day(f.get("day"))
        dayclose.close_day(
            db,
            kiosk,
            day,
            actor=current_user.actor,
            clerk=(f.get("clerk") or "").strip() or current_user.display_name,
        )
        code = kiosk.code
        args = {k: f.get(k) for k in ("kiosk", "day") if f.get(k)}
        return done(url_for("backoffice.dayclose_page", **args))
    return done(url_for("backoffice.dayclose_page", kiosk=code, day=day.isoformat()))


def _frozen_report(kiosk_code: str, day_text: str) -> dict:
    with reading() as db:
        close = dayclose.get_day_close(db, _kiosk(db, kiosk_code), _day(day_text))
        if close is None:
            abort(404)
        return dayclose.report_of(close)


@bp.route("/clerk/dayclose/<kiosk_code>/<day>/<fmt>")
@roles_required(*READERS)
def dayclose_download(kiosk_code: str, day: str, fmt: str):
    """The frozen report as PDF, XLSX or CSV (a day not yet closed has none to download)."""
    if fmt not in DOWNLOADS:
        abort(404)
    report = _frozen_report(kiosk_code, day)
    if fmt == "pdf":
        body = slips.day_close_pdf(
            report, lang=lang(), font_path=current_app.config.get("CJK_FONT") or None
        )
    elif fmt == "xlsx":
        body = reports_stock.day_close_xlsx(report, lang())
    else:
        body = reports_stock.day_close_csv(report, lang())
    name = sheets.filename(f"dayclose-{report['kiosk']['code']}-{report['date']}", fmt)
    return send_file(
        io.BytesIO(body), mimetype=DOWNLOADS[fmt], as_attachment=True, download_name=name
    )


@bp.route("/clerk/dayclose/<kiosk_code>/<day>/print", methods=["POST"])
@roles_required(*CLERKS)
def dayclose_print(kiosk_code: str, day: str):
    from hardware.printing import PrinterError

    from .printing import print_day_close

    report = _frozen_report(kiosk_code, day)
    try:
        print_day_close(report)
        flash(_("已打印"), "ok")
    except PrinterError as exc:
        flash(printer_error_text(exc), "error")
    return redirect(url_for("backoffice.dayclose_page", kiosk=kiosk_code, day=day), 303)
