"""导入期初积分: the opening balances from the paper passbooks or another points app, previewed
before anything is written (shop.points.opening)."""

from __future__ import annotations

import base64

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.db import reading, writing
from shop import points
from shop.errors import DomainError
from shop.households import roster
from shop.tabular import read_table

from .access import bp, roles_required
from .common import error_text, flash_error, render, village
from .households_views import EDITORS, _uploaded


@bp.route("/households/opening", methods=["GET", "POST"])
@roles_required(*EDITORS)
def opening_import():
    if request.method == "GET":
        return render_template("backoffice/opening_import.html", preview=None, source="")
    name, data = _uploaded()
    source = request.form.get("source", "")
    try:
        rows = read_table(name, data)
        with reading() as db:
            preview = points.preview_opening(db, village(db), rows, source=source)
    except DomainError as exc:
        return render_template(
            "backoffice/opening_import.html", preview=None, source=source, error=error_text(exc)
        ), 422
    return render(
        "backoffice/opening_import.html",
        "backoffice/_opening_preview.html",
        preview=preview,
        source=preview.source,
        filename=name,
        payload=base64.b64encode(data).decode("ascii"),
        digest=roster.content_digest(data),
    )


@bp.route("/households/opening/apply", methods=["POST"])
@roles_required(*EDITORS)
def opening_import_apply():
    name, data = _uploaded()
    if roster.content_digest(data) != request.form.get("digest"):
        abort(400)
    try:
        rows = read_table(name, data)
        with reading() as db:
            village_id = village(db).id
        # In short transactions, so the kiosk keeps selling through a long file (finding 12).
        done = points.import_opening(
            writing,
            village_id,
            rows,
            source=request.form.get("source", ""),
            actor=current_user.actor,
            read_unit=reading,
        )
        flash(
            _(
                "已导入期初积分：%(n)d 户，共 %(total)d 分",
                n=len(done.to_open),
                total=done.total,
            ),
            "ok",
        )
        return redirect(url_for("backoffice.household_list"), 303)
    except DomainError as exc:
        flash_error(exc)
        return redirect(url_for("backoffice.opening_import"), 303)
