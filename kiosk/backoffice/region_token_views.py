"""接口令牌 of a township or the district: read-only API tokens for the finance office (财务),
made by the region's admin, shown once, listed and revoked here (`kiosk token create --role
township_viewer --township CODE` does the same from the command line).

A token is of the admin's own region: a township admin's reads their township's villages, a
district admin's every village of the district (shop/scope.py). These are region pages: their
queries see the member's region, so another township's token is not found here.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from kiosk.db import reading, writing
from shop import staff
from shop.errors import DomainError
from shop.regions.models import District, Township
from shop.staff import accounts

from .access import bp, region_page, roles_required
from .common import error_text
from .district_views import REGION_ADMINS


def _region(db) -> Township | District | None:
    if current_user.district_id is not None:
        return db.get(District, current_user.district_id)
    return db.get(Township, current_user.township_id)


def _page(*, secret: str | None = None, error: str | None = None, status: int = 200):
    with reading() as db:
        tokens = accounts.list_api_tokens(db, region=True)
        townships = {tid: name for tid, name in db.execute(select(Township.id, Township.name))}
        districts = {did: name for did, name in db.execute(select(District.id, District.name))}
        region = _region(db)
        rows = [
            (t, townships.get(t.township_id) or districts.get(t.district_id) or "") for t in tokens
        ]
        name = region.name if region else ""
    return (
        render_template(
            "backoffice/district/tokens.html",
            rows=rows,
            name=name,
            secret=secret,
            error=error,
            label=request.form.get("label", "") if error else "",
            api_url=request.host_url.rstrip("/") + "/api/v1/region/villages",
        ),
        status,
    )


@bp.get("/region/tokens")
@roles_required(*REGION_ADMINS)
@region_page
def region_tokens():
    return _page()


@bp.post("/region/tokens")
@roles_required(*REGION_ADMINS)
@region_page
def region_token_create():
    """A new token of the member's region; its secret is on this answer only (never stored)."""
    try:
        with writing() as db:
            region = _region(db)
            if region is None:
                abort(404)
            _, secret = staff.create_region_token(
                db, region, label=request.form.get("label", ""), actor=current_user.actor
            )
    except DomainError as exc:
        return _page(error=error_text(exc), status=422)
    return _page(secret=secret)


@bp.post("/region/tokens/<int:token_id>/revoke")
@roles_required(*REGION_ADMINS)
@region_page
def region_token_revoke(token_id: int):
    try:
        with writing() as db:
            accounts.revoke_api_token(db, token_id, actor=current_user.actor, region=True)
    except DomainError:
        abort(404)
    flash(_("令牌已作废"), "ok")
    return redirect(url_for("backoffice.region_tokens"), 303)
