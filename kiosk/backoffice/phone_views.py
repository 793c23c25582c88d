"""The back-office's side of the phone page: a household's query code (查询码) with its QR,
issued, reissued and stopped by the panel; the village's phone settings (public pages, masked
names); the photos households sent with their applications."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.db import reading, writing
from kiosk.phone.links import phone_base, phone_link, qr_svg
from shop import households, points
from shop.errors import DomainError
from shop.models import Household
from shop.phone import phone_settings, set_phone_settings

from .access import bp, roles_required
from .common import saving, village

READERS = ("admin", "panel", "clerk", "supervisor")
EDITORS = ("admin", "panel")


@bp.app_template_global()
def query_code_panel(household_id: int) -> dict:
    """What the household page shows of the query code: the active one with its link and QR."""
    with reading() as db:
        h = db.get(Household, household_id)
        found = households.active_query_code(db, h) if h else None
        if found is None:
            return {"code": None}
        link = phone_link(found.code)
        return {"code": found.code, "issued_at": found.issued_at, "link": link, "svg": qr_svg(link)}


@bp.route("/households/<int:household_id>/query-code", methods=["POST"])
@roles_required(*EDITORS)
def query_code(household_id: int):
    """发放 / 补发 (the old one stops at once) / 停用 the household's query code."""
    action = request.form.get("action")
    if action not in ("issue", "revoke"):
        abort(400)
    with saving(_("已保存")) as db:
        h = db.get(Household, household_id)
        if h is None:
            abort(404)
        if action == "issue":
            households.issue_query_code(db, h, actor=current_user.actor)
        else:
            households.revoke_query_code(db, h, actor=current_user.actor)
    target = url_for("backoffice.household_detail", household_id=household_id)
    return redirect(f"{target}#query-code", 303)


@bp.route("/settings/phone")
@roles_required("admin", "panel", "supervisor")
def phone_settings_page():
    with reading() as db:
        v = village(db)
        setting = phone_settings(db, v.id)
        code = v.code
    return render_template(
        "backoffice/settings/phone.html", setting=setting, base=phone_base(), village_code=code
    )


@bp.route("/settings/phone", methods=["POST"])
@roles_required("admin")
def phone_settings_save():
    with writing() as db:
        set_phone_settings(
            db,
            village(db).id,
            is_public=request.form.get("is_public") == "1",
            is_masked=request.form.get("is_masked") == "1",
            actor=current_user.actor,
        )
    flash(_("已保存"), "ok")
    return redirect(url_for("backoffice.phone_settings_page"), 303)


@bp.route("/applications/photos/<int:photo_id>.jpg")
@roles_required(*READERS)
def application_photo(photo_id: int):
    with reading() as db:
        try:
            content = points.application_photo(db, photo_id).content
        except DomainError:
            abort(404)  # another village's too (shop/scope.py)
    response = make_response(content)
    response.headers["Content-Type"] = "image/jpeg"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
