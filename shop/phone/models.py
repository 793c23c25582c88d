"""A village's phone settings."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from shop.base import Base


class PhoneSettings(Base):
    """What a village lets the phone page show without sign-in: the notice, ranking and honour
    board (`is_public`), and whether names are masked there as 王*明 (`is_masked`). Never set:
    public pages off, names masked."""

    __tablename__ = "phone_settings"
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False)
    is_masked: Mapped[bool] = mapped_column(Boolean, default=True)
