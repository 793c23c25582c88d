"""The volunteer's pages (志愿者): goods (商品) with pictures, receiving (入库) by scanning,
low stock (缺货提醒) and stocktake (盘点). Supervisors read them; admins do everything."""

from __future__ import annotations

import mimetypes
import secrets
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.security import safe_join

from kiosk.db import reading, writing
from shop import stock
from shop.errors import DomainError
from shop.models import Product, ReceivingDoc, Stocktake
from shop.stock import products, receiving, stocktake

from .access import bp, roles_required
from .common import (
    attachment,
    done,
    error_text,
    flash_error,
    form_int,
    is_htmx,
    refused_status,
    render,
    village,
)
from .i18n import lang, printer_error_text

VOLUNTEERS = ("admin", "volunteer")
READERS = ("admin", "volunteer", "supervisor")
SOURCES = receiving.SOURCES


def _product(db, product_id: int) -> Product:
    found = db.get(Product, product_id)
    if found is None:  # another village's too: the scope hides it (shop/scope.py)
        abort(404)
    return found


def _products(db) -> list[Product]:
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
        rows = _products(db)
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
        product = _product(db, product_id)
    return render_template("backoffice/stock/product_form.html", product=product, form={})


@bp.route("/stock/products/<int:product_id>", methods=["POST"])
@roles_required(*VOLUNTEERS)
def product_update(product_id: int):
    try:
        with writing() as db:
            products.update_product(
                db,
                _product(db, product_id),
                actor=current_user.actor,
                **_product_changes(request.form),
            )
    except DomainError as exc:
        with reading() as db:
            product = _product(db, product_id)
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
                db, _product(db, product_id), data, current_app.instance_path,
                actor=current_user.actor,
            )  # fmt: skip
    except DomainError as exc:
        with reading() as db:
            product = _product(db, product_id)
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
        relative = _product(db, product_id).picture
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


# --- receiving ---------------------------------------------------------------------------------


def _receiving_lines(db, form) -> tuple[list[dict], DomainError | None]:
    """The delivery's lines as the form carries them, with a scan or a stepper applied.

    Lines stay in the page (hidden code + quantity per line) until the volunteer books; scanning
    the same packet again adds one to its line."""
    village_id = village(db).id
    lines: list[dict] = []
    for code, qty in zip(form.getlist("code"), form.getlist("qty"), strict=False):
        try:
            product = receiving.find_product(db, village_id, code)
        except DomainError:
            continue
        try:
            count = int(qty)
        except ValueError:
            count = 1
        lines.append({"product": product, "qty": count})
    error = None
    step = form.get("step", "")
    if step:
        index, _, delta = step.partition(":")
        try:
            line = lines[int(index)]
            line["qty"] = max(line["qty"] + int(delta), 0)
        except (ValueError, IndexError):
            pass
        lines = [line for line in lines if line["qty"] > 0]
    code = (form.get("scan") or form.get("pick") or "").strip()
    if code:
        try:
            product = receiving.find_product(db, village_id, code)
        except DomainError as exc:
            error = exc
        else:
            for line in lines:
                if line["product"].id == product.id:
                    line["qty"] += 1
                    break
            else:
                lines.append({"product": product, "qty": 1})
    return lines, error


def _receiving_form(db, form, *, error: str | None = None, code: str | None = None, **extra):
    lines, scan_error = _receiving_lines(db, form)
    if scan_error is not None and error is None:
        error, code = error_text(scan_error), scan_error.code
    return dict(
        lines=lines,
        products=[p for p in _products(db) if p.is_active],
        sources=SOURCES,
        form=form,
        key=form.get("idempotency_key") or secrets.token_urlsafe(18),
        error=error,
        code=code,
        **extra,
    )


@bp.route("/stock/receiving")
@roles_required(*READERS)
def receiving_list():
    with reading() as db:
        docs = receiving.list_deliveries(db, village(db))
    return render_template("backoffice/stock/receiving_list.html", docs=docs, sources=SOURCES)


@bp.route("/stock/receiving/new")
@roles_required(*VOLUNTEERS)
def receiving_new():
    # The idempotency key is made here, with the form: submitting it twice books once.
    with reading() as db:
        context = _receiving_form(db, request.form)
    return render_template("backoffice/stock/receiving_new.html", **context)


@bp.route("/stock/receiving/lines", methods=["POST"])
@roles_required(*VOLUNTEERS)
def receiving_lines():
    """htmx: a scanned barcode, a picked product or a stepper press; answers the lines."""
    with reading() as db:
        context = _receiving_form(db, request.form)
    return render(
        "backoffice/stock/receiving_new.html",
        "backoffice/stock/_receiving_lines.html",
        scan_oob=is_htmx(),
        **context,
    )


