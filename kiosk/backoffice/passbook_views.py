"""A household's paper: passbooks (积分存折) issued, reissued, revoked and their cards printed or
kept for one download, and statements (积分明细) on screen, as PDF and on the slip printer."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from kiosk.db import reading, writing
from shop import households
from shop.errors import DomainError
from shop.households import cards, statements
from shop.models import Household, Passbook, utcnow
from shop.regions import shop_title

from .access import bp, roles_required
from .common import (
    attachment,
    flash_error,
    parse_date,
    refused_status,
    render,
    today,
    tz,
    village,
)
from .households_views import EDITORS, READERS, _household
from .i18n import lang, printer_error_text

CARD_TTL_S = 3600


# --- passbooks and their cards ----------------------------------------------------------------


def _cards_dir() -> Path:
    folder = Path(current_app.instance_path) / "cards"
    folder.mkdir(mode=0o700, exist_ok=True)
    now = time.time()
    for old in folder.glob("*.pdf"):  # fresh codes never linger: an hour at most
        if now - old.stat().st_mtime > CARD_TTL_S:
            old.unlink(missing_ok=True)
    return folder


def _deliver(made: list[cards.Card], output: str):
    """After the commit: the thermal printer for one card, else an A4 sheet kept for one
    download (the codes exist nowhere else)."""
    if output == "thermal":
        from hardware.printing import PrinterError, print_job

        from .printing import printer_config

        try:
            for card in made:
                print_job(printer_config(current_app), card)
            flash(_("存折卡已打印"), "ok")
            return render_template("backoffice/cards_ready.html", token=None, made=made)
        except PrinterError as exc:
            # The card is not lost with the print: the A4 sheet below, and 重打存折卡 on the
            # household's page until the card has scanned once.
            flash(printer_error_text(exc), "error")
            flash(
                _(
                    "存折卡没有打出来。新存折已经生效：请下载A4存折卡打印，或修好打印机后在这一户的页面上点“重打存折卡”。"
                ),
                "error",
            )
    pdf = cards.cards_pdf(made, font_path=current_app.config["CJK_FONT"])
    token = secrets.token_urlsafe(16)
    path = _cards_dir() / f"{token}.pdf"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pdf)
    return render_template("backoffice/cards_ready.html", token=token, made=made)


def _card(db, h: Household, book: Passbook, code: str) -> cards.Card:
    return cards.Card(
        village=shop_title(village(db)),
        household_no=h.number,
        head_name=h.head_name,
        group_name=h.group_name,
        issued_on=book.issued_at.astimezone(tz()).date(),
        serial=book.serial,
        code=code,
        phone_link=_phone_link(db, h),
    )


def _phone_link(db, h: Household) -> str:
    """The household's phone page link when it has a query code (查询码): printed as a second QR."""
    from kiosk.phone.links import phone_link

    found = households.active_query_code(db, h)
    return phone_link(found.code) if found else ""


@bp.route("/households/<int:household_id>/passbooks", methods=["POST"])
@roles_required(*EDITORS)
def passbook_issue(household_id: int):
    """Issue (发放) or reissue on loss (补办: the old one then scans as reported lost)."""
    reissue = request.form.get("reissue") == "1"
    if reissue and (
        request.form.get("confirm") != "1"
        or request.form.get("reason") not in households.REISSUE_REASONS
    ):
        return _confirm_passbook("reissue", household_id)
    try:
        with writing() as db:
            h = _household(db, household_id)
            if reissue:
                book, code = households.reissue_passbook(
                    db, h, actor=current_user.actor, reason=request.form["reason"]
                )
            else:
                book, code = households.issue_passbook(db, h, actor=current_user.actor)
            made = [_card(db, h, book, code)]
    except DomainError as exc:
        flash_error(exc)
        return redirect(url_for("backoffice.household_detail", household_id=household_id), 303)
    return _deliver(made, request.form.get("output", "a4"))


@bp.route("/passbooks/<int:passbook_id>/reprint", methods=["POST"])
@roles_required(*EDITORS)
def passbook_reprint(passbook_id: int):
    """重打存折卡: a new card whose print failed (or got lost on the way), until it has scanned
    once at a kiosk. Nothing is revoked or issued: the same card, printed again."""
    with reading() as db:
        book = db.get(Passbook, passbook_id)
        if book is None:
            abort(404)
        code = households.reprintable_code(db, book)
        if code is None:
            flash(_("这张存折已经在兑换机上扫过，不能再重打。如果丢了，请补办。"), "error")
            return redirect(
                url_for("backoffice.household_detail", household_id=book.household_id), 303
            )
        made = [_card(db, _household(db, book.household_id), book, code)]
    return _deliver(made, request.form.get("output", "a4"))


@bp.route("/passbooks/issue", methods=["POST"])
@roles_required(*EDITORS)
def passbook_issue_many():
    """A passbook for each ticked household that has none active: one A4 sheet of cards."""
    ids = sorted({int(i) for i in request.form.getlist("household") if i.isdigit()})
    made = []
    with writing() as db:
        for household_id in ids:
            h = _household(db, household_id)
            active = db.scalar(
                select(Passbook.id).where(
                    Passbook.household_id == h.id, Passbook.status == "active"
                )
            )
            if active is None:
                book, code = households.issue_passbook(db, h, actor=current_user.actor)
                made.append(_card(db, h, book, code))
    if not made:
        flash(_("选中的户都已有存折"), "error")
        return redirect(url_for("backoffice.household_list"), 303)
    return _deliver(made, "a4")


