"""Recording (录入) on a phone and the panel's review (审核), the notice period's objections, and
the village's earning settings. The rules live in shop.points.review."""

from __future__ import annotations

import secrets

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.db import reading, writing
from shop import points
from shop.errors import DomainError
from shop.models import StaffUser
from shop.points import honour, review
from shop.points.photos import MAX_BYTES, MAX_PHOTOS

from .access import bp, roles_required
from .common import flash_error, form_int, saving, village

RECORDERS = ("recorder", "admin", "panel")
PANEL = ("admin", "panel")
REVIEW_READERS = ("admin", "panel", "supervisor")
OBJECTION_TAKERS = ("admin", "panel", "clerk")
# Four photos at their largest, the form's fields and the multipart framing.
MAX_REQUEST = MAX_PHOTOS * MAX_BYTES + 256 * 1024


def _groups(db) -> list[str] | None:
    """The recorder's villager groups; None (not confined) for the panel and the admin."""
    if current_user.role != "recorder":
        return None
    user = db.get(StaffUser, current_user.user_id)
    return review.parse_groups(user.groups if user else "")


# --- recording (a phone-sized page) -----------------------------------------------------------


@bp.route("/record")
@roles_required(*RECORDERS)
def record_page():
    with reading() as db:
        v = village(db)
        groups = _groups(db)
        if groups is None:
            homes = review.recorder_households(
                db, v.id, _all_groups(db, v.id), request.args.get("q", "")
            )
        else:
            homes = review.recorder_households(db, v.id, groups, request.args.get("q", ""))
        catalog = points.rules_catalog(db, v.id)
        mine = review.recorded_by(db, v.id, current_user.actor)
        setting = review.settings(db, v.id)
    return render_template(
        "backoffice/record.html",
        homes=homes,
        groups=groups,
        catalog=catalog,
        mine=mine,
        setting=setting,
        key=secrets.token_urlsafe(16),
        q=request.args.get("q", ""),
        max_photos=MAX_PHOTOS,
    )


def _all_groups(db, village_id: int) -> list[str]:
    from sqlalchemy import select

    from shop.models import Household

    return [
        g
        for g in db.scalars(
            select(Household.group_name).where(Household.village_id == village_id).distinct()
        )
        if g is not None
    ]


@bp.route("/record", methods=["POST"])
@roles_required(*RECORDERS)
def record_submit():
    if (request.content_length or 0) > MAX_REQUEST:
        flash_error(DomainError("photo_too_large"))
        return redirect(url_for("backoffice.record_page"), 303)
    uploads = [f for f in request.files.getlist("photos") if f and f.filename]
    try:
        if len(uploads) > MAX_PHOTOS:
            raise DomainError("too_many_photos", str(len(uploads)))
        photos = [f.read(MAX_BYTES + 1) for f in uploads]
        ids = [int(x) for x in request.form.getlist("household") if x.isdigit()]
        with writing() as db:
            v = village(db)
            rule = points.get_rule(db, v.id, form_int("rule_id", 0))
            batch = review.record_entry(
                db,
                v.id,
                rule,
                ids,
                actor=current_user.actor,
                groups=_groups(db),
                note=request.form.get("note", ""),
                photos=photos,
                client_key=(request.form.get("key") or "")[:64] or None,
            )
            waiting = any(line.state == "pending" for line in batch.lines)
        flash(_("已提交，等待评定小组审核") if waiting else _("已记分"), "ok")
    except DomainError as exc:
        flash_error(exc)
    return redirect(url_for("backoffice.record_page"), 303)


@bp.route("/review/photo/<int:photo_id>")
@roles_required(*RECORDERS, "supervisor")
def review_photo(photo_id: int):
    with reading() as db:
        try:
            found = review.photo(db, village(db).id, photo_id)
        except DomainError:
            abort(404)
        if current_user.role == "recorder":
            batch = review.get_batch(db, found.village_id, found.batch_id)
            if batch.recorded_by != current_user.actor:
                abort(404)
        content = found.content
    response = Response(content, mimetype="image/jpeg")
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- the panel's review -----------------------------------------------------------------------


@bp.route("/review")
@roles_required(*REVIEW_READERS, "clerk")
def review_page():
    with writing() as db:
        v = village(db)
        # The notice period's hook: whatever has matured counts from the first page view on.
        review.post_matured(db, village_id=v.id, actor="system:notice")
    with reading() as db:
        v = village(db)
        pending = review.pending_batches(db, v.id) if current_user.role != "clerk" else []
        noticed = review.noticed_lines(db, v.id)
        setting = review.settings(db, v.id)
    return render_template(
        "backoffice/review.html", pending=pending, noticed=noticed, setting=setting
    )


@bp.route("/review/<int:batch_id>", methods=["POST"])
@roles_required(*PANEL)
def review_decide(batch_id: int):
    action = request.form.get("action", "")
    chosen = [int(x) for x in request.form.getlist("line") if x.isdigit()]
    with saving(_("已保存")) as db:
        v = village(db)
        batch = review.get_batch(db, v.id, batch_id)
        pending = [line.id for line in batch.lines if line.state == "pending"]
        lines = pending if action.endswith("_all") else chosen
        if action.startswith("approve"):
            review.decide(db, v.id, batch_id, approve=lines, actor=current_user.actor)
        elif action.startswith("reject"):
            review.decide(
                db,
                v.id,
                batch_id,
                reject=lines,
                reason=request.form.get("reason", ""),
                actor=current_user.actor,
            )
        else:
            abort(400)
    return redirect(url_for("backoffice.review_page"), 303)


@bp.route("/review/lines/<int:line_id>/objection", methods=["POST"])
@roles_required(*OBJECTION_TAKERS)
def review_objection(line_id: int):
    with saving(_("已记录异议")) as db:
        review.record_objection(
            db,
            village(db).id,
            line_id,
            request.form.get("text", ""),
            actor=current_user.actor,
        )
    return redirect(url_for("backoffice.review_page"), 303)


@bp.route("/review/objections/<int:objection_id>", methods=["POST"])
@roles_required(*PANEL)
def review_resolve(objection_id: int):
    decision = request.form.get("decision", "")
    try:
        if decision == "confirm":
            points_after = None
        elif decision == "withdraw":
            points_after = 0
        elif decision == "correct":
            points_after = form_int("points")
            if points_after is None or points_after == 0:
                raise DomainError("invalid_points")
        else:
            abort(400)
        with writing() as db:
            review.resolve_objection(
                db,
                village(db).id,
                objection_id,
                points_after=points_after,
                resolution=request.form.get("resolution", ""),
                actor=current_user.actor,
            )
        flash(_("已保存"), "ok")
    except DomainError as exc:
        flash_error(exc)
    return redirect(url_for("backoffice.review_page"), 303)


# --- settings ---------------------------------------------------------------------------------


@bp.route("/settings/review", methods=["GET", "POST"])
@roles_required(*PANEL)
def review_settings():
    if request.method == "POST":
        try:
            with writing() as db:
                review.set_settings(
                    db,
                    village(db).id,
                    review_policy=request.form.get("review_policy", ""),
                    notice_days=form_int("notice_days", -1),
                    actor=current_user.actor,
                )
                honour.set_shown(
                    db, village(db).id, request.form.get("honour") == "on", actor=current_user.actor
                )
            flash(_("已保存"), "ok")
        except DomainError as exc:
            flash_error(exc)
        return redirect(url_for("backoffice.review_settings"), 303)
    with reading() as db:
        setting = review.settings(db, village(db).id)
    return render_template(
        "backoffice/review_settings.html", setting=setting, honour_on=bool(setting.honour_points)
    )
