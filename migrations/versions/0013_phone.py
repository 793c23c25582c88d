"""phone page: query codes (查询码), a village's phone settings, photos with applications

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "query_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_query_codes_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_query_codes_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_query_codes")),
        sa.UniqueConstraint("code", name=op.f("uq_query_codes_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_query_codes_code_hash")),
    )
    op.create_index(op.f("ix_query_codes_household_id"), "query_codes", ["household_id"])
    op.create_table(
        "phone_settings",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False),
        sa.Column("is_masked", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_phone_settings_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("village_id", name=op.f("pk_phone_settings")),
    )
    op.create_table(
        "application_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["points_applications.id"],
            name=op.f("fk_application_photos_application_id_points_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_application_photos_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_photos")),
    )
    op.create_index(
        op.f("ix_application_photos_application_id"), "application_photos", ["application_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_application_photos_application_id"), table_name="application_photos")
    op.drop_table("application_photos")
    op.drop_table("phone_settings")
    op.drop_index(op.f("ix_query_codes_household_id"), table_name="query_codes")
    op.drop_table("query_codes")
