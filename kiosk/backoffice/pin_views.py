"""Household PINs on the household page (户密码): set, clear (the panel), unlock (the panel and
the clerk). The rules are shop.households.pins; every change is journaled there."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.db import writing
from shop.errors import DomainError
from shop.households import pins

from .access import bp, roles_required
from .common import flash_error
from .households_views import EDITORS, _household

UNLOCKERS = ("admin", "panel", "clerk")


def _back(household_id: int):
    return redirect(url_for("backoffice.household_detail", household_id=household_id), 303)


@bp.route("/households/<int:household_id>/pin", methods=["POST"])
@roles_required(*EDITORS)
def household_pin(household_id: int):
    """Set or change (action=set, the PIN typed twice) or clear (action=clear) the PIN."""
    action = request.form.get("action", "")
    try:
        with writing() as db:
            household = _household(db, household_id)
            if action == "clear":
                pins.clear_pin(db, household, actor=current_user.actor)
                flash(_("已取消户密码"), "ok")
            elif action == "set":
                pin = request.form.get("pin", "")
                if pin != request.form.get("pin2", ""):
                    flash(_("两次输入的户密码不一样，没有保存。"), "error")
                    return _back(household_id)
                if not pins.valid_pin(pin):
                    flash(_("户密码要4到6位数字，没有保存。"), "error")
                    return _back(household_id)
                pins.set_pin(db, household, pin, actor=current_user.actor)
                flash(_("已设置户密码"), "ok")
    except DomainError as exc:
        flash_error(exc)
    return _back(household_id)


@bp.route("/households/<int:household_id>/pin/unlock", methods=["POST"])
@roles_required(*UNLOCKERS)
def household_pin_unlock(household_id: int):
    """After five wrong PINs at the kiosk: the count starts again from zero."""
    with writing() as db:
        pins.unlock_pin(db, _household(db, household_id), actor=current_user.actor)
    flash(_("已解锁，可以再输入户密码"), "ok")
    return _back(household_id)
