"""who came (来兑换的人): a village's family settings (the kiosk asks who came) and the member
named on a redemption's receipt

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "family_settings",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("asks_who_came", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_family_settings_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("village_id", name=op.f("pk_family_settings")),
    )
    op.create_table(
        "redemption_visitors",
        sa.Column("redemption_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["household_members.id"],
            name=op.f("fk_redemption_visitors_member_id_household_members"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemptions.id"],
            name=op.f("fk_redemption_visitors_redemption_id_redemptions"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_redemption_visitors_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("redemption_id", name=op.f("pk_redemption_visitors")),
    )
    op.create_index(
        op.f("ix_redemption_visitors_member_id"), "redemption_visitors", ["member_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_redemption_visitors_member_id"), table_name="redemption_visitors")
    op.drop_table("redemption_visitors")
    op.drop_table("family_settings")
