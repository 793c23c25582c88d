"""The region tree: district (区/县) -> township (镇/乡) -> village (村) -> villager group (组), and
the village's kiosks (兑换机). A village is the scope of a shop and of one hash chain; a township
and a district are sets of villages (shop/scope.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.base import Base, utcnow


class District(Base):
    """区/县: sets the catalogue, funds the goods, oversees its townships."""

    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Township(Base):
    """镇/乡: oversees its villages; belongs to one district."""

    __tablename__ = "townships"
    __table_args__ = (UniqueConstraint("district_id", "name", name="uq_townships_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    district: Mapped[District] = relationship()


class Village(Base):
    """村: the scope of one shop and of one hash chain.

    `township_id` places it in the region tree (every village opened by the services has one;
    `county` and `township` are the names a first run typed, kept as written).
    `is_demo` marks the demo village (演示): set when it is seeded, never cleared, so a demo
    village cannot become a real one by accident.
    """

    __tablename__ = "villages"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    county: Mapped[str] = mapped_column(String(100), default="", server_default="")
    township: Mapped[str] = mapped_column(String(100), default="", server_default="")
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"), index=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    region: Mapped[Township | None] = relationship()


class VillagerGroup(Base):
    """村民小组: the groups a village's households belong to (by name, as the roster writes it)."""

    __tablename__ = "villager_groups"
    __table_args__ = (UniqueConstraint("village_id", "name", name="uq_villager_groups_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Kiosk(Base):
    """兑换机: one device, with its own gapless receipt numbers.

    `code` is the device code the box is configured with (KIOSK_DEVICE); receipts are numbered
    `<receipt_prefix or code>-000001`. A retired kiosk keeps its receipts and sells no more.
    """

    __tablename__ = "kiosks"
    __table_args__ = (CheckConstraint("last_receipt_seq >= 0", name="seq_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    receipt_prefix: Mapped[str | None] = mapped_column(String(16), unique=True)
    retired_at: Mapped[dt.datetime | None]
    last_receipt_seq: Mapped[int] = mapped_column(BigInteger, default=0)

    village: Mapped[Village] = relationship()

    @property
    def prefix(self) -> str:
        """What this kiosk's receipt numbers start with."""
        return self.receipt_prefix or self.code

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None


class VillageMonthPoints(Base):
    """Points of one kind posted in one village in one month (the business clock's month): the
    township's and district's pages read these instead of the journal. Folded in from the journal
    up to `FigureMark.journal_id` (shop/regions/fold.py); `kiosk verify` recomputes them."""

    __tablename__ = "village_month_points"
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    points: Mapped[int] = mapped_column(BigInteger, default=0)
    entries: Mapped[int] = mapped_column(BigInteger, default=0)


class HouseholdMonthAwards(Base):
    """Points one household was awarded in one month (participation, honour board, ranking)."""

    __tablename__ = "household_month_awards"
    __table_args__ = (
        # The honour board's probe: a village's month, read from its best end.
        Index(
            "ix_household_month_awards_village_month",
            "village_id",
            "month",
            "awarded",
            "household_id",
        ),
        # A month's participation across the region: that month's entries only.
        Index("ix_household_month_awards_month", "month", "village_id", "awarded"),
    )
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    awarded: Mapped[int] = mapped_column(BigInteger, default=0)


class VillageMonthGoods(Base):
    """元 of goods redeemed (net of voids) in one village in one month, by funding source, as
    the goods walk (shop.reports.goods) values them; made again whenever the journal moved."""

    __tablename__ = "village_month_goods"
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    month: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[float] = mapped_column(Float, default=0.0)


class HouseholdYearAwards(Base):
    """Points one household was awarded in one calendar year (the region's ranking)."""

    __tablename__ = "household_year_awards"
    __table_args__ = (Index("ix_household_year_awards_village_year", "village_id", "year"),)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    awarded: Mapped[int] = mapped_column(BigInteger, default=0)


class FigureMark(Base):
    """How far a village's journal has been folded into the monthly figures (the seq of the last
    row folded in), and the value of its stock on the shelf as of that row (元)."""

    __tablename__ = "figure_marks"
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    stock_value: Mapped[float] = mapped_column(Float, default=0.0)
