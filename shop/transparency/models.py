"""The ranking cache and the year-end policy (年终积分处理)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shop.base import Base, utcnow
from shop.ledger.models import Journal

YEAR_END_POLICIES = ("keep", "expire", "cap")

# Monthly notices, annual rankings and the journal browser select a village's rows by time;
# without this index each of them reads the whole chain.
Index("ix_journal_village_id_created_at", Journal.village_id, Journal.created_at)


class YearEndPolicy(Base):
    """年终积分处理: one village's decision for one points year, announced, then applied once."""

    __tablename__ = "year_end_policies"
    __table_args__ = (
        UniqueConstraint("village_id", "year", name="uq_year_end_policies_village_year"),
        CheckConstraint("policy IN ('keep', 'expire', 'cap')", name="policy_known"),
        CheckConstraint(
            "(policy = 'cap' AND cap IS NOT NULL AND cap >= 0) "
            "OR (policy <> 'cap' AND cap IS NULL)",
            name="cap_only_for_cap",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    year: Mapped[int]
    policy: Mapped[str] = mapped_column(String(16))
    cap: Mapped[int | None] = mapped_column(BigInteger)
    effective_on: Mapped[dt.date]
    announced_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    announced_by: Mapped[str] = mapped_column(String(64), default="")
    applied_at: Mapped[dt.datetime | None]
    applied_by: Mapped[str | None] = mapped_column(String(64))
    journal_id: Mapped[int | None] = mapped_column(ForeignKey("journal.id"))

    @property
    def is_applied(self) -> bool:
        return self.applied_at is not None


class RankingTotal(Base):
    """One household's awards and deductions in one local year (cache, see module docstring)."""

    __tablename__ = "ranking_totals"
    __table_args__ = (Index("ix_ranking_totals_village_id_year", "village_id", "year", "tz"),)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    tz: Mapped[str] = mapped_column(String(64), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    earned: Mapped[int] = mapped_column(BigInteger, default=0)
    deducted: Mapped[int] = mapped_column(BigInteger, default=0)


class RankingMark(Base):
    """The last journal seq of a village that `RankingTotal` includes, per time zone."""

    __tablename__ = "ranking_marks"
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    tz: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
