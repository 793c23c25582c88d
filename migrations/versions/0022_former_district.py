"""a village's items kept from the district it left (原区县): rules.former_district holds that
district's name; empty for every other item

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 09:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rules") as batch:
        batch.add_column(
            sa.Column("former_district", sa.String(length=64), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("rules") as batch:
        batch.drop_column("former_district")
