"""A household's family (家庭成员) in the back-office: list, add, correct and remove members,
户主变更, 分户 and 合户. Changes that move people or points ask first: the page says what will
happen (who moves, how many points, which passbook stops) and nothing is written until 确认."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.db import reading, writing
from shop import households
from shop.errors import DomainError
from shop.households import family, split_merge, visitors
from shop.models import Household, Member

from .access import bp, roles_required
from .common import error_text, flash_error, form_int, refused_status, saving, village

EDITORS = ("admin", "panel")


def _household(db, household_id: int) -> Household:
    found = db.get(Household, household_id)
    if found is None:  # another village's too: the scope hides it (shop/scope.py)
        abort(404)
    return found


def _member(db, member_id: int) -> Member:
    found = db.get(Member, member_id)
    if found is None:
        abort(404)
    return found


def _back(household_id: int):
    return redirect(
        url_for("backoffice.household_detail", household_id=household_id) + "#family", 303
    )


def _confirmed(shown: str | None = None) -> bool:
    """确认 was pressed on the page that showed this very plan: a field changed after the plan
    was shown (`shown`, the plan's fields as the page carried them) shows the plan again."""
    if request.form.get("confirm") != "1":
        return False
    return shown is None or request.form.get("shown") == shown


def _shown(*values) -> str:
    return "|".join(str(v) for v in values)


@bp.route("/households/<int:household_id>/members", methods=["POST"])
@roles_required(*EDITORS)
def member_add(household_id: int):
    f = request.form
    with saving(_("已保存")) as db:
        family.add_member(
            db,
            _household(db, household_id),
            f.get("name", ""),
            f.get("relation", ""),
            phone=f.get("phone", ""),
            may_redeem=f.get("may_redeem") == "1",
            actor=current_user.actor,
        )
    return _back(household_id)


@bp.route("/members/<int:member_id>/edit", methods=["POST"])
@roles_required(*EDITORS)
def member_edit(member_id: int):
    f = request.form
    with reading() as db:
        household_id = _member(db, member_id).household_id
    try:
        with writing() as db:
            changed = family.edit_member(
                db,
                _member(db, member_id),
                name=f.get("name", ""),
                relation=f.get("relation", ""),
                phone=f.get("phone", ""),
                may_redeem=f.get("may_redeem") == "1",
                actor=current_user.actor,
            )
        flash(_("已保存") if changed else _("没有改动"), "ok")
    except DomainError as exc:
        flash_error(exc)
    return _back(household_id)


@bp.route("/members/<int:member_id>/remove", methods=["POST"])
@roles_required(*EDITORS)
def member_remove(member_id: int):
    """移出本户, after a page that names who leaves the list."""
    with reading() as db:
        member = _member(db, member_id)
        h = member.household
        if not _confirmed():
            return render_template("backoffice/family_confirm.html", action="remove", h=h,
                                   member=member, relations=family.RELATIONS)  # fmt: skip
    with saving(_("已保存")) as db:
        family.remove_member(db, _member(db, member_id), actor=current_user.actor)
    return _back(h.id)


@bp.route("/households/<int:household_id>/head", methods=["GET", "POST"])
@roles_required(*EDITORS)
def head_change(household_id: int):
    """户主变更: choose the new head among the members, and what the old head becomes."""
    new_id = form_int("member")
    old_relation = request.form.get("old_relation", "")
    with reading() as db:
        h = _household(db, household_id)
        members = family.members_of(db, h)
        chosen = next((m for m in members if m.id == new_id and not m.is_head), None)
        ready = request.method == "POST" and chosen is not None
        shown = _shown(new_id, old_relation)
        if not ready or not _confirmed(shown):
            error = _("请选出新户主") if request.method == "POST" and chosen is None else None
            return render_template(
                "backoffice/family_head.html",
                h=h,
                members=members,
                chosen=chosen,
                shown=shown,
                old_relation=old_relation,
                relations=family.RELATIONS,
                error=error,
            ), (refused_status() if error else 200)
    with saving(_("户主已变更")) as db:
        h = _household(db, household_id)
        family.change_head(
            db, h, _member(db, chosen.id), old_head_relation=old_relation,
            actor=current_user.actor,
        )  # fmt: skip
    return _back(household_id)


@bp.route("/households/<int:household_id>/split", methods=["GET", "POST"])
@roles_required(*EDITORS)
def household_split(household_id: int):
    """分户: who leaves, the new household's number and head, how many points go with them.
    The first POST shows what will happen; 确认 does it."""
    f = request.form
    fields = dict(
        number=f.get("number", ""),
        member_ids=[int(i) for i in f.getlist("member") if i.isdigit()],
        head_id=form_int("head"),
        points=form_int("points", 0) or 0,
        group_name=f.get("group_name"),
    )
    with reading() as db:
        h = _household(db, household_id)
        members = family.members_of(db, h)
        plan, error = None, None
        if request.method == "POST":
            try:
                plan = split_merge.plan_split(db, h, **fields)
            except DomainError as exc:
                error = error_text(exc)
        shown = _shown(
            fields["number"],
            sorted(fields["member_ids"]),
            fields["head_id"],
            fields["points"],
            fields["group_name"],
        )
        if plan is None or not _confirmed(shown):
            return render_template(
                "backoffice/family_split.html",
                h=h,
                members=members,
                plan=plan,
                shown=shown,
                fields=fields,
                relations=family.RELATIONS,
                error=error,
            ), (refused_status() if error else 200)
    try:
        with writing() as db:
            new = split_merge.split_household(
                db, _household(db, household_id), **fields, actor=current_user.actor
            )
            new_id = new.id
    except DomainError as exc:
        flash_error(exc)
        return _back(household_id)
    flash(_("分户已办好。请给新户发放存折。"), "ok")
    return redirect(url_for("backoffice.household_detail", household_id=new_id), 303)


@bp.route("/households/<int:household_id>/merge", methods=["GET", "POST"])
@roles_required(*EDITORS)
def household_merge(household_id: int):
    """合户: another household (by its number) joins this one. The first POST shows what will
    happen (its balance, members, which passbooks stop); 确认 does it."""
    number = request.form.get("number", "").strip()
    with reading() as db:
        keep = _household(db, household_id)
        plan, error = None, None
        if request.method == "POST":
            try:
                gone = households.get_household(db, village(db).id, number)
                plan = split_merge.plan_merge(db, keep, gone)
            except DomainError as exc:
                error = error_text(exc)
        if plan is None or not _confirmed(_shown(number)):
            return render_template(
                "backoffice/family_merge.html",
                shown=_shown(number),
                h=keep,
                plan=plan,
                number=number,
                relations=family.RELATIONS,
                error=error,
            ), (refused_status() if error else 200)
        gone_id = plan.gone.id
    with saving(_("合户已办好")) as db:
        split_merge.merge_households(
            db,
            _household(db, household_id),
            _household(db, gone_id),
            expected_balance=form_int("expected_balance", 0) or 0,
            actor=current_user.actor,
        )
    return _back(household_id)


@bp.route("/households/who-came", methods=["POST"])
@roles_required(*EDITORS)
def who_came_setting():
    """Whether the kiosk asks which member came (来兑换的人), named on the receipt."""
    with writing() as db:
        visitors.set_asks_who_came(
            db, village(db), request.form.get("on") == "1", actor=current_user.actor
        )
    flash(_("已保存"), "ok")
    return redirect(url_for("backoffice.household_list") + "#who-came", 303)
