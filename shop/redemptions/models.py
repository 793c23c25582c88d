"""Receipts (小票), print jobs, redemption windows (兑换期), limits (限兑), voids and day
closes (日结)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

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

from shop.base import Base, utcnow

if TYPE_CHECKING:
    from shop.households.models import Household
    from shop.ledger.models import Journal
    from shop.regions.models import Kiosk
    from shop.stock.models import Product


class Redemption(Base):
    """兑换小票: one receipt. Voiding writes a reversing journal row; this row only records it."""

    __tablename__ = "redemptions"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "receipt_seq", name="uq_redemptions_kiosk_seq"),
        # Keys are the village's own: another village's key never blocks or replays (finding 25).
        UniqueConstraint(
            "village_id", "idempotency_key", name="uq_redemptions_village_idempotency_key"
        ),
        CheckConstraint("total > 0", name="total_positive"),
        CheckConstraint("state IN ('completed', 'voided')", name="state_known"),
        CheckConstraint(
            "print_state IN ('pending', 'sent', 'printed', 'failed')", name="print_state_known"
        ),
        Index("ix_redemptions_household_id_created_at", "household_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    receipt_seq: Mapped[int] = mapped_column(BigInteger)
    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    total: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default="completed")
    print_state: Mapped[str] = mapped_column(String(16), default="pending")
    reprint_count: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    journal_id: Mapped[int] = mapped_column(ForeignKey("journal.id"))
    void_journal_id: Mapped[int | None] = mapped_column(ForeignKey("journal.id"))
    void_reason: Mapped[str | None] = mapped_column(String(200))
    voided_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[dt.datetime | None]

    household: Mapped[Household] = relationship()
    kiosk: Mapped[Kiosk] = relationship()
    lines: Mapped[list[RedemptionLine]] = relationship(order_by="RedemptionLine.id")
    journal: Mapped[Journal] = relationship(foreign_keys=[journal_id])


class RedemptionLine(Base):
    __tablename__ = "redemption_lines"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    redemption_id: Mapped[int] = mapped_column(ForeignKey("redemptions.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    qty: Mapped[int] = mapped_column(Integer)
    points_each: Mapped[int] = mapped_column(Integer)

    product: Mapped[Product] = relationship()

    @property
    def points_total(self) -> int:
        return self.qty * self.points_each


class PrintJob(Base):
    """A receipt on its way to paper: pending -> sent -> printed | failed. Never undoes a sale."""

    __tablename__ = "print_jobs"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sent', 'printed', 'failed')", name="state_known"),
        CheckConstraint("kind IN ('receipt', 'reprint', 'void')", name="kind_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    redemption_id: Mapped[int] = mapped_column(ForeignKey("redemptions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="receipt")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


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


# The day close reads a kiosk's receipts of a day, and the reprint queue the jobs by kind.
Index("ix_redemptions_kiosk_id_created_at", Redemption.kiosk_id, Redemption.created_at)
Index("ix_print_jobs_kind_created_at", PrintJob.kind, PrintJob.created_at)
