"""Typed SQLAlchemy 2.0 models of the points shop.

The ledger is `Journal` with its postings `PointsEntry` and `StockMove`: append-only,
hash-chained per village. `Household.balance` and `Product.on_hand` are caches of the postings'
sums, kept by guarded UPDATEs and proved by `kiosk verify`. CHECK constraints refuse a negative
balance or stock even if application code were wrong.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on every engine (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a *_at column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime}


class Village(Base):
    """村: the scope of one shop and of one hash chain."""

    __tablename__ = "villages"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LedgerHead(Base):
    """The head of one village's journal chain; locked to append, so appends are serial."""

    __tablename__ = "ledger_heads"
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head_hash: Mapped[str] = mapped_column(String(64))
    # The hash before the head: lets PostgreSQL append in one statement (UPDATE … RETURNING
    # gives new values only).
    prev_hash: Mapped[str] = mapped_column(String(64), default="0" * 64)


class Household(Base):
    """户: the unit that earns and spends points."""

    __tablename__ = "households"
    __table_args__ = (
        UniqueConstraint("village_id", "number", name="uq_households_village_number"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
        CheckConstraint("status IN ('active', 'inactive')", name="status_known"),
        CheckConstraint("pin_failures >= 0", name="pin_failures_not_negative"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    head_name: Mapped[str] = mapped_column(String(64))
    group_name: Mapped[str] = mapped_column(String(64), default="")
    members: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="active")
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    is_pin_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    village: Mapped[Village] = relationship()
    passbooks: Mapped[list[Passbook]] = relationship(back_populates="household")

    @property
    def is_active(self) -> bool:
        return self.status == "active"


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

    household: Mapped[Household] = relationship(back_populates="passbooks")


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


class Product(Base):
    """商品: goods on the shelf, priced in points."""

    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("village_id", "sku", name="uq_products_village_sku"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("points > 0", name="points_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"), index=True)
    sku: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    unit: Mapped[str] = mapped_column(String(16), default="个")
    category: Mapped[str] = mapped_column(String(32), default="")
    picture: Mapped[str | None] = mapped_column(String(200))
    points: Mapped[int] = mapped_column(Integer)
    barcode: Mapped[str | None] = mapped_column(String(64), index=True)
    on_hand: Mapped[int] = mapped_column(BigInteger, default=0)
    min_level: Mapped[int] = mapped_column(Integer, default=0)
    reorder_level: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


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


class Journal(Base):
    """One business event. Append-only; `hash` chains it to the village's previous row."""

    __tablename__ = "journal"
    __table_args__ = (
        UniqueConstraint("village_id", "seq", name="uq_journal_village_seq"),
        CheckConstraint(
            "kind IN ('award', 'deduction', 'redemption', 'void', 'stock_receipt', "
            "'stock_adjustment', 'passbook_issue', 'passbook_revoke', 'household_change', "
            "'day_close', 'staff_change', 'year_end', 'genesis')",
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
        CheckConstraint("balance_after >= 0", name="balance_after_not_negative"),
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


class Redemption(Base):
    """兑换小票: one receipt. Voiding writes a reversing journal row; this row only records it."""

    __tablename__ = "redemptions"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "receipt_seq", name="uq_redemptions_kiosk_seq"),
        CheckConstraint("total > 0", name="total_positive"),
        CheckConstraint("state IN ('completed', 'voided')", name="state_known"),
        CheckConstraint(
            "print_state IN ('pending', 'sent', 'printed', 'failed')", name="print_state_known"
        ),
        Index("ix_redemptions_household_id_created_at", "household_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    receipt_seq: Mapped[int] = mapped_column(BigInteger)
    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    total: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default="completed")
    print_state: Mapped[str] = mapped_column(String(16), default="pending")
    reprint_count: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    journal_id: Mapped[int] = mapped_column(ForeignKey("journal.id"))
    void_journal_id: Mapped[int | None] = mapped_column(ForeignKey("journal.id"))
    void_reason: Mapped[str | None] = mapped_column(String(200))
    voided_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    voided_at: Mapped[dt.datetime | None]

    household: Mapped[Household] = relationship()
    kiosk: Mapped[Kiosk] = relationship()
    lines: Mapped[list[RedemptionLine]] = relationship(order_by="RedemptionLine.id")
    journal: Mapped[Journal] = relationship(foreign_keys=[journal_id])


class RedemptionLine(Base):
    __tablename__ = "redemption_lines"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    redemption_id: Mapped[int] = mapped_column(ForeignKey("redemptions.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    qty: Mapped[int] = mapped_column(Integer)
    points_each: Mapped[int] = mapped_column(Integer)

    product: Mapped[Product] = relationship()

    @property
    def points_total(self) -> int:
        return self.qty * self.points_each


class PrintJob(Base):
    """A receipt on its way to paper: pending -> sent -> printed | failed. Never undoes a sale."""

    __tablename__ = "print_jobs"
    __table_args__ = (
        CheckConstraint("state IN ('pending', 'sent', 'printed', 'failed')", name="state_known"),
        CheckConstraint("kind IN ('receipt', 'reprint', 'void')", name="kind_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    redemption_id: Mapped[int] = mapped_column(ForeignKey("redemptions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="receipt")
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


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


class StaffUser(Base):
    """工作人员: signs in to the back-office with a role."""

    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'panel', 'clerk', 'volunteer', 'supervisor')", name="role_known"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("villages.id"))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    badge_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    is_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (CheckConstraint("role IN ('kiosk', 'panel', 'admin')", name="role_known"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("villages.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(64), default="")
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosks.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AwardRequest(Base):
    """An award's idempotency record, so a retried API call or re-import awards once."""

    __tablename__ = "award_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    journal_id: Mapped[int] = mapped_column(ForeignKey("journal.id"))


# Later parts keep their tables in modules of their own; importing them here puts every table in
# Base.metadata for create_all, Alembic and the tests.
from . import (  # noqa: E402
    dbfunctions,
    models_backoffice,  # noqa: F401
    models_stock,  # noqa: F401
    models_transparency,  # noqa: F401
)


@event.listens_for(Base.metadata, "after_create")
def _install_functions(_metadata, connection, **_kw) -> None:
    # PostgreSQL runs a redemption in one server-side function (shop/sql/); SQLite needs none.
    dbfunctions.install(connection)


@event.listens_for(Base.metadata, "before_drop")
def _drop_functions(_metadata, connection, **_kw) -> None:
    dbfunctions.drop(connection)
