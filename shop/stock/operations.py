"""Goods (商品) and stock: receiving and adjustments, each a journal event."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shop import ledger
from shop.errors import DomainError
from shop.regions.models import Village
from shop.stock import products
from shop.stock.models import Product
from shop.text import plain_text

MAX_RECEIVE = 100_000


def create_product(
    session: Session,
    village: Village,
    sku: str,
    name: str,
    points: int,
    *,
    actor: str = "",
    unit: str = "个",
    name_en: str = "",
    category: str = "",
    picture: str | None = None,
    barcode: str | None = None,
    min_level: int = 0,
    reorder_level: int = 0,
    sort_order: int = 0,
    is_active: bool = True,
) -> Product:
    """A new product (新增商品), journaled with its price and who added it."""
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise DomainError("invalid_points", repr(points))
    sku, name = plain_text(sku, "sku", max_length=32), plain_text(name, "name", max_length=100)
    if not sku:
        raise DomainError("sku_required", "SKU")
    if not name:
        raise DomainError("product_name_required", "name")
    if session.scalar(
        select(Product.id).where(Product.village_id == village.id, Product.sku == sku)
    ):
        raise DomainError("sku_taken", f"product {sku}")
    product = Product(village_id=village.id, sku=sku, name=name, points=points, picture=picture)
    fields = products.check_changes(
        session,
        product,
        dict(
            name_en=plain_text(name_en, "name_en", max_length=100),
            unit=plain_text(unit, "unit", max_length=16) or "个",
            category=plain_text(category, "category", max_length=32),
            barcode=plain_text(barcode, "barcode", max_length=64) or None,
            min_level=min_level,
            reorder_level=reorder_level,
            sort_order=sort_order,
            is_active=is_active,
        ),
    )
    for field, value in fields.items():
        setattr(product, field, value)
    session.add(product)
    session.flush()
    state = "on sale" if product.is_active else "off sale"
    products.journal_product(
        session,
        product,
        f"product create {points} points per {product.unit}, {state}: {name}",
        actor=actor,
    )
    return product


def get_product(session: Session, village_id: int, sku: str) -> Product:
    product = session.scalar(
        select(Product).where(Product.village_id == village_id, Product.sku == sku)
    )
    if product is None:
        raise DomainError("unknown_product", sku)
    return product


def receive_stock(
    session: Session, product: Product, qty: int, *, actor: str, source: str = "", memo: str = ""
) -> ledger.Appended:
    """入库: goods arrive from the district budget, a partner company or a donation."""
    if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1 or qty > MAX_RECEIVE:
        raise DomainError("invalid_quantity", repr(qty))
    return _move(session, product, qty, "receipt", "stock_receipt", actor, source, memo)


def adjust_stock(
    session: Session, product: Product, delta: int, *, actor: str, reason: str
) -> ledger.Appended:
    """盘点调整 / 报损: a correction with a reason; never below zero."""
    if (
        not isinstance(delta, int)
        or isinstance(delta, bool)
        or delta == 0
        or abs(delta) > MAX_RECEIVE
    ):
        raise DomainError("invalid_quantity", repr(delta))
    if not (reason or "").strip():
        raise DomainError("reason_required")
    return _move(session, product, delta, "adjustment", "stock_adjustment", actor, "", reason)


def _move(session, product, delta, reason, kind, actor, source, memo) -> ledger.Appended:
    on_hand_after = session.execute(
        update(Product)
        .execution_options(synchronize_session=False)
        .where(Product.id == product.id, Product.on_hand + delta >= 0)
        .values(on_hand=Product.on_hand + delta)
        .returning(Product.on_hand)
    ).scalar_one_or_none()
    if on_hand_after is None:
        raise DomainError("out_of_stock", product.sku, sku_name=product.name)
    entry = ledger.append(
        session,
        product.village_id,
        kind,
        actor=actor,
        ref=source or product.sku,
        memo=memo,
        stock=[ledger.Move(product.id, delta, on_hand_after, reason)],
    )
    session.expire(product, ["on_hand"])
    return entry
