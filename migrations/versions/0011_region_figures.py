"""region figures: each village's points per month and kind, each household's awards per month,
goods redeemed per month and source, and how far each village's journal has been folded into
them (shop/regions/fold.py)

Empty after the upgrade: the township's and district's pages fold the journal in on first read
(or `kiosk district refresh`).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 02:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "village_month_points",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_village_month_points_village_id_villages"),
        ),
        sa.PrimaryKeyConstraint(
            "village_id", "month", "kind", name=op.f("pk_village_month_points")
        ),
    )
    op.create_table(
        "household_month_awards",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("awarded", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_household_month_awards_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_household_month_awards_village_id_villages"),
        ),
        sa.PrimaryKeyConstraint("household_id", "month", name=op.f("pk_household_month_awards")),
    )
    op.create_index(
        "ix_household_month_awards_village_month",
        "household_month_awards",
        ["village_id", "month", "awarded", "household_id"],
    )
    op.create_table(
        "household_year_awards",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("awarded", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_household_year_awards_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_household_year_awards_village_id_villages"),
        ),
        sa.PrimaryKeyConstraint("household_id", "year", name=op.f("pk_household_year_awards")),
    )
    op.create_index(
        "ix_household_year_awards_village_year", "household_year_awards", ["village_id", "year"]
    )
    op.create_table(
        "village_month_goods",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_village_month_goods_village_id_villages")
        ),
        sa.PrimaryKeyConstraint(
            "village_id", "month", "source", name=op.f("pk_village_month_goods")
        ),
    )
    op.create_table(
        "figure_marks",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("stock_value", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_figure_marks_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("village_id", name=op.f("pk_figure_marks")),
    )


def downgrade() -> None:
    op.drop_table("figure_marks")
    op.drop_table("village_month_goods")
    op.drop_index("ix_household_year_awards_village_year", table_name="household_year_awards")
    op.drop_table("household_year_awards")
    op.drop_index("ix_household_month_awards_village_month", table_name="household_month_awards")
    op.drop_table("household_month_awards")
    op.drop_table("village_month_points")
