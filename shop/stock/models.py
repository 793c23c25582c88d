"""Goods (商品) and the paperwork of receiving (入库) and stocktake (盘点)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.base import Base, utcnow


class Product(Base):
    """商品: goods on the shelf, priced in points."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("village_id", "sku", name="uq_products_village_sku"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("points > 0", name="points_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    sku: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    unit: Mapped[str] = mapped_column(String(16), default="个")
    category: Mapped[str] = mapped_column(String(32), default="")
    picture: Mapped[str | None] = mapped_column(String(200))
    points: Mapped[int] = mapped_column(Integer)
    barcode: Mapped[str | None] = mapped_column(String(64), index=True)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    min_level: Mapped[int] = mapped_column(Integer, default=0)
    reorder_level: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class ReceivingDoc(Base):
    """入库单: one delivery, from the district budget, a partner company or a donation."""

    __tablename__ = "receiving_docs"
    __table_args__ = (
        UniqueConstraint("village_id", "doc_no", name="uq_receiving_docs_village_doc_no"),
        UniqueConstraint(
            "village_id", "idempotency_key", name="uq_receiving_docs_village_idempotency_key"
        ),
        CheckConstraint(
            "source_kind IN ('budget', 'partner', 'donation')", name="source_kind_known"
        ),
        CheckConstraint("value_fen >= 0", name="value_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    doc_no: Mapped[str] = mapped_column(String(32))
    source_kind: Mapped[str] = mapped_column(String(16))
    source_name: Mapped[str] = mapped_column(String(100), default="")
    value_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    memo: Mapped[str] = mapped_column(Text, default="")
    received_by: Mapped[str] = mapped_column(String(64), default="")
    # Made by the form before submitting: a resubmitted form books the delivery once.
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    journal_id: Mapped[int] = mapped_column(ForeignKey("journal.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[ReceivingLine]] = relationship(order_by="ReceivingLine.id")


class ReceivingLine(Base):
    __tablename__ = "receiving_lines"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_id: Mapped[int] = mapped_column(ForeignKey("receiving_docs.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    qty: Mapped[int] = mapped_column(Integer)
    on_hand_after: Mapped[int] = mapped_column(BigInteger)

    product: Mapped[Product] = relationship()


class Stocktake(Base):
    """盘点: a count of the shelf against the books, finalised into one adjustment event."""

    __tablename__ = "stocktakes"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'finalised', 'cancelled')", name="state_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="open")
    started_by: Mapped[str] = mapped_column(String(64), default="")
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finalised_by: Mapped[str | None] = mapped_column(String(64))
    finalised_at: Mapped[dt.datetime | None]
    journal_id: Mapped[int | None] = mapped_column(ForeignKey("journal.id"))
    memo: Mapped[str] = mapped_column(Text, default="")

    lines: Mapped[list[StocktakeLine]] = relationship(order_by="StocktakeLine.product_id")


class StocktakeLine(Base):
    """One product in a count. `expected` is the books at the start; the difference is
    `counted - on_hand_at_count` (the books at the moment the count was entered)."""

    __tablename__ = "stocktake_lines"
    __table_args__ = (
        UniqueConstraint("stocktake_id", "product_id", name="uq_stocktake_lines_take_product"),
        CheckConstraint("counted IS NULL OR counted >= 0", name="counted_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    stocktake_id: Mapped[int] = mapped_column(ForeignKey("stocktakes.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    expected: Mapped[int] = mapped_column(BigInteger)
    counted: Mapped[int | None] = mapped_column(BigInteger)
    on_hand_at_count: Mapped[int | None] = mapped_column(BigInteger)
    counted_by: Mapped[str | None] = mapped_column(String(64))
    counted_at: Mapped[dt.datetime | None]

    product: Mapped[Product] = relationship()

    @property
    def difference(self) -> int | None:
        if self.counted is None or self.on_hand_at_count is None:
            return None
        return self.counted - self.on_hand_at_count
