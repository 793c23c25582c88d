"""The kiosk page's template globals (goods pictures, the dates and labels of the household's
entries, the page's settings) and the route that serves a product's uploaded picture."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, send_from_directory, session, url_for
from flask_babel import format_date
from flask_babel import gettext as _

from shop.models import Product, utcnow

from . import i18n, visit
from .db import reading
from .screen_kit import bp


@bp.app_template_global()
def goods_picture(product) -> str:
    """The URL of a product's picture: the demo's drawings are static files; pictures the
    volunteer uploaded live in the instance folder (with their time, so a new one shows)."""
    picture = product.picture or "goods/_default.svg"
    if not picture.startswith("pictures/"):
        return url_for("static", filename=picture)
    path = Path(current_app.instance_path) / picture
    version = int(path.stat().st_mtime) if path.exists() else 0
    return url_for("screens.uploaded_picture", product_id=product.id, v=version)


@bp.get("/goods/<int:product_id>/picture")
def uploaded_picture(product_id: int):
    """Only a product's own uploaded picture, never another file of the instance folder."""
    with reading() as session:
        product = session.get(Product, product_id)
        picture = product.picture if product else None
    if not picture or not picture.startswith("pictures/"):
        abort(404)
    response = send_from_directory(current_app.instance_path, picture, max_age=3600)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.app_template_global()
def entry_date(moment) -> str:
    """3月12日 / 12 Mar, with the year only when it is not this year's."""
    this_year = format_date(utcnow(), "yyyy") == format_date(moment, "yyyy")
    if i18n.lang() == "en":
        return format_date(moment, "d MMM" if this_year else "d MMM yyyy")
    return format_date(moment, "M月d日" if this_year else "yyyy年M月d日")


ENTRY_KINDS = {
    "redemption": lambda: _("Goods taken"),
    "void": lambda: _("Receipt cancelled, points back"),
    "award": lambda: _("Points awarded"),
    "deduction": lambda: _("Points deducted"),
    "year_end": lambda: _("Year end"),
    "genesis": lambda: _("Opening balance"),
    "transfer": lambda: _("Points moved when the family split or merged"),
}


@bp.app_template_global()
def entry_label(entry) -> str:
    """Why the points moved: the rule's name, else what kind of event it was."""
    if entry.rule is not None:
        return i18n.rule_name(entry.rule)
    kind = entry.journal.kind
    label = ENTRY_KINDS.get(kind, lambda: _("Points changed"))()
    if kind in ("redemption", "void") and entry.journal.ref:
        return f"{label} {entry.journal.ref}"
    return label


@bp.app_context_processor
def _kiosk_globals():
    config = current_app.config
    return {
        "idle_seconds": int(config.get("IDLE_SECONDS") or 30),
        "failed_idle_seconds": int(config.get("PRINTER_FAILED_IDLE_SECONDS") or 0),
        "wedge_pause_ms": int(config.get("WEDGE_PAUSE_MS") or 800),
        "wedge_fast_ms": int(config.get("WEDGE_FAST_MS") or 50),
        "sounds_on": bool(config.get("SOUNDS")) and not session.get(visit.MUTE_KEY, False),
        "sounds_enabled": bool(config.get("SOUNDS")),
    }
