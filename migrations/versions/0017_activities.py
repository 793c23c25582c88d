"""activities (活动): an activity of the catalogue's deed, its sign-ups and attendance, its photos

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 06:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "state IN ('open', 'closed', 'cancelled')", name=op.f("ck_activities_state_known")
        ),
        sa.CheckConstraint(
            "capacity IS NULL OR capacity > 0", name=op.f("ck_activities_capacity_positive")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["review_batches.id"], name=op.f("fk_activities_batch_id_review_batches")
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"], ["rules.id"], name=op.f("fk_activities_rule_id_rules")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_activities_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activities_village_id_held_on", ["village_id", "held_on"], unique=False
        )

    op.create_table(
        "activity_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_activity_photos_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_activity_photos_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_photos")),
    )
    with op.batch_alter_table("activity_photos", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_photos_activity_id"), ["activity_id"], unique=False
        )

    op.create_table(
        "activity_signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("signed_by", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_walk_in", sa.Boolean(), nullable=False),
        sa.Column("attended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attended_by", sa.String(length=64), nullable=True),
        sa.Column("how", sa.String(length=16), nullable=True),
        sa.CheckConstraint(
            "how IS NULL OR how IN ('scan', 'tick')", name=op.f("ck_activity_signups_how_known")
        ),
        sa.ForeignKeyConstraint(
            ["activity_id"],
            ["activities.id"],
            name=op.f("fk_activity_signups_activity_id_activities"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_activity_signups_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_activity_signups_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_signups")),
        sa.UniqueConstraint("activity_id", "household_id", name="uq_activity_signups_household"),
    )
    with op.batch_alter_table("activity_signups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_signups_activity_id"), ["activity_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activity_signups_household_id"), ["household_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("activity_signups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_signups_household_id"))
        batch_op.drop_index(batch_op.f("ix_activity_signups_activity_id"))

    op.drop_table("activity_signups")
    with op.batch_alter_table("activity_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_photos_activity_id"))

    op.drop_table("activity_photos")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_village_id_held_on")

    op.drop_table("activities")