@bp.route("/stock/receiving", methods=["POST"])
@roles_required(*VOLUNTEERS)
def receiving_create():
    f = request.form
    lines = []
    for code, qty in zip(f.getlist("code"), f.getlist("qty"), strict=False):
        try:
            lines.append((code, int(qty)))
        except ValueError:
            lines.append((code, -1))
    try:
        with writing() as db:
            doc = receiving.receive_delivery(
                db,
                village(db),
                lines,
                source_kind=f.get("source_kind", ""),
                source_name=f.get("source_name", "") if f.get("source_kind") == "partner" else "",
                value_yuan=(f.get("value_yuan") or "0").strip(),
                memo=f.get("memo", "").strip(),
                actor=current_user.actor,
                idempotency_key=f.get("idempotency_key") or None,
            )
            doc_no = doc.doc_no
    except DomainError as exc:
        with reading() as db:
            context = _receiving_form(db, f, error=error_text(exc), code=exc.code)
        return render(
            "backoffice/stock/receiving_new.html",
            "backoffice/stock/_receiving_form.html",
            http_status=refused_status(),
            **context,
        )
    flash(_("已入库"), "ok")
    return done(url_for("backoffice.receiving_doc", doc_no=doc_no))


def _doc(db, doc_no: str) -> ReceivingDoc:
    try:
        return receiving.get_delivery(db, village(db), doc_no)
    except DomainError:
        abort(404)


@bp.route("/stock/receiving/<doc_no>")
@roles_required(*READERS)
def receiving_doc(doc_no: str):
    with reading() as db:
        doc = _doc(db, doc_no)
        lines = [(line.product, line.qty, line.on_hand_after) for line in doc.lines]
    return render_template(
        "backoffice/stock/receiving_doc.html", doc=doc, lines=lines, sources=SOURCES
    )


@bp.route("/stock/receiving/<doc_no>/pdf")
@roles_required(*READERS)
def receiving_pdf(doc_no: str):
    from shop.stock.slips import receiving_pdf as make_pdf

    with reading() as db:
        slip = receiving.receiving_slip(db, _doc(db, doc_no), lang=lang())
    body = make_pdf(slip, current_app.config.get("CJK_FONT") or None)
    response = current_app.response_class(body, mimetype="application/pdf")
    attachment(response, f"{slip.doc_no}.pdf", inline=True)
    return response


@bp.route("/stock/receiving/<doc_no>/print", methods=["POST"])
@roles_required(*VOLUNTEERS)
def receiving_print(doc_no: str):
    from hardware.printing import PrinterError

    from .printing import print_receiving_slip

    with reading() as db:
        doc = _doc(db, doc_no)
        try:
            print_receiving_slip(db, doc)
            flash(_("已打印"), "ok")
        except PrinterError as exc:
            flash(printer_error_text(exc), "error")
    return redirect(url_for("backoffice.receiving_doc", doc_no=doc_no), 303)


# --- stocktake ---------------------------------------------------------------------------------


def _take(db, stocktake_id: int) -> Stocktake:
    take = db.get(Stocktake, stocktake_id)
    if take is None:
        abort(404)
    return take


def _take_context(db, take: Stocktake, **extra) -> dict:
    lines = stocktake.review(db, take)
    names = {p.id: p for p in _products(db)}
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
                product = _product(db, form_int("product_id", 0) or 0)
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
            names = {p.id: p for p in _products(db)}
            context = _take_context(db, take)
        return render_template(
            "backoffice/stock/stocktake_finish.html",
            check=check,
            names=names,
            percent=current_app.config["STOCKTAKE_WARN_PERCENT"],
            units=current_app.config["STOCKTAKE_WARN_UNITS"],
            **context,
        )
    try:
        with writing() as db:
            stocktake.finalise_stocktake(db, _take(db, stocktake_id), actor=current_user.actor)
        flash(_("盘点已完成"), "ok")
    except DomainError as exc:
        flash_error(exc)
    return done(url_for("backoffice.stocktake_detail", stocktake_id=stocktake_id))


@bp.route("/stock/stocktake/<int:stocktake_id>/cancel", methods=["POST"])
@roles_required(*VOLUNTEERS)
def stocktake_cancel(stocktake_id: int):
    try:
        with writing() as db:
            stocktake.cancel_stocktake(db, _take(db, stocktake_id), actor=current_user.actor)
        flash(_("盘点已取消"), "ok")
    except DomainError as exc:
        flash_error(exc)
    return done(url_for("backoffice.stocktake_page"))
