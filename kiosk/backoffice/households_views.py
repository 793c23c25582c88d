"""Households (户): the list, a household's page and its edits, and the roster import (户籍花名册);
passbooks, cards and statements are in passbook_views."""

from __future__ import annotations

import base64

from flask import (
    abort,
    flash,
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
from shop.households import family, roster, visitors
from shop.households import roster_import as roster_file
from shop.models import Household, Passbook
from shop.tabular import read_table

from .access import bp, roles_required
from .common import (
    error_text,
    flash_error,
    form_int,
    is_htmx,
    render,
    saving,
    village,
)

READERS = ("admin", "panel", "clerk", "supervisor")
EDITORS = ("admin", "panel")


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
    with saving(_("已保存")) as db:
        roster.update_household(
            db,
            _household(db, household_id),
            head_name=f.get("head_name", ""),
            group_name=f.get("group_name", ""),
            members=form_int("members", 0) or 0,
            actor=current_user.actor,
        )
    return redirect(url_for("backoffice.household_detail", household_id=household_id), 303)


@bp.route("/households/<int:household_id>/status", methods=["POST"])
@roles_required(*EDITORS)
def household_status(household_id: int):
    """Pause (停用) or restore. Households are never deleted: the ledger points at them."""
    with saving(_("已保存")) as db:
        households.set_household_status(
            db,
            _household(db, household_id),
            request.form.get("status", ""),
            actor=current_user.actor,
        )
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
            preview = roster_file.preview_roster(db, village(db), rows)
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
        done = roster_file.import_roster(
            writing, village_id, rows, actor=current_user.actor, read_unit=reading
        )
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
