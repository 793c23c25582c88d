"""Products (商品) in the back-office: edit, picture, low-stock list.

Creating a product is shop.stock.create_product. Pictures are stored in the instance folder as
``pictures/<village id>/<product id>.<jpg|png>`` (by id: two SKUs such as COL.1 and COL_1 once
shared one file when named by SKU) (Product.picture holds that path relative to the
instance folder), resized to at most 480 px on the long side; the kiosk serves them from there.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from shop import ledger
from shop.errors import DomainError
from shop.regions.models import Village
from shop.stock.models import Product
from shop.text import plain_text

PICTURE_MAX_PX = 480
PICTURE_MAX_BYTES = 10 * 1024 * 1024
# Decoded size, checked from the header before any pixel is decoded: a 687 KB PNG of
# 13,300 x 13,300 once took 1.4 GB. JPEGs are first decoded at a reduced scale (draft), so a
# phone's 48-megapixel photo still fits.
PICTURE_MAX_PIXELS = 25_000_000
_EDITABLE = {
    "name": str,
    "name_en": str,
    "unit": str,
    "category": str,
    "barcode": (str, type(None)),
    "points": int,
    "min_level": int,
    "reorder_level": int,
    "is_active": bool,
    "sort_order": int,
}


def check_changes(session: Session, product: Product, changes: dict) -> dict:
    """The form's fields checked and cleaned (types, ranges, characters, a unique barcode).
    Raises DomainError; changes nothing."""
    changes = dict(changes)
    for field, value in changes.items():
        kind = _EDITABLE.get(field)
        # A field the form does not have, or text where the view passes a flag: the view's
        # mistake, not the clerk's (invalid_input).
        if kind is None:
            raise DomainError("invalid_input", f"field {field!r}")
        if kind is int and (not isinstance(value, int) or isinstance(value, bool)):
            # What the clerk typed in a number's box was not a whole number.
            code = "invalid_points" if field == "points" else "invalid_stock_level"
            raise DomainError(code, f"{field}: {value!r}")
        if kind is not int and not isinstance(value, kind):
            raise DomainError("invalid_input", f"{field}: {value!r}")
    if "points" in changes and changes["points"] <= 0:
        raise DomainError("invalid_points", repr(changes["points"]))
    for field in ("min_level", "reorder_level", "sort_order"):
        if field in changes and changes[field] < 0:
            raise DomainError("invalid_stock_level", f"{field}: {changes[field]!r}")
    for field, value in changes.items():
        if isinstance(value, str):
            changes[field] = plain_text(value, field).strip()
    if "name" in changes and not changes["name"]:
        raise DomainError("product_name_required", "name")
    if "barcode" in changes:
        barcode = (changes["barcode"] or "").strip() or None
        if barcode and session.scalar(
            select(Product.id).where(
                Product.village_id == product.village_id,
                Product.barcode == barcode,
                Product.id != product.id,
            )
        ):
            raise DomainError("barcode_taken", f"barcode {barcode}")
        changes["barcode"] = barcode
    return changes


def update_product(session: Session, product: Product, *, actor: str = "", **changes) -> Product:
    """Change what the back-office form edits, one journal row per field that changed (商品设置:
    a price or a product taken off sale is seen on the journal page with who did it). Stock
    (on_hand) is never edited here: it moves only by receiving, stocktake, redemption and void."""
    changes = check_changes(session, product, changes)
    for field in _EDITABLE:  # the form's order, so the journal reads the same way each time
        if field not in changes or getattr(product, field) == changes[field]:
            continue
        old, new = getattr(product, field), changes[field]
        setattr(product, field, new)
        journal_product(session, product, change_memo(field, old, new), actor=actor)
    session.flush()
    return product


def change_memo(field: str, old, new) -> str:
    """A field's change in the journal's grammar (shop.ledger.sentences reads it back)."""
    if field == "is_active":
        return "product on sale" if new else "product off sale"
    old = "" if old is None else str(old)
    new = "" if new is None else str(new)
    return f"product {field}" + (f" {old}" if old else "") + " ->" + (f" {new}" if new else "")


def journal_product(session: Session, product: Product, memo: str, *, actor: str) -> None:
    """A product's settings change as a row of the village's journal (ref product:<sku>)."""
    ledger.append(
        session,
        product.village_id,
        "staff_change",
        actor=actor,
        ref=f"product:{product.sku}",
        memo=memo,
    )


def set_product_picture(
    session: Session, product: Product, data: bytes, instance_path: str | Path, *, actor: str = ""
) -> str:
    """Store an uploaded picture, resized to fit 480×480, as JPEG (PNG if it has transparency).
    Returns the stored relative path (also set on the product)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data or len(data) > PICTURE_MAX_BYTES:
        raise DomainError("invalid_picture", f"{len(data or b'')} bytes")
    try:
        with warnings.catch_warnings():
            # Pillow only warns up to twice its limit; for a picture, its warning is a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data), formats=("JPEG", "PNG", "WEBP", "GIF", "BMP"))
        with opened:
            if opened.format == "JPEG":
                opened.draft("RGB", (PICTURE_MAX_PX * 2, PICTURE_MAX_PX * 2))
            if opened.width * opened.height > PICTURE_MAX_PIXELS:
                raise DomainError("invalid_picture", f"{opened.width}x{opened.height} pixels")
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise DomainError("invalid_picture", str(exc)[:100]) from exc
    image.thumbnail((PICTURE_MAX_PX, PICTURE_MAX_PX))
    has_alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
    ext = "png" if has_alpha else "jpg"
    relative = Path("pictures") / str(product.village_id) / f"{product.id}.{ext}"
    target = Path(instance_path) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_suffix(f".{ext}.tmp")
    if has_alpha:
        image.convert("RGBA").save(temp, "PNG", optimize=True)
    else:
        image.convert("RGB").save(temp, "JPEG", quality=85, optimize=True)
    temp.replace(target)  # atomic: the kiosk never shows half a picture
    for old in target.parent.glob(f"{target.stem}.*"):
        if old != target and old.suffix in (".jpg", ".png"):
            old.unlink()
    product.picture = relative.as_posix()
    journal_product(session, product, "product picture", actor=actor)
    session.flush()
    return product.picture


@dataclass(frozen=True)
class LowStock:
    """A product below its minimum: 缺货提醒, with the quantity to order back up to its
    recommended level."""

    sku: str
    name: str
    unit: str
    on_hand: int
    min_level: int
    reorder_level: int

    @property
    def reorder_qty(self) -> int:
        return max(max(self.reorder_level, self.min_level) - self.on_hand, 0)


def low_stock(session: Session, village: Village) -> list[LowStock]:
    """Active goods below their minimum level, emptiest first."""
    rows = session.execute(
        select(
            Product.sku,
            Product.name,
            Product.unit,
            Product.on_hand,
            Product.min_level,
            Product.reorder_level,
        )
        .where(
            Product.village_id == village.id,
            Product.is_active,
            Product.on_hand < Product.min_level,
        )
        .order_by(Product.on_hand - Product.min_level, Product.sku)
    ).all()
    return [LowStock(*row) for row in rows]
