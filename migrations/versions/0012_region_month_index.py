"""region figures: an index of households' monthly awards by month first, so a month's
participation across every village reads one month's entries, not the whole table

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 03:00:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_household_month_awards_month",
        "household_month_awards",
        ["month", "village_id", "awarded"],
    )


def downgrade() -> None:
    op.drop_index("ix_household_month_awards_month", table_name="household_month_awards")
