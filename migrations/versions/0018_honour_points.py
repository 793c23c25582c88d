"""honour points (荣誉积分): a village may show, beside the spendable balance, the total its
households earned by deeds, which redemption never reduces and the year-end never clears

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 06:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("points_settings") as batch:
        batch.add_column(
            sa.Column("honour_points", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("points_settings") as batch:
        batch.drop_column("honour_points")
