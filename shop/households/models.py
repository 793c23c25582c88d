"""Households (户), their passbooks (积分存折), scans and the search index."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.base import Base, utcnow

if TYPE_CHECKING:
    from shop.regions.models import Village


class Household(Base):
    """户: the unit that earns and spends points."""

    __tablename__ = "households"
    __table_args__ = (
        UniqueConstraint("village_id", "number", name="uq_households_village_number"),
        CheckConstraint("status IN ('active', 'inactive')", name="status_known"),
        CheckConstraint("pin_failures >= 0", name="pin_failures_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    head_name: Mapped[str] = mapped_column(String(64))
    group_name: Mapped[str] = mapped_column(String(64), default="")
    # How many people: the count of `family` once members are listed (shop.households.family),
    # the roster's own figure until then.
    members: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="active")
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    is_pin_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # 合户: the household this one was merged into (its points, members and history stay
    # readable here; it is inactive for good).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))

    village: Mapped[Village] = relationship()
    passbooks: Mapped[list[Passbook]] = relationship(back_populates="household")
    family: Mapped[list[Member]] = relationship(order_by="Member.id", viewonly=True)

    @property
    def is_active(self) -> bool:
        return self.status == "active"


# 与户主关系: stored by key (language-neutral), shown through shop.households.family.RELATIONS.
RELATION_KEYS = (
    "head",
    "spouse",
    "child",
    "parent",
    "grandchild",
    "grandparent",
    "sibling",
    "child_in_law",
    "other",
)


class Member(Base):
    """家庭成员: a person of the household, with their relation to the head (户主). One member is
    the head; any member may redeem with the household's passbook unless `may_redeem` is off."""

    __tablename__ = "household_members"
    __table_args__ = (
        CheckConstraint(
            "relation IN (" + ", ".join(f"'{k}'" for k in RELATION_KEYS) + ")",
            name="relation_known",
        ),
        # One head a household.
        Index(
            "uq_household_members_one_head",
            "household_id",
            unique=True,
            sqlite_where=text("relation = 'head'"),
            postgresql_where=text("relation = 'head'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    relation: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(20), default="")
    may_redeem: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    household: Mapped[Household] = relationship()

    @property
    def is_head(self) -> bool:
        return self.relation == "head"


class FamilySettings(Base):
    """A village's family settings: whether the kiosk asks who came (来兑换的人) after a scan."""

    __tablename__ = "family_settings"
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    asks_who_came: Mapped[bool] = mapped_column(Boolean, default=False)


class RedemptionVisitor(Base):
    """来兑换的人: the member who came for a redemption, named on its receipt. The name is kept
    as it was printed; `member_id` is cleared if the member is later removed from the list."""

    __tablename__ = "redemption_visitors"
    redemption_id: Mapped[int] = mapped_column(ForeignKey("redemptions.id"), primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("household_members.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Passbook(Base):
    """积分存折: a household's QR card. Only the SHA-256 of its code is stored."""

    __tablename__ = "passbooks"
    __table_args__ = (
        UniqueConstraint("village_id", "serial", name="uq_passbooks_village_serial"),
        CheckConstraint("status IN ('active', 'lost', 'revoked')", name="status_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    serial: Mapped[int] = mapped_column(Integer)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="active")
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    revoke_reason: Mapped[str | None] = mapped_column(String(200))
    # The code in clear until the card has scanned once, so a card whose print failed can be
    # printed again (shop.households.operations.reprintable_code); None ever after.
    reprint_code: Mapped[str | None] = mapped_column(String(64))

    household: Mapped[Household] = relationship(back_populates="passbooks")


class ScanEvent(Base):
    """Every scan with its outcome, failures included (a code's hash, never the code)."""

    __tablename__ = "scan_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"))
    code_hash: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(16), default="")
    outcome: Mapped[str] = mapped_column(String(32))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


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


class QueryCode(Base):
    """查询码: a household's read-and-apply code for the phone page, printed as a second QR on the
    passbook card. It can never redeem (the kiosk and the API refuse it) and is revoked and
    reissued on its own. The code is kept in clear (the household page shows its QR to print
    again); a copied database gives read access to a household's page, never its points."""

    __tablename__ = "query_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]

    household: Mapped[Household] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
