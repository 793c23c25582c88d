"""Staff users (工作人员) and API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from shop.base import Base, utcnow

# Staff of a township (乡镇) or of the district (区县): admins open villages and may act as a
# village's admin; viewers read the region's dashboards and act as a village's supervisor.
REGION_ROLES = ("township_admin", "township_viewer", "district_admin", "district_viewer")
# API tokens of a township or the district only read (the finance office's figures and XLSX).
REGION_TOKEN_ROLES = ("township_viewer", "district_viewer")


class StaffUser(Base):
    """工作人员: signs in to the back-office with a role.

    A village role works in `village_id`; a township role (township_admin, township_viewer) in
    every village of `township_id`; a district role in every village of `district_id`
    (shop/scope.py computes the set)."""

    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'panel', 'clerk', 'volunteer', 'supervisor', 'recorder',"
            " 'township_admin', 'township_viewer', 'district_admin', 'district_viewer')",
            name="role_known",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16))
    # A recorder's (记分员) villager groups, one name a line: the households they may record for.
    groups: Mapped[str] = mapped_column(String(500), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    badge_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    is_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored.

    A village's token (kiosk, panel, admin) works in `village_id`; a township's or the district's
    token (township_viewer, district_viewer: the finance office's) reads the figures of every
    village of `township_id` or `district_id` and nothing else (shop/scope.py computes the set,
    as for staff). Exactly one of the three places is set."""

    __tablename__ = "api_tokens"
    __table_args__ = (
        CheckConstraint(
            "role IN ('kiosk', 'panel', 'admin', 'township_viewer', 'district_viewer')",
            name="role_known",
        ),
        CheckConstraint(
            "(village_id IS NOT NULL AND township_id IS NULL AND district_id IS NULL"
            " AND role IN ('kiosk', 'panel', 'admin'))"
            " OR (village_id IS NULL AND township_id IS NOT NULL AND district_id IS NULL"
            " AND role = 'township_viewer')"
            " OR (village_id IS NULL AND township_id IS NULL AND district_id IS NOT NULL"
            " AND role = 'district_viewer')",
            name="one_place",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("townships.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(64), default="")
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def is_region(self) -> bool:
        return self.village_id is None
