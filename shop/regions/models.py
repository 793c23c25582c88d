"""Villages (村) and their kiosks (兑换机): the scope of a shop and of one hash chain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.base import Base, utcnow


class Village(Base):
    """村: the scope of one shop and of one hash chain."""

    __tablename__ = "villages"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Kiosk(Base):
    """兑换机: one device, with its own gapless receipt numbers."""

    __tablename__ = "kiosks"
    __table_args__ = (CheckConstraint("last_receipt_seq >= 0", name="seq_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    last_receipt_seq: Mapped[int] = mapped_column(BigInteger, default=0)

    village: Mapped[Village] = relationship()
