"""Receiving goods (入库) by scanning: the delivery's lines, its document, paper and print."""

from __future__ import annotations

import secrets

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kiosk.db import reading, writing
from shop.errors import DomainError
from shop.models import ReceivingDoc
from shop.stock import receiving

from .access import bp, roles_required
from .common import attachment, done, error_text, is_htmx, refused_status, render, village
from .i18n import lang, printer_error_text
from .stock_views import READERS, VOLUNTEERS, village_products

SOURCES = receiving.SOURCES


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
        products=[p for p in village_products(db) if p.is_active],
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
