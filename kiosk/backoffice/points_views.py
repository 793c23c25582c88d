"""Points: the rules catalog, batch awards with a preview, reversals, applications, import."""

from __future__ import annotations

import base64
import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from kiosk.db import reading, writing
from kiosk.i18n import rule_name
from shop import points
from shop.errors import DomainError
from shop.households import roster
from shop.models import Household, RuleCategory
from shop.points import district_catalog
from shop.tabular import read_table

from .access import bp, roles_required
from .common import (
    error_text,
    flash_error,
    form_int,
    parse_date,
    refused_status,
    render,
    saving,
    today,
    tz,
    village,
)
from .households_views import ensure_search_index

PANEL = ("admin", "panel")
READERS = ("admin", "panel", "clerk", "supervisor")


# --- rules catalog ----------------------------------------------------------------------------


@bp.route("/rules")
@roles_required("admin", "panel", "supervisor")
def rules():
    with reading() as db:
        # Inherited items (区县统一) with the district's range; the village's own (本村).
        catalog = district_catalog.village_catalogue(db, village(db).id)
    inherits = any(r.district_rule_id for _c, rules in catalog for r in rules)
    return render_template("backoffice/rules.html", catalog=catalog, inherits=inherits)


@bp.route("/rules/categories", methods=["POST"])
@roles_required(*PANEL)
def rule_category_add():
    with saving(_("已保存")) as db:
        points.add_category(
            db,
            village(db),
            request.form.get("code", ""),
            request.form.get("name", ""),
            actor=current_user.actor,
        )
    return redirect(url_for("backoffice.rules"), 303)


@bp.route("/rules", methods=["POST"])
@roles_required(*PANEL)
def rule_add():
    with saving(_("已保存")) as db:
        cat = db.get(RuleCategory, form_int("category_id", 0))
        if cat is None:
            raise DomainError("unknown_rule", "category")
        points.add_rule(
            db,
            cat,
            request.form.get("name", ""),
            form_int("points", 0),
            actor=current_user.actor,
            name_en=request.form.get("name_en", "").strip(),
        )
    return redirect(url_for("backoffice.rules"), 303)


@bp.route("/rules/<int:rule_id>/active", methods=["POST"])
@roles_required(*PANEL)
def rule_active(rule_id: int):
    with saving(_("已保存")) as db:
        rule = points.get_rule(db, village(db).id, rule_id)
        points.set_rule_active(
            db, rule, request.form.get("active") == "1", actor=current_user.actor
        )
    return redirect(url_for("backoffice.rules"), 303)


# --- batch awards -----------------------------------------------------------------------------


@bp.route("/awards/new")
@roles_required(*PANEL)
def award_new():
    """The batch form, or (htmx) its household rows after a search, a group filter or a pick.

    Ticks ride along with every search (the page sends the ticked households), so changing the
    item, searching or filtering never loses them; ticked households stay listed first.
    `pick`: `shown` ticks every household listed, `group` every active household of the chosen
    group, `none` clears the ticks."""
    ensure_search_index()
    q = request.args.get("q", "").strip()
    group = request.args.get("group", "")
    pick = request.args.get("pick", "")
    chosen = {int(i) for i in request.args.getlist("household") if i.isdigit()}
    with reading() as db:
        v = village(db)
        catalog = points.rules_catalog(db, v.id)
        if pick == "group" and group:
            rows = roster.search_households(db, v.id, "", group=group, status="active", limit=5000)
        else:
            rows = roster.search_households(db, v.id, q, group=group, status="active", limit=500)
        if pick in ("shown", "group"):
            chosen |= {h.id for h in rows}
        elif pick == "none":
            chosen = set()
        shown = {h.id for h in rows}
        kept = [
            h
            for h in db.scalars(
                select(Household)
                .where(Household.village_id == v.id, Household.id.in_(chosen - shown))
                .order_by(Household.number)
            )
        ]
        chosen = {h.id for h in kept} | (chosen & shown)
        groups = roster.group_names(db, v.id)
    return render(
        "backoffice/award_batch.html",
        "backoffice/_award_households.html",
        catalog=catalog,
        rows=kept + list(rows),
        groups=groups,
        q=q,
        group=group,
        chosen=chosen,
        batch_key=secrets.token_hex(16),
        on=today(),
    )


def _batch_form():
    ids = [int(i) for i in request.form.getlist("household") if i.isdigit()]
    return form_int("rule_id", 0), ids


@bp.route("/awards/preview", methods=["POST"])
@roles_required(*PANEL)
def award_preview():
    rule_id, ids = _batch_form()
    if not ids:
        return render(
            "backoffice/award_preview_page.html",
            "backoffice/_award_preview.html",
            preview=None,
            error=_("请先勾选农户"),
            http_status=refused_status(),
        )
    try:
        with reading() as db:
            rule = points.get_rule(db, village(db).id, rule_id)
            preview = points.preview_batch(db, village(db).id, rule, ids)
    except DomainError as exc:
        return render(
            "backoffice/award_preview_page.html",
            "backoffice/_award_preview.html",
            preview=None,
            error=error_text(exc),
            http_status=422,
        )
    return render(
        "backoffice/award_preview_page.html",
        "backoffice/_award_preview.html",
        preview=preview,
        ids=ids,
        memo=request.form.get("memo", ""),
        on=request.form.get("on", ""),
        batch_key=request.form.get("batch_key", ""),
    )


