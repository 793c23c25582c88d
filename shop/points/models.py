"""The rules catalogue (积分项目), award idempotency and villagers' applications."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.base import Base, utcnow

if TYPE_CHECKING:
    from shop.households.models import Household


class DistrictRuleCategory(Base):
    """区县统一类别: a category of the district's catalogue, inherited by each of its villages as
    a RuleCategory of their own (shop/points/district_catalog.py)."""

    __tablename__ = "district_rule_categories"
    __table_args__ = (
        UniqueConstraint("district_id", "code", name="uq_district_rule_categories_district_code"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    changed_by: Mapped[str] = mapped_column(String(64), default="")
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    rules: Mapped[list[DistrictRule]] = relationship(back_populates="category")


class DistrictRule(Base):
    """区县统一项目: a deed of the district's catalogue with its points and the range a village
    may set them in (points_min <= points <= points_max, never across zero). Retired (in every
    village of the district), never deleted."""

    __tablename__ = "district_rules"
    __table_args__ = (
        CheckConstraint("points <> 0", name="points_not_zero"),
        CheckConstraint(
            "points_min <= points AND points <= points_max AND (points_min > 0 OR points_max < 0)",
            name="points_in_range",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # The category's district, kept on the row so the scope reads it without a join.
    district_id: Mapped[int] = mapped_column(ForeignKey("districts.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("district_rule_categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    points: Mapped[int] = mapped_column(Integer)
    points_min: Mapped[int] = mapped_column(Integer)
    points_max: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_by: Mapped[str] = mapped_column(String(64), default="")
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    category: Mapped[DistrictRuleCategory] = relationship(back_populates="rules")


class RuleCategory(Base):
    """积分类别: e.g. 积孝 filial care, 积善 kindness. `district_category_id`: the district's
    category this one takes (区县统一); None for a category of the village's own."""

    __tablename__ = "rule_categories"
    __table_args__ = (
        UniqueConstraint("village_id", "code", name="uq_rule_categories_village_code"),
        UniqueConstraint(
            "village_id", "district_category_id", name="uq_rule_categories_village_district"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64), default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    district_category_id: Mapped[int | None] = mapped_column(
        ForeignKey("district_rule_categories.id")
    )

    rules: Mapped[list[Rule]] = relationship(back_populates="category")


class Rule(Base):
    """积分项目: one listed deed with its ± points. Retired, never deleted.

    `district_rule_id`: the district's item this village's row takes (区县统一: its points within
    the district's range, switched on or off by the village); None for the village's own (本村).
    The village's own say on an inherited item is recorded, not guessed from the values:
    `is_points_set_by_village` (its points no longer follow the district's, even when equal) and
    `is_off_by_village` (switched off by the village, so it stays off when the district brings a
    retired item back)."""

    __tablename__ = "rules"
    __table_args__ = (
        CheckConstraint("points <> 0", name="points_not_zero"),
        UniqueConstraint("category_id", "district_rule_id", name="uq_rules_category_district"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("rule_categories.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    points: Mapped[int] = mapped_column(Integer)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    district_rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("district_rules.id"), index=True
    )
    is_points_set_by_village: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    is_off_by_village: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # 原区县: the name of the district this village left, for an item it kept from that
    # district's catalogue (now the village's own); empty otherwise.
    former_district: Mapped[str] = mapped_column(String(64), default="", server_default="")

    category: Mapped[RuleCategory] = relationship(back_populates="rules")
    district_rule: Mapped[DistrictRule | None] = relationship()


class AwardRequest(Base):
    """An award's idempotency record, so a retried API call or re-import awards once."""

    __tablename__ = "award_requests"
    __table_args__ = (
        # Keys are the village's own: another village's key never blocks or replays (finding 25).
        UniqueConstraint(
            "village_id", "idempotency_key", name="uq_award_requests_village_idempotency_key"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64))
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


# --- two-step review (录入 -> 审核) and the notice period (公示期) --------------------------------

REVIEW_POLICIES = ("all", "deductions", "none")


class PointsSettings(Base):
    """A village's earning settings: which recorded entries wait for the panel (all, deductions
    only, none) and how many days approved points are shown as 公示中 before they count (0: off,
    they count when approved)."""

    __tablename__ = "points_settings"
    __table_args__ = (
        CheckConstraint("review_policy IN ('all', 'deductions', 'none')", name="policy_known"),
        CheckConstraint("notice_days >= 0 AND notice_days <= 60", name="notice_days_range"),
    )
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    review_policy: Mapped[str] = mapped_column(String(16), default="all")
    notice_days: Mapped[int] = mapped_column(Integer, default=0)
    # 荣誉积分: show the points earned by deeds (never spent, never cleared) beside the balance.
    honour_points: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ReviewBatch(Base):
    """录入: what a recorder entered at once (one deed, one or more households, a note, photos),
    reviewed by the panel as one batch (批次), whole or line by line."""

    __tablename__ = "review_batches"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'decided')", name="state_known"),
        Index("ix_review_batches_village_id_state", "village_id", "state"),
        UniqueConstraint("village_id", "client_key", name="uq_review_batches_village_client_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id"))
    points: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")
    recorded_by: Mapped[str] = mapped_column(String(64), index=True)
    client_key: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]

    rule: Mapped[Rule] = relationship()
    lines: Mapped[list[ReviewLine]] = relationship(back_populates="batch", order_by="ReviewLine.id")
    photos: Mapped[list[ReviewPhoto]] = relationship(order_by="ReviewPhoto.id")


