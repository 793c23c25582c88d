"""Stocktake (盘点): start a count, scan or pick each product's count, finalise or cancel."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from kiosk.db import reading, writing
from shop.errors import DomainError
from shop.models import Stocktake
from shop.stock import receiving, stocktake

from .access import bp, roles_required
from .common import (
    done,
    error_text,
    flash_error,
    form_int,
    is_htmx,
    refused_status,
    render,
    saving,
    village,
)
from .stock_views import READERS, VOLUNTEERS, product_or_404, village_products


def _take(db, stocktake_id: int) -> Stocktake:
    take = db.get(Stocktake, stocktake_id)
    if take is None:
        abort(404)
    return take


def _take_context(db, take: Stocktake, **extra) -> dict:
    lines = stocktake.review(db, take)
    names = {p.id: p for p in village_products(db)}
    return dict(
        take=take,
        lines=[(names[line.product_id], line) for line in lines],
        counted=sum(1 for line in lines if line.counted is not None),
        differ=sum(1 for line in lines if line.difference),
        **extra,
    )


@bp.route("/stock/stocktake")
@roles_required(*READERS)
def stocktake_page():
    with reading() as db:
        v = village(db)
        current = stocktake.open_stocktake(db, v)
        if current is not None:
            return render_template("backoffice/stock/stocktake.html", **_take_context(db, current))
        history = list(
            db.scalars(
                select(Stocktake)
                .where(Stocktake.village_id == v.id)
                .order_by(Stocktake.id.desc())
                .limit(20)
            )
        )
    return render_template("backoffice/stock/stocktake_start.html", history=history)


@bp.route("/stock/stocktake", methods=["POST"])
@roles_required(*VOLUNTEERS)
def stocktake_start():
    try:
        with writing() as db:
            stocktake.start_stocktake(
                db, village(db), actor=current_user.actor, memo=request.form.get("memo", "")
            )
    except DomainError as exc:
        flash_error(exc)
    return redirect(url_for("backoffice.stocktake_page"), 303)


@bp.route("/stock/stocktake/<int:stocktake_id>")
@roles_required(*READERS)
def stocktake_detail(stocktake_id: int):
    with reading() as db:
        context = _take_context(db, _take(db, stocktake_id))
    return render_template("backoffice/stock/stocktake.html", **context)


@bp.route("/stock/stocktake/<int:stocktake_id>/count", methods=["POST"])
@roles_required(*VOLUNTEERS)
def stocktake_count(stocktake_id: int):
    """A typed count, a stepper press (the new count) or a scan (one more of that product)."""
    f = request.form
    error = code = None
    try:
        with writing() as db:
            take = _take(db, stocktake_id)
            scanned = f.get("scan", "").strip()
            if scanned:
                product = receiving.find_product(db, take.village_id, scanned)
                line = next(
                    (ln for ln in stocktake.review(db, take) if ln.product_id == product.id), None
                )
                counted = (line.counted if line and line.counted is not None else 0) + 1
            else:
                product = product_or_404(db, form_int("product_id", 0) or 0)
                counted = form_int("counted")
            stocktake.record_count(db, take, product, counted, actor=current_user.actor)
    except DomainError as exc:
        error, code = error_text(exc), exc.code
    with reading() as db:
        context = _take_context(db, _take(db, stocktake_id), error=error, code=code)
    return render(
        "backoffice/stock/stocktake.html",
        "backoffice/stock/_stocktake_lines.html",
        http_status=refused_status() if error else 200,
        scan_oob=is_htmx(),
        **context,
    )


@bp.route("/stock/stocktake/<int:stocktake_id>/finalise", methods=["POST"])
@roles_required(*VOLUNTEERS)
def stocktake_finalise(stocktake_id: int):
    """完成盘点 asks first: the lines nobody counted and each large difference, by name; only
    the volunteer's second press (confirm) writes the adjustment."""
    if request.form.get("confirm") != "1":
        with reading() as db:
            take = _take(db, stocktake_id)
            check = stocktake.check_finish(
                db,
                take,
                percent=int(current_app.config["STOCKTAKE_WARN_PERCENT"]),
                units=int(current_app.config["STOCKTAKE_WARN_UNITS"]),
            )
            names = {p.id: p for p in village_products(db)}
            context = _take_context(db, take)
        return render_template(
            "backoffice/stock/stocktake_finish.html",
            check=check,
            names=names,
            percent=current_app.config["STOCKTAKE_WARN_PERCENT"],
            units=current_app.config["STOCKTAKE_WARN_UNITS"],
            **context,
        )
    with saving(_("盘点已完成")) as db:
        stocktake.finalise_stocktake(db, _take(db, stocktake_id), actor=current_user.actor)
    return done(url_for("backoffice.stocktake_detail", stocktake_id=stocktake_id))


@bp.route("/stock/stocktake/<int:stocktake_id>/cancel", methods=["POST"])
@roles_required(*VOLUNTEERS)
def stocktake_cancel(stocktake_id: int):
    with saving(_("盘点已取消")) as db:
        stocktake.cancel_stocktake(db, _take(db, stocktake_id), actor=current_user.actor)
    return done(url_for("backoffice.stocktake_page"))
