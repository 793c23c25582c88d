"""Settings of the shop: redemption windows (兑换时段: always open, date ranges, 一季一兑换) and
per-household product limits (每户限兑). The panel and the admin set windows, the admin sets
limits, the supervision panel reads both."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from kiosk.db import reading, writing
from shop.errors import DomainError
from shop.models import Product, ProductLimit
from shop.redemptions import limits

from .access import bp, roles_required
from .common import form_int, parse_date, saving, today, village

READERS = ("admin", "panel", "supervisor")
WINDOW_EDITORS = ("admin", "panel")
LIMIT_EDITORS = ("admin",)


@bp.route("/settings/windows")
@roles_required(*READERS)
def windows_page():
    with reading() as db:
        v = village(db)
        rows = limits.list_windows(db, v.id)
        is_open = limits.is_open(db, v.id)
        upcoming = limits.next_window(db, v)
    return render_template(
        "backoffice/settings/windows.html",
        windows=rows,
        is_open=is_open,
        upcoming=upcoming,
        year=today().year,
    )


@bp.route("/settings/windows", methods=["POST"])
@roles_required(*WINDOW_EDITORS)
def window_add():
    f = request.form
    with saving(_("已保存")) as db:
        limits.add_window(
            db,
            village(db),
            parse_date(f.get("starts_on")),
            parse_date(f.get("ends_on")),
            label=f.get("label", "").strip(),
            actor=current_user.actor,
        )
    return redirect(url_for("backoffice.windows_page"), 303)


@bp.route("/settings/windows/quarters", methods=["POST"])
@roles_required(*WINDOW_EDITORS)
def window_quarters():
    """一季一兑换: the first days of each quarter of a year, as four windows."""
    with saving(_("已保存")) as db:
        v = village(db)
        year = form_int("year", today().year) or today().year
        for starts_on, ends_on, label in limits.quarter_windows(year, form_int("days", 7) or 7):
            limits.add_window(db, v, starts_on, ends_on, label=label, actor=current_user.actor)
    return redirect(url_for("backoffice.windows_page"), 303)


@bp.route("/settings/windows/always-open", methods=["POST"])
@roles_required(*WINDOW_EDITORS)
def windows_always_open():
    with writing() as db:
        limits.set_always_open(db, village(db), actor=current_user.actor)
    flash(_("已保存"), "ok")
    return redirect(url_for("backoffice.windows_page"), 303)


@bp.route("/settings/limits")
@roles_required(*READERS)
def limits_page():
    with reading() as db:
        v = village(db)
        rows = db.execute(
            select(Product, ProductLimit)
            .outerjoin(ProductLimit, ProductLimit.product_id == Product.id)
            .where(Product.village_id == v.id)
            .order_by(Product.is_active.desc(), Product.sort_order, Product.sku)
        ).all()
    return render_template("backoffice/settings/limits.html", rows=rows, periods=limits.PERIODS)


@bp.route("/settings/limits", methods=["POST"])
@roles_required(*LIMIT_EDITORS)
def limit_set():
    f = request.form
    with saving(_("已保存")) as db:
        product = db.get(Product, form_int("product_id", 0) or 0)
        if product is None:
            abort(404)
        allowed = form_int("allowed") if f.get("allowed", "").strip() else None
        if f.get("allowed", "").strip() and allowed is None:
            raise DomainError("invalid_quantity", f.get("allowed"))
        limits.set_limit(
            db, product, allowed, period=f.get("period", "quarter"), actor=current_user.actor
        )
    return redirect(url_for("backoffice.limits_page"), 303)