class ReviewLine(Base):
    """One household in a batch: pending -> rejected (with a reason) | noticed (公示中, counts
    from `effective_on`) | posted (counts; `journal_id` is the award or deduction)."""

    __tablename__ = "review_lines"
    __table_args__ = (
        CheckConstraint(
            "state IN ('pending', 'rejected', 'noticed', 'posted')", name="state_known"
        ),
        CheckConstraint("points <> 0", name="points_not_zero"),
        Index("ix_review_lines_village_id_state", "village_id", "state"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("review_batches.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(String(500), default="")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None]
    effective_on: Mapped[dt.date | None] = mapped_column(Date)
    journal_id: Mapped[int | None] = mapped_column(ForeignKey("journal.id"))

    batch: Mapped[ReviewBatch] = relationship(back_populates="lines")
    household: Mapped[Household] = relationship()
    objections: Mapped[list[ReviewObjection]] = relationship(order_by="ReviewObjection.id")


class ReviewPhoto(Base):
    """Evidence (拍照记录): re-encoded on the server as JPEG, at most 1280 px, no EXIF."""

    __tablename__ = "review_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("review_batches.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewObjection(Base):
    """异议: a villager's objection to a line shown as 公示中, recorded by staff on their behalf;
    the panel confirms the line (dismissed) or corrects it (corrected: new points, or 0 to
    withdraw it). A line with an open objection does not count until it is resolved."""

    __tablename__ = "review_objections"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'confirmed', 'corrected')", name="state_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("review_lines.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    text: Mapped[str] = mapped_column(String(500))
    raised_by: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="open")
    resolution: Mapped[str] = mapped_column(String(500), default="")
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[dt.datetime | None]


class ApplicationPhoto(Base):
    """A photo a household sent with its own application from the phone (拍照证明), cleaned by
    shop.points.photos like the recorders' evidence: re-encoded JPEG, at most 1280 px, no EXIF."""

    __tablename__ = "application_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("points_applications.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# --- activities (活动: 义务劳动, 防火巡逻, 村屯绿化 ...) -----------------------------------------


class Activity(Base):
    """活动: a deed of the catalogue done together on a day at a place. Households sign up (报名),
    attendance is taken (签到), and closing it sends the attendees' points to the panel's review
    as one batch (`batch_id`); nothing counts before the panel approves it."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'closed', 'cancelled')", name="state_known"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        Index("ix_activities_village_id_held_on", "village_id", "held_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    rule_id: Mapped[int] = mapped_column(ForeignKey("rules.id"))
    name: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[dt.datetime | None]
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("review_batches.id"))

    rule: Mapped[Rule] = relationship()
    signups: Mapped[list[ActivitySignup]] = relationship(order_by="ActivitySignup.id")
    photos: Mapped[list[ActivityPhoto]] = relationship(order_by="ActivityPhoto.id")


class ActivitySignup(Base):
    """报名: one household signed up for an activity (by staff, or at the activity itself when
    its passbook is scanned: `walk_in`), and its attendance (签到: `attended_at`, by a scan of
    the passbook or query code, or a tick)."""

    __tablename__ = "activity_signups"
    __table_args__ = (
        UniqueConstraint("activity_id", "household_id", name="uq_activity_signups_household"),
        CheckConstraint("how IS NULL OR how IN ('scan', 'tick')", name="how_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    signed_by: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    is_walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    attended_at: Mapped[dt.datetime | None]
    attended_by: Mapped[str | None] = mapped_column(String(64))
    how: Mapped[str | None] = mapped_column(String(16))

    household: Mapped[Household] = relationship()


class ActivityPhoto(Base):
    """A photo of the activity (拍照记录), cleaned by shop.points.photos; sent with the batch."""

    __tablename__ = "activity_photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
