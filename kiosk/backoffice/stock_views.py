"""The volunteer's pages (志愿者): goods (商品) with pictures and low stock (缺货提醒); receiving
(入库) is in receiving_views, stocktake (盘点) in stocktake_views. Supervisors read them; admins
do everything."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.security import safe_join

from kiosk.db import reading, writing
from shop import stock
from shop.errors import DomainError
from shop.models import Product
from shop.stock import products

from .access import bp, roles_required
from .common import error_text, form_int, render, village

VOLUNTEERS = ("admin", "volunteer")
READERS = ("admin", "volunteer", "supervisor")


def product_or_404(db, product_id: int) -> Product:
    found = db.get(Product, product_id)
    if found is None:  # another village's too: the scope hides it (shop/scope.py)
        abort(404)
    return found


def village_products(db) -> list[Product]:
    return list(
        db.scalars(
            select(Product)
            .where(Product.village_id == village(db).id)
            .order_by(Product.is_active.desc(), Product.sort_order, Product.sku)
        )
    )


# --- goods -------------------------------------------------------------------------------------


@bp.route("/stock/products")
@roles_required(*READERS)
def product_list():
    with reading() as db:
        rows = village_products(db)
        low = {row.sku for row in products.low_stock(db, village(db))}
    return render_template("backoffice/stock/products.html", products=rows, low=low)


@bp.route("/stock/products/new")
@roles_required(*VOLUNTEERS)
def product_new():
    return render_template("backoffice/stock/product_form.html", product=None, form={})


def _product_changes(form) -> dict:
    """The edit form as update_product's keyword arguments (types checked by the service)."""
    changes = {
        "name": form.get("name", ""),
        "name_en": form.get("name_en", ""),
        "unit": form.get("unit", "") or "个",
        "category": form.get("category", ""),
        "barcode": form.get("barcode", "") or None,
        "is_active": form.get("is_active") == "1",
    }
    for field in ("points", "min_level", "reorder_level", "sort_order"):
        text = form.get(field, "").strip()
        if not text and field != "points":
            if field in form:
                changes[field] = 0  # an emptied level means none
            continue
        value = form_int(field)
        changes[field] = value if value is not None else text  # the service refuses the text
    return changes


def _picture(file_field: str = "picture") -> bytes | None:
    upload = request.files.get(file_field)
    if upload is None or not upload.filename:
        return None
    return upload.read(products.PICTURE_MAX_BYTES + 1)


@bp.route("/stock/products", methods=["POST"])
@roles_required(*VOLUNTEERS)
def product_create():
    f = request.form
    changes = _product_changes(f)
    picture = _picture()
    try:
        with writing() as db:
            # One unit of work: the product, its fields and its picture, or nothing.
            product = stock.create_product(
                db,
                village(db),
                f.get("sku", ""),
                changes.pop("name"),
                changes.pop("points"),
                actor=current_user.actor,
                **changes,
            )
            if picture is not None:
                products.set_product_picture(
                    db, product, picture, current_app.instance_path, actor=current_user.actor
                )
            product_id = product.id
    except DomainError as exc:
        return render_template(
            "backoffice/stock/product_form.html",
            product=None,
            form=f,
            error=error_text(exc),
            code=exc.code,
        ), 422
    flash(_("已保存"), "ok")
    return redirect(url_for("backoffice.product_edit", product_id=product_id), 303)


@bp.route("/stock/products/<int:product_id>")
@roles_required(*READERS)
def product_edit(product_id: int):
    with reading() as db:
        product = product_or_404(db, product_id)
    return render_template("backoffice/stock/product_form.html", product=product, form={})


@bp.route("/stock/products/<int:product_id>", methods=["POST"])
@roles_required(*VOLUNTEERS)
def product_update(product_id: int):
    try:
        with writing() as db:
            products.update_product(
                db,
                product_or_404(db, product_id),
                actor=current_user.actor,
                **_product_changes(request.form),
            )
    except DomainError as exc:
        with reading() as db:
            product = product_or_404(db, product_id)
        return render_template(
            "backoffice/stock/product_form.html",
            product=product,
            form=request.form,
            error=error_text(exc),
            code=exc.code,
        ), 422
    flash(_("已保存"), "ok")
    return redirect(url_for("backoffice.product_edit", product_id=product_id), 303)


@bp.route("/stock/products/<int:product_id>/picture", methods=["POST"])
@roles_required(*VOLUNTEERS)
def product_picture_upload(product_id: int):
    data = _picture() or b""
    try:
        with writing() as db:
            products.set_product_picture(
                db, product_or_404(db, product_id), data, current_app.instance_path,
                actor=current_user.actor,
            )  # fmt: skip
    except DomainError as exc:
        with reading() as db:
            product = product_or_404(db, product_id)
        return render_template(
            "backoffice/stock/product_form.html",
            product=product,
            form={},
            error=error_text(exc),
            code=exc.code,
        ), 422
    flash(_("已保存"), "ok")
    return redirect(url_for("backoffice.product_edit", product_id=product_id), 303)


@bp.route("/stock/products/<int:product_id>/picture")
@roles_required(*READERS)
def product_picture(product_id: int):
    """The stored picture, read from the instance folder (uploads); the demo's drawings that
    ship in static/goods/ are served from there."""
    with reading() as db:
        relative = product_or_404(db, product_id).picture
    if not relative:
        abort(404)
    for folder in (Path(current_app.instance_path), Path(current_app.static_folder or "")):
        path = safe_join(str(folder), relative)
        if path and Path(path).is_file():
            # A stored picture is small (at most 480 px): read it whole, nothing left open.
            kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
            response = current_app.response_class(Path(path).read_bytes(), mimetype=kind)
            response.headers["Cache-Control"] = "no-cache"
            return response
    abort(404)


@bp.route("/stock/low")
@roles_required(*READERS)
def low_stock():
    with reading() as db:
        rows = products.low_stock(db, village(db))
    return render(
        "backoffice/stock/low.html",
        "backoffice/stock/_low_stock.html",
        rows=rows,
        card=request.args.get("card") == "1",
    )
