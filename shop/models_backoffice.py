"""Models added by the back-office (see shop/models.py for the core ledger).

`HouseholdSearch` is the household list's search index (拼音首字母: `zs` finds 张三), kept by
shop.roster beside the household it describes. `PointsApplication` is a villager's own application
for points (双向积分认证), decided by the evaluation panel.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base, Household, Rule, utcnow


class HouseholdSearch(Base):
    """What the household search matches, each column indexed per village for prefix search:
    the number, the head's name and given name, and the name in pinyin (initials and full)."""

    __tablename__ = "household_search"
    __table_args__ = (
        Index("ix_household_search_village_number", "village_id", "number"),
        Index("ix_household_search_village_name", "village_id", "name"),
        Index("ix_household_search_village_given", "village_id", "given"),
        Index("ix_household_search_village_initials", "village_id", "initials"),
        Index("ix_household_search_village_pinyin", "village_id", "full_pinyin"),
    )
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    number: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    given: Mapped[str] = mapped_column(String(64))  # the name without its (one-character) surname
    initials: Mapped[str] = mapped_column(String(64))
    full_pinyin: Mapped[str] = mapped_column(String(255))


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
