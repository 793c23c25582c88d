"""The journal (账本) and its postings: append-only, hash-chained per village."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
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
    from shop.points.models import Rule


class LedgerHead(Base):
    """The head of one village's journal chain; locked to append, so appends are serial."""

    __tablename__ = "ledger_heads"
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head_hash: Mapped[str] = mapped_column(String(64))
    # The hash before the head: lets PostgreSQL append in one statement (UPDATE … RETURNING
    # gives new values only).
    prev_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)


class Journal(Base):
    """One business event. Append-only; `hash` chains it to the village's previous row."""

    __tablename__ = "journal"
    __table_args__ = (
        UniqueConstraint("village_id", "seq", name="uq_journal_village_seq"),
        CheckConstraint(
            "kind IN ('award', 'deduction', 'redemption', 'void', 'stock_receipt', "
            "'stock_adjustment', 'passbook_issue', 'passbook_revoke', 'household_change', "
            "'day_close', 'staff_change', 'year_end', 'genesis', 'transfer')",
            name="kind_known",
        ),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(24))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64), default="")
    ref: Mapped[str] = mapped_column(String(64), default="")
    memo: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    points_entries: Mapped[list[PointsEntry]] = relationship(order_by="PointsEntry.id")
    stock_moves: Mapped[list[StockMove]] = relationship(order_by="StockMove.id")


class PointsEntry(Base):
    """A posting of points to one household, with the balance it left."""

    __tablename__ = "points_entries"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        Index("ix_points_entries_household_id_id", "household_id", "id"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("journal.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    delta: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("rules.id"))

    journal: Mapped[Journal] = relationship(viewonly=True)
    rule: Mapped[Rule | None] = relationship()


class StockMove(Base):
    """A posting of goods in or out, with the on-hand it left."""

    __tablename__ = "stock_moves"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        CheckConstraint("on_hand_after >= 0", name="on_hand_after_not_negative"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    journal_id: Mapped[int] = mapped_column(ForeignKey("journal.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    delta: Mapped[int] = mapped_column(BigInteger)
    on_hand_after: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(32), default="")
