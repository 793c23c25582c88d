"""Models added by the stock part of the shop (see shop/models.py for the core ledger).

Receiving documents (入库单), stocktakes (盘点), redemption windows (兑换期), per-household
limits (限兑) and day closes (日结). The goods themselves still move only through journal rows
and their stock moves; these tables hold the paperwork around them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base, PrintJob, Product, Redemption, utcnow


class ReceivingDoc(Base):
    """入库单: one delivery, from the district budget, a partner company or a donation."""

    __tablename__ = "receiving_docs"
    __table_args__ = (
        UniqueConstraint("village_id", "doc_no", name="uq_receiving_docs_village_doc_no"),
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
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
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


class RedemptionWindow(Base):
    """兑换期 (一季一兑换): dates, inclusive, in the shop's local time, when goods may be redeemed.
    A village with no windows redeems any day."""

    __tablename__ = "redemption_windows"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(String(64), default="")


class ProductLimit(Base):
    """限兑: at most `allowed` of a product per household per period."""

    __tablename__ = "product_limits"
    __table_args__ = (
        CheckConstraint("allowed > 0", name="allowed_positive"),
        CheckConstraint("period IN ('month', 'quarter', 'year')", name="period_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), unique=True)
    allowed: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(16), default="quarter")

    product: Mapped[Product] = relationship()


class HouseholdLimitUsage(Base):
    """How much of a limited product a household took in one period: the guarded counter."""

    __tablename__ = "household_limit_usage"
    __table_args__ = (CheckConstraint("used >= 0", name="used_not_negative"),)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    period_key: Mapped[str] = mapped_column(String(16), primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)


class LimitCharge(Base):
    """What one redemption counted against a limit, so its void gives back exactly that."""

    __tablename__ = "limit_charges"
    __table_args__ = (
        UniqueConstraint("redemption_id", "product_id", name="uq_limit_charges_redemption_product"),
        CheckConstraint("qty > 0", name="qty_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    redemption_id: Mapped[int] = mapped_column(ForeignKey("redemptions.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    period_key: Mapped[str] = mapped_column(String(16))
    qty: Mapped[int] = mapped_column(Integer)


class VoidBooking(Base):
    """The business day a void belongs to: its own day, or the next open one when its day is
    already closed (a closed day's figures never change)."""

    __tablename__ = "void_bookings"
    __table_args__ = (
        Index("ix_void_bookings_kiosk_id_business_date", "kiosk_id", "business_date"),
    )
    redemption_id: Mapped[int] = mapped_column(ForeignKey("redemptions.id"), primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    business_date: Mapped[dt.date] = mapped_column(Date)
    is_moved: Mapped[bool] = mapped_column(default=False)


class DayClose(Base):
    """日结: a clerk's reconciliation of one kiosk-day, frozen as the report that was printed."""

    __tablename__ = "day_closes"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "business_date", name="uq_day_closes_kiosk_business_date"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    business_date: Mapped[dt.date] = mapped_column(Date)
    closed_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    journal_id: Mapped[int] = mapped_column(ForeignKey("journal.id"))
    report_json: Mapped[str] = mapped_column(Text)
    report_sha256: Mapped[str] = mapped_column(String(64))


# The day close reads one kiosk's receipts of one day and the reprints of one day; without these,
# each close would scan every receipt and print job the shop ever made. (On core tables, declared
# here so they travel with migration 0003; they may move to shop/models.py.)
Index("ix_redemptions_kiosk_id_created_at", Redemption.kiosk_id, Redemption.created_at)
Index("ix_print_jobs_kind_created_at", PrintJob.kind, PrintJob.created_at)
