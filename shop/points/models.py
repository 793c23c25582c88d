"""The rules catalogue (积分项目), award idempotency and villagers' applications."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.base import Base, utcnow

if TYPE_CHECKING:
    from shop.households.models import Household


class RuleCategory(Base):
    """积分类别: e.g. 积孝 filial care, 积善 kindness."""

    __tablename__ = "rule_categories"
    __table_args__ = (
        UniqueConstraint("village_id", "code", name="uq_rule_categories_village_code"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    rules: Mapped[list[Rule]] = relationship(back_populates="category")


class Rule(Base):
    """积分项目: one listed deed with its ± points. Retired, never deleted."""

    __tablename__ = "rules"
    __table_args__ = (CheckConstraint("points <> 0", name="points_not_zero"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("rule_categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    points: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    category: Mapped[RuleCategory] = relationship(back_populates="rules")


class AwardRequest(Base):
    """An award's idempotency record, so a retried API call or re-import awards once."""

    __tablename__ = "award_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    journal_id: Mapped[int] = mapped_column(ForeignKey("journal.id"))


class PointsApplication(Base):
    """积分申请: a household asks for a listed item; the panel approves (an award) or rejects."""

    __tablename__ = "points_applications"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'approved', 'rejected')", name="state_known"),
        Index("ix_points_applications_village_id_state", "village_id", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id"))
    memo: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(String(500), default="")
    submitted_by: Mapped[str] = mapped_column(String(64), default="")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    journal_id: Mapped[int | None] = mapped_column(ForeignKey("journal.id"))
    points: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]

    household: Mapped[Household] = relationship()
    rule: Mapped[Rule] = relationship()