@bp.route("/passbooks/<int:passbook_id>/revoke", methods=["POST"])
@roles_required(*EDITORS)
def passbook_revoke(passbook_id: int):
    """作废 one passbook, after a page that says what will happen and asks for the reason."""
    with reading() as db:
        book = db.get(Passbook, passbook_id)
        if book is None:
            abort(404)
        household_id = book.household_id
    reason = request.form.get("reason", "")
    if request.form.get("confirm") != "1" or reason not in households.REVOKE_REASONS:
        return _confirm_passbook("revoke", household_id, passbook_id=passbook_id)
    with writing() as db:
        try:
            households.revoke_passbook(
                db, db.get(Passbook, passbook_id), actor=current_user.actor, reason=reason
            )
            flash(_("已保存"), "ok")
        except DomainError as exc:
            flash_error(exc)
    return redirect(url_for("backoffice.household_detail", household_id=household_id), 303)


def _confirm_passbook(action: str, household_id: int, *, passbook_id: int | None = None):
    """Reissue and revoke ask first: which passbook stops working, how the kiosk will name it
    (已挂失 or 已作废), what is issued instead. Nothing is written until 确认."""
    with reading() as db:
        h = _household(db, household_id)
        active = list(
            db.scalars(
                select(Passbook)
                .where(Passbook.household_id == h.id, Passbook.status == "active")
                .order_by(Passbook.id)
            )
        )
        if passbook_id is not None:
            active = [b for b in active if b.id == passbook_id]
    reasons = (
        households.REISSUE_REASONS if action == "reissue" else tuple(households.REVOKE_REASONS)
    )
    chosen = request.form.get("reason")
    status = 200 if request.form.get("confirm") != "1" else refused_status()
    return render_template(
        "backoffice/passbook_confirm.html",
        action=action,
        h=h,
        books=active,
        passbook_id=passbook_id,
        reasons=[
            (key, households.REVOKE_REASONS[key], households.revoke_status(key)) for key in reasons
        ],
        chosen=chosen if chosen in reasons else None,
        output=request.form.get("output", "a4"),
        missing_reason=request.form.get("confirm") == "1",
    ), status


def _cards_file(token: str) -> Path:
    if not token.replace("-", "").replace("_", "").isalnum():
        abort(404)
    return _cards_dir() / f"{token}.pdf"


@bp.route("/cards/<token>.pdf")
@roles_required(*EDITORS)
def cards_download(token: str):
    """The sheet of fresh cards. A GET changes nothing (a browser's prefetch or a second tab must
    not destroy the only copy of the codes): the file goes when the clerk deletes it or after an
    hour (CARD_TTL_S)."""
    try:
        data = _cards_file(token).read_bytes()
    except FileNotFoundError:
        abort(404)
    response = make_response(data)
    response.headers["Content-Type"] = "application/pdf"
    attachment(response, f"passbook-cards-{today()}.pdf")
    return response


@bp.route("/cards/<token>/discard", methods=["POST"])
@roles_required(*EDITORS)
def cards_discard(token: str):
    """The cards are printed: delete the sheet (the only copy of the codes) now."""
    _cards_file(token).unlink(missing_ok=True)
    flash(_("已删除"), "ok")
    return redirect(url_for("backoffice.household_list"), 303)


# --- statements --------------------------------------------------------------------------------


def _statement(db, household_id: int):
    h = _household(db, household_id)
    date_from = parse_date(request.values.get("from"))
    date_to = parse_date(request.values.get("to"))
    lines = statements.statement_lines(db, h, date_from=date_from, date_to=date_to, tz=tz())
    title = ""
    if date_from or date_to:
        title = f"{date_from or ''} ~ {date_to or ''}"
    return h, lines, date_from, date_to, title


@bp.route("/households/<int:household_id>/statement")
@roles_required(*READERS)
def statement(household_id: int):
    with reading() as db:
        h, lines, date_from, date_to, _title = _statement(db, household_id)
    return render(
        "backoffice/statement.html",
        "backoffice/_statement_rows.html",
        h=h,
        lines=lines,
        date_from=date_from,
        date_to=date_to,
    )


@bp.route("/households/<int:household_id>/statement.pdf")
@roles_required(*READERS)
def statement_pdf(household_id: int):
    with reading() as db:
        h, lines, _f, _t, title = _statement(db, household_id)
        pdf = statements.statement_pdf(
            db,
            h,
            lines,
            tz=tz(),
            now=utcnow(),
            font_path=current_app.config["CJK_FONT"],
            title=title,
            phone_link=_phone_link(db, h),
            lang=lang(),
        )
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    attachment(response, f"statement-{h.number}.pdf")
    return response


@bp.route("/households/<int:household_id>/statement/print", methods=["POST"])
@roles_required(*READERS)
def statement_print(household_id: int):
    from hardware.printing import PrinterError, print_job

    from .printing import printer_config

    with reading() as db:
        h, lines, _f, _t, title = _statement(db, household_id)
        slip = statements.statement_slip(
            db,
            h,
            lines,
            tz=tz(),
            now=utcnow(),
            title=title,
            lang=lang(),
            phone_link=_phone_link(db, h),
        )
    try:
        print_job(printer_config(current_app), slip)
        flash(_("已打印"), "ok")
    except PrinterError as exc:
        flash(printer_error_text(exc), "error")
    args = {
        k: v for k, v in (("from", request.form.get("from")), ("to", request.form.get("to"))) if v
    }
    return redirect(url_for("backoffice.statement", household_id=household_id, **args), 303)
