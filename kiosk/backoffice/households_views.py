"""Households (户), the roster import, passbooks (积分存折) with their cards, and statements."""

from __future__ import annotations

import base64
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
from shop.households import cards, family, roster, statements, visitors
from shop.models import Household, Passbook, utcnow
from shop.regions import shop_title
from shop.tabular import read_table

from .access import bp, roles_required
from .common import (
    attachment,
    error_text,
    flash_error,
    form_int,
    is_htmx,
    parse_date,
    refused_status,
    render,
    today,
    tz,
    village,
)
from .i18n import lang, printer_error_text

READERS = ("admin", "panel", "clerk", "supervisor")
EDITORS = ("admin", "panel")
CARD_TTL_S = 3600


def _household(db, household_id: int) -> Household:
    found = db.get(Household, household_id)
    if found is None:  # another village's too: the scope hides it (shop/scope.py)
        abort(404)
    return found


def ensure_search_index() -> None:
    """Households that came by another path (the demo seeder, a bulk load, the API) get their
    search rows the first time someone searches; afterwards this is two quick counts."""
    with reading() as db:
        village_id = village(db).id
        complete = roster.index_is_complete(db, village_id)
    if not complete:
        with writing() as db:
            roster.reindex_missing(db, village_id)


@bp.route("/households")
@roles_required(*READERS)
def household_list():
    ensure_search_index()
    q = request.args.get("q", "").strip()
    group = request.args.get("group", "")
    status = request.args.get("status", "")
    page = max(1, request.args.get("page", 1, type=int))
    with reading() as db:
        v = village(db)
        rows = roster.search_households(
            db, v.id, q, group=group, status=status, offset=(page - 1) * roster.PAGE_SIZE
        )
        # The group list scans every household: the full page needs it, a search swap not.
        groups = [] if is_htmx() else roster.group_names(db, v.id)
        who_came = visitors.asks_who_came(db, v.id)
    return render(
        "backoffice/households.html",
        "backoffice/_household_rows.html",
        rows=rows,
        groups=groups,
        who_came=who_came,
        q=q,
        group=group,
        status=status,
        page=page,
        page_size=roster.PAGE_SIZE,
    )


@bp.route("/households/new")
@roles_required(*EDITORS)
def household_new():
    with reading() as db:
        groups = roster.group_names(db, village(db).id)
    return render_template("backoffice/household_form.html", household=None, groups=groups)


@bp.route("/households", methods=["POST"])
@roles_required(*EDITORS)
def household_create():
    f = request.form
    try:
        with writing() as db:
            h = roster.add_household(
                db,
                village(db),
                f.get("number", ""),
                f.get("head_name", ""),
                group_name=f.get("group_name", "").strip(),
                members=form_int("members", 0) or 0,
                actor=current_user.actor,
            )
        flash(_("已保存"), "ok")
        return redirect(url_for("backoffice.household_detail", household_id=h.id), 303)
    except DomainError as exc:
        return render_template(
            "backoffice/household_form.html", household=None, groups=[], error=error_text(exc)
        ), 422


@bp.route("/households/<int:household_id>")
@roles_required(*READERS)
def household_detail(household_id: int):
    with reading() as db:
        h = _household(db, household_id)
        books = list(
            db.scalars(select(Passbook).where(Passbook.household_id == h.id).order_by(Passbook.id))
        )
        has_entries = roster.has_entries(db, h)
        groups = roster.group_names(db, h.village_id)
        reprintable = {b.id for b in books if households.reprintable_code(db, b)}
        members = family.members_of(db, h)
        merged_into = db.get(Household, h.merged_into_id) if h.merged_into_id else None
    return render_template(
        "backoffice/household.html",
        h=h,
        family=members,
        merged_into=merged_into,
        relations=family.RELATIONS,
        reasons={**households.REVOKE_REASONS, family.MERGED: family.MERGED_REASON},
        passbooks=books,
        reprintable=reprintable,
        has_entries=has_entries,
        groups=groups,
    )


@bp.route("/households/<int:household_id>/edit", methods=["POST"])
@roles_required(*EDITORS)
def household_edit(household_id: int):
    f = request.form
    try:
        with writing() as db:
            roster.update_household(
                db,
                _household(db, household_id),
                head_name=f.get("head_name", ""),
                group_name=f.get("group_name", ""),
                members=form_int("members", 0) or 0,
                actor=current_user.actor,
            )
        flash(_("已保存"), "ok")
    except DomainError as exc:
        flash_error(exc)
    return redirect(url_for("backoffice.household_detail", household_id=household_id), 303)


@bp.route("/households/<int:household_id>/status", methods=["POST"])
@roles_required(*EDITORS)
def household_status(household_id: int):
    """Pause (停用) or restore. Households are never deleted: the ledger points at them."""
    try:
        with writing() as db:
            households.set_household_status(
                db,
                _household(db, household_id),
                request.form.get("status", ""),
                actor=current_user.actor,
            )
        flash(_("已保存"), "ok")
    except DomainError as exc:
        flash_error(exc)
    return redirect(url_for("backoffice.household_detail", household_id=household_id), 303)


# --- roster import ----------------------------------------------------------------------------


def _uploaded() -> tuple[str, bytes]:
    """The uploaded file, or the previewed one carried back in the confirm form."""
    upload = request.files.get("file")
    if upload and upload.filename:
        return upload.filename, upload.read()
    name, payload = request.form.get("filename", ""), request.form.get("payload", "")
    try:
        return name, base64.b64decode(payload.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        return name, b""


@bp.route("/households/import", methods=["GET", "POST"])
@roles_required(*EDITORS)
def roster_import():
    if request.method == "GET":
        return render_template("backoffice/roster_import.html", preview=None)
    name, data = _uploaded()
    try:
        rows = read_table(name, data)
        with reading() as db:
            preview = roster.preview_roster(db, village(db), rows)
    except DomainError as exc:
        return render_template(
            "backoffice/roster_import.html", preview=None, error=error_text(exc)
        ), 422
    return render(
        "backoffice/roster_import.html",
        "backoffice/_roster_preview.html",
        preview=preview,
        relations=family.RELATIONS,
        filename=name,
        payload=base64.b64encode(data).decode("ascii"),
        digest=roster.content_digest(data),
    )


@bp.route("/households/import/apply", methods=["POST"])
@roles_required(*EDITORS)
def roster_import_apply():
    name, data = _uploaded()
    if roster.content_digest(data) != request.form.get("digest"):
        abort(400)
    try:
        rows = read_table(name, data)
        with reading() as db:
            village_id = village(db).id
        # In short transactions, so the kiosk keeps selling through a long roster (finding 12).
        done = roster.import_roster(writing, village_id, rows, actor=current_user.actor)
        flash(
            _(
                "已导入：新增 %(created)d 户，修改 %(changed)d 户",
                created=len(done.creates),
                changed=len(done.changes),
            ),
            "ok",
        )
        return redirect(url_for("backoffice.household_list"), 303)
    except DomainError as exc:
        flash_error(exc)
        return redirect(url_for("backoffice.roster_import"), 303)


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
