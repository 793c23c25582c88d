"""Activities (活动) in the back-office: the panel creates one, staff sign households up (报名),
attendance (签到) is taken by scanning passbooks or query codes (a wedge scanner typing into the
page's field, or the phone's camera) or by ticking names, and closing it sends the attendees to
the panel's review as one batch. The rules live in shop.points.activities."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.db import reading, writing
from shop import points
from shop.errors import DomainError
from shop.models import Household
from shop.points import activities
from shop.points.photos import MAX_BYTES, MAX_PHOTOS

from .access import bp, roles_required
from .common import flash_error, form_int, parse_date, saving, village

PANEL = ("admin", "panel")
# Who signs households up: the panel, the group recorders and the clerk at the shop's desk.
SIGNERS = ("admin", "panel", "recorder", "clerk")
# Who takes attendance at the activity: the panel and the group recorders.
TAKERS = ("admin", "panel", "recorder")
READERS = (*SIGNERS, "supervisor")
MAX_REQUEST = MAX_PHOTOS * MAX_BYTES + 256 * 1024


def _to(activity_id: int, anchor: str = ""):
    return redirect(url_for("backoffice.activity_page", activity_id=activity_id) + anchor, 303)


@bp.route("/activities")
@roles_required(*READERS)
def activity_list():
    with reading() as db:
        v = village(db)
        found = activities.list_activities(db, v.id)
        counts = activities.counts(db, [a.id for a in found])
        catalog = points.rules_catalog(db, v.id)
    return render_template(
        "backoffice/activities.html", activities=found, counts=counts, catalog=catalog
    )


@bp.route("/activities", methods=["POST"])
@roles_required(*PANEL)
def activity_create():
    try:
        held_text = (request.form.get("held_on") or "").strip()
        held_on = parse_date(held_text)
        if held_on is None:  # left empty, or typed so that it is no date
            raise DomainError("invalid_date" if held_text else "activity_date_required", held_text)
        capacity_text = (request.form.get("capacity") or "").strip()
        capacity = form_int("capacity", 0) if capacity_text else None
        with writing() as db:
            v = village(db)
            rule = points.get_rule(db, v.id, form_int("rule_id", 0))
            made = activities.create_activity(
                db,
                v.id,
                rule,
                name=request.form.get("name", ""),
                held_on=held_on,
                place=request.form.get("place", ""),
                capacity=capacity,
                actor=current_user.actor,
            )
            made_id = made.id
        flash(_("已新建活动"), "ok")
        return _to(made_id)
    except DomainError as exc:
        flash_error(exc)
    return redirect(url_for("backoffice.activity_list"), 303)


@bp.route("/activities/<int:activity_id>")
@roles_required(*READERS)
def activity_page(activity_id: int):
    q = request.args.get("q", "")
    with reading() as db:
        v = village(db)
        try:
            activity = activities.get_activity(db, v.id, activity_id)
        except DomainError:
            abort(404)
        listed = activities.signups(db, activity)
        choices = (
            activities.households_to_sign_up(db, activity, q) if activity.state == "open" else []
        )
        rule = activity.rule
        photos = [p.id for p in activity.photos]
    return render_template(
        "backoffice/activity.html",
        activity=activity,
        rule=rule,
        signups=listed,
        attended=sum(1 for s in listed if s.attended_at is not None),
        choices=choices,
        photos=photos,
        q=q,
        max_photos=MAX_PHOTOS,
    )


@bp.route("/activities/<int:activity_id>/signup", methods=["POST"])
@roles_required(*SIGNERS)
def activity_signup(activity_id: int):
    ids = [int(x) for x in request.form.getlist("household") if x.isdigit()]
    added = 0
    try:
        if not ids:
            raise DomainError("nothing_chosen")
        with writing() as db:
            v = village(db)
            activity = activities.get_activity(db, v.id, activity_id)
            for household_id in ids:
                home = _household(db, v.id, household_id)
                added += activities.sign_up(db, activity, home, actor=current_user.actor)[1]
        flash(_("已报名%(n)s户", n=added), "ok")
    except DomainError as exc:
        flash_error(exc)
    return _to(activity_id, "#signups")


def _household(db, village_id: int, household_id: int) -> Household:
    home = db.get(Household, household_id)
    if home is None or home.village_id != village_id:
        raise DomainError("unknown_household")
    return home


@bp.route("/activities/<int:activity_id>/signup/<int:signup_id>/cancel", methods=["POST"])
@roles_required(*SIGNERS)
def activity_signup_cancel(activity_id: int, signup_id: int):
    with saving(_("已取消报名")) as db:
        activity = activities.get_activity(db, village(db).id, activity_id)
        activities.cancel_signup(db, activity, signup_id, actor=current_user.actor)
    return _to(activity_id, "#signups")


@bp.route("/activities/<int:activity_id>/scan", methods=["POST"])
@roles_required(*TAKERS)
def activity_scan(activity_id: int):
    try:
        with writing() as db:
            activity = activities.get_activity(db, village(db).id, activity_id)
            done = activities.attend_by_code(
                db, activity, request.form.get("code", ""), actor=current_user.actor
            )
            who = f"{done.household.number} {done.household.head_name}"
        if not done.is_new:
            flash(_("%(who)s 已经签到过了", who=who), "ok")
        elif done.is_walk_in:
            flash(_("%(who)s 签到成功（现场报名）", who=who), "ok")
        else:
            flash(_("%(who)s 签到成功", who=who), "ok")
    except DomainError as exc:
        flash_error(exc)
    return _to(activity_id)


@bp.route("/activities/<int:activity_id>/ticks", methods=["POST"])
@roles_required(*TAKERS)
def activity_ticks(activity_id: int):
    present = {int(x) for x in request.form.getlist("present") if x.isdigit()}
    try:
        with writing() as db:
            activity = activities.get_activity(db, village(db).id, activity_id)
            added, removed = activities.set_ticks(db, activity, present, actor=current_user.actor)
        flash(_("已保存：新签到%(a)s户，取消签到%(r)s户", a=added, r=removed), "ok")
    except DomainError as exc:
        flash_error(exc)
    return _to(activity_id, "#signups")


@bp.route("/activities/<int:activity_id>/photos", methods=["POST"])
@roles_required(*TAKERS)
def activity_photos(activity_id: int):
    if (request.content_length or 0) > MAX_REQUEST:
        flash_error(DomainError("photo_too_large"))
        return _to(activity_id, "#photos")
    uploads = [f for f in request.files.getlist("photos") if f and f.filename]
    try:
        if len(uploads) > MAX_PHOTOS:
            raise DomainError("too_many_photos", str(MAX_PHOTOS))
        data = [f.read(MAX_BYTES + 1) for f in uploads]
        with writing() as db:
            activity = activities.get_activity(db, village(db).id, activity_id)
            activities.add_photos(db, activity, data, actor=current_user.actor)
        flash(_("照片已保存"), "ok")
    except DomainError as exc:
        flash_error(exc)
    return _to(activity_id, "#photos")


@bp.route("/activities/photo/<int:photo_id>")
@roles_required(*READERS)
def activity_photo(photo_id: int):
    with reading() as db:
        try:
            content = activities.activity_photo(db, village(db).id, photo_id).content
        except DomainError:
            abort(404)
    response = Response(content, mimetype="image/jpeg")
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/activities/<int:activity_id>/close", methods=["POST"])
@roles_required(*PANEL)
def activity_close(activity_id: int):
    try:
        with writing() as db:
            activity = activities.get_activity(db, village(db).id, activity_id)
            batch = activities.close_activity(db, activity, actor=current_user.actor)
            waiting = batch is not None and any(line.state == "pending" for line in batch.lines)
            sent = len(batch.lines) if batch else 0
        if batch is None:
            flash(_("活动已结束，没有签到的户"), "ok")
        elif waiting:
            flash(_("活动已结束，%(n)s户送评定小组审核", n=sent), "ok")
        else:
            flash(_("活动已结束，%(n)s户已记分", n=sent), "ok")
    except DomainError as exc:
        flash_error(exc)
    return _to(activity_id)


@bp.route("/activities/<int:activity_id>/cancel", methods=["POST"])
@roles_required(*PANEL)
def activity_cancel(activity_id: int):
    with saving(_("活动已取消")) as db:
        activity = activities.get_activity(db, village(db).id, activity_id)
        activities.cancel_activity(
            db, activity, request.form.get("reason", ""), actor=current_user.actor
        )
    return _to(activity_id)
