"""区县积分项目: the district's catalogue of rules, edited by the district's admins and read by its
viewers and townships (a region page), and a village's points for an inherited item (积分项目).

What the district changes reaches every village of the district in the same transaction
(shop/points/district_catalog.py); no view here checks a village or district id itself: the
district's rows are read by the whole district and written by its members only (shop/scope.py).
"""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.db import reading
from shop import points
from shop.errors import DomainError
from shop.points import district_catalog as dc
from shop.points import district_edits
from shop.regions.models import District, Township

from .access import bp, region_page, roles_required
from .common import form_int, saving, village

REGION_READERS = ("township_admin", "township_viewer", "district_admin", "district_viewer")
PANEL = ("admin", "panel")


def district_id_of_member(db) -> int | None:
    """The district whose catalogue the signed-in region member reads."""
    if current_user.district_id is not None:
        return current_user.district_id
    township = db.get(Township, current_user.township_id) if current_user.township_id else None
    return township.district_id if township is not None else None


def offered_rules(db) -> list:
    """The district's items a new village may take (开通乡村), by category."""
    district_id = district_id_of_member(db)
    if district_id is None:
        return []
    catalogue = dc.district_catalogue(db, district_id)
    return [(c, [r for r in rules if r.is_active]) for c, rules in catalogue if rules]


def rules_left_off(form) -> frozenset[int]:
    """The items the opening form offered and the admin unticked."""
    offered = {int(v) for v in form.getlist("rule_offered") if v.isdigit()}
    taken = {int(v) for v in form.getlist("rule_taken") if v.isdigit()}
    return frozenset(offered - taken)


@bp.get("/region/rules")
@roles_required(*REGION_READERS)
@region_page
def district_rules():
    with reading() as db:
        district_id = district_id_of_member(db)
        catalogue = dc.district_catalogue(db, district_id) if district_id is not None else []
        # A township's member reads the catalogue but not the district's own row.
        found = db.get(District, district_id) if district_id is not None else None
        name = found.name if found else ""
    return render_template("backoffice/district/rules.html", catalogue=catalogue, name=name)


def _back():
    return redirect(url_for("backoffice.district_rules"), 303)


@bp.post("/region/rules/categories")
@roles_required("district_admin")
@region_page
def district_rule_category_add():
    with saving(_("已保存")) as db:
        district = db.get(District, current_user.district_id)
        if district is None:
            raise DomainError("not_found", "district")
        dc.add_district_category(
            db,
            district,
            request.form.get("code", ""),
            request.form.get("name", ""),
            name_en=request.form.get("name_en", ""),
            actor=current_user.actor,
        )
    return _back()


@bp.post("/region/rules")
@roles_required("district_admin")
@region_page
def district_rule_add():
    with saving(_("已保存，已发到本区县每个村")) as db:
        category = dc.get_district_category(
            db, current_user.district_id, form_int("category_id", 0)
        )
        dc.add_district_rule(
            db,
            category,
            request.form.get("name", ""),
            form_int("points"),
            form_int("points_min"),
            form_int("points_max"),
            name_en=request.form.get("name_en", ""),
            actor=current_user.actor,
        )
    return _back()


@bp.post("/region/rules/<int:rule_id>")
@roles_required("district_admin")
@region_page
def district_rule_change(rule_id: int):
    with saving(_("已保存，已发到本区县每个村")) as db:
        rule = dc.get_district_rule(db, current_user.district_id, rule_id)
        dc.change_district_rule(
            db,
            rule,
            form_int("points"),
            form_int("points_min"),
            form_int("points_max"),
            actor=current_user.actor,
        )
    return _back()


@bp.post("/region/rules/<int:rule_id>/retire")
@roles_required("district_admin")
@region_page
def district_rule_retire(rule_id: int):
    with saving(_("已停用，本区县每个村都已停用")) as db:
        rule = dc.get_district_rule(db, current_user.district_id, rule_id)
        dc.retire_district_rule(db, rule, actor=current_user.actor)
    return _back()


@bp.post("/region/rules/<int:rule_id>/rename")
@roles_required("district_admin")
@region_page
def district_rule_rename(rule_id: int):
    """改名: the item's name in every village of the district."""
    with saving(_("已保存，已发到本区县每个村")) as db:
        rule = dc.get_district_rule(db, current_user.district_id, rule_id)
        district_edits.rename_district_rule(
            db,
            rule,
            request.form.get("name", ""),
            request.form.get("name_en", ""),
            actor=current_user.actor,
        )
    return _back()


@bp.post("/region/rules/categories/<int:category_id>/rename")
@roles_required("district_admin")
@region_page
def district_category_rename(category_id: int):
    """改名: the category's name in every village whose heading is the district's."""
    with saving(_("已保存，已发到本区县每个村")) as db:
        category = dc.get_district_category(db, current_user.district_id, category_id)
        district_edits.rename_district_category(
            db,
            category,
            request.form.get("name", ""),
            request.form.get("name_en", ""),
            actor=current_user.actor,
        )
    return _back()


@bp.post("/region/rules/<int:rule_id>/restore")
@roles_required("district_admin")
@region_page
def district_rule_restore(rule_id: int):
    """恢复: a retired item back in every village (off where the village had switched it off)."""
    with saving(_("已恢复，本区县各村都可以再用这个项目（村里原先自己停用的仍停用）")) as db:
        rule = dc.get_district_rule(db, current_user.district_id, rule_id)
        district_edits.restore_district_rule(db, rule, actor=current_user.actor)
    return _back()


@bp.post("/rules/<int:rule_id>/points")
@roles_required(*PANEL)
def rule_points(rule_id: int):
    """A village's own points for an inherited item, within the district's range."""
    with saving(_("已保存")) as db:
        rule = points.get_rule(db, village(db).id, rule_id)
        dc.adjust_rule_points(db, rule, form_int("points"), actor=current_user.actor)
    return redirect(url_for("backoffice.rules"), 303)


@bp.post("/rules/<int:rule_id>/follow")
@roles_required(*PANEL)
def rule_follow(rule_id: int):
    """跟随区县: the village's points for an inherited item become the district's again."""
    with saving(_("已保存，本项目的分值跟随区县")) as db:
        rule = points.get_rule(db, village(db).id, rule_id)
        dc.follow_district_points(db, rule, actor=current_user.actor)
    return redirect(url_for("backoffice.rules"), 303)