@bp.route("/awards", methods=["POST"])
@roles_required(*PANEL)
def award_apply():
    rule_id, ids = _batch_form()
    on = parse_date(request.form.get("on"))
    if not ids:
        flash(_("请先勾选农户"), "error")
        return redirect(url_for("backoffice.award_new"), 303)
    try:
        with writing() as db:
            v = village(db)
            rule = points.get_rule(db, v.id, rule_id)
            done = points.apply_batch(
                db,
                v.id,
                rule,
                ids,
                actor=current_user.actor,
                batch_key=request.form.get("batch_key", ""),
                memo=request.form.get("memo", "").strip()[:500],
                at=points.award_day(on, tz()),
            )
            summary = _(
                "已评分：%(rule)s %(points)s × %(count)d 户，合计 %(total)s",
                rule=rule_name(rule),
                points=f"{rule.points:+d}",
                count=len(done.lines),
                total=f"{done.total:+d}",
            )
        flash(summary, "ok")
    except DomainError as exc:
        flash_error(exc)
    return redirect(url_for("backoffice.award_new"), 303)


@bp.route("/awards/<int:journal_id>/reverse", methods=["POST"])
@roles_required(*PANEL)
def award_reverse(journal_id: int):
    household_id = form_int("household_id", 0)
    with saving(_("已冲正")) as db:
        points.reverse_award(
            db,
            village(db).id,
            journal_id,
            reason=request.form.get("reason", ""),
            actor=current_user.actor,
            household_id=household_id or None,
        )
    if household_id:
        return redirect(url_for("backoffice.statement", household_id=household_id), 303)
    return redirect(url_for("backoffice.household_list"), 303)


# --- applications (双向积分认证) ----------------------------------------------------------------


@bp.route("/applications")
@roles_required(*READERS)
def applications():
    with reading() as db:
        v = village(db)
        pending = points.pending_applications(db, v.id)
        catalog = points.rules_catalog(db, v.id)
        photos = points.application_photo_ids(db, [a.id for a in pending])
    return render_template(
        "backoffice/applications.html", pending=pending, catalog=catalog, photos=photos
    )


@bp.route("/applications", methods=["POST"])
@roles_required("admin", "panel", "clerk")
def application_submit():
    with saving(_("已提交")) as db:
        v = village(db)
        number = request.form.get("number", "").strip()
        household = db.scalar(
            select(Household).where(Household.village_id == v.id, Household.number == number)
        )
        if household is None:
            raise DomainError("unknown_household", number, shown=True)
        rule = points.get_rule(db, v.id, form_int("rule_id", 0))
        points.submit_application(
            db, household, rule, memo=request.form.get("memo", ""), actor=current_user.actor
        )
    return redirect(url_for("backoffice.applications"), 303)


@bp.route("/applications/<int:application_id>/decide", methods=["POST"])
@roles_required(*PANEL)
def application_decide(application_id: int):
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        abort(400)
    with saving(_("已保存")) as db:
        v = village(db)
        if decision == "approve":
            points.approve_application(db, v.id, application_id, actor=current_user.actor)
        else:
            points.reject_application(
                db,
                v.id,
                application_id,
                reason=request.form.get("reason", ""),
                actor=current_user.actor,
            )
    return redirect(url_for("backoffice.applications"), 303)


# --- award import -----------------------------------------------------------------------------


def _uploaded():
    upload = request.files.get("file")
    if upload and upload.filename:
        return upload.filename, upload.read()
    try:
        data = base64.b64decode(request.form.get("payload", "").encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        data = b""
    return request.form.get("filename", ""), data


@bp.route("/awards/import", methods=["GET", "POST"])
@roles_required(*PANEL)
def award_import():
    if request.method == "GET":
        return render_template("backoffice/award_import.html", preview=None)
    name, data = _uploaded()
    try:
        rows = read_table(name, data)
        with reading() as db:
            preview = points.preview_award_import(db, village(db).id, rows)
    except DomainError as exc:
        return render_template(
            "backoffice/award_import.html", preview=None, error=error_text(exc)
        ), 422
    return render_template(
        "backoffice/award_import.html",
        preview=preview,
        filename=name,
        payload=base64.b64encode(data).decode("ascii"),
    )


@bp.route("/awards/import/apply", methods=["POST"])
@roles_required(*PANEL)
def award_import_apply():
    name, data = _uploaded()
    try:
        rows = read_table(name, data)
        with reading() as db:
            village_id = village(db).id
        # In short transactions, so the kiosk keeps selling through a long file (finding 12).
        done = points.import_awards(
            writing, village_id, rows, actor=current_user.actor, read_unit=reading
        )
        skipped = len(done.lines) - len(done.new_lines)
        flash(
            _(
                "已导入 %(count)d 条，合计 %(total)s；之前已导入而跳过 %(skipped)d 条",
                count=len(done.new_lines),
                total=f"{done.total:+d}",
                skipped=skipped,
            ),
            "ok",
        )
    except DomainError as exc:
        flash_error(exc)
    return redirect(url_for("backoffice.award_import"), 303)
