"""a village's own choices on an inherited item (区县统一项目), recorded rather than guessed:
is_points_set_by_village (the village set the points, even to the district's own value, so they
no longer follow the district's) and is_off_by_village (the village switched the item off, so
bringing a retired item back leaves it off there). Existing rows: points set by the village
where they differ from the district's (as before); off by the village where the item is off and
the district's is not retired.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rules") as batch:
        batch.add_column(
            sa.Column(
                "is_points_set_by_village", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(
            sa.Column("is_off_by_village", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE rules SET is_points_set_by_village = "
        "(points <> (SELECT d.points FROM district_rules d WHERE d.id = rules.district_rule_id)) "
        "WHERE district_rule_id IS NOT NULL"
    )
    op.execute(
        "UPDATE rules SET is_off_by_village = "
        "(NOT is_active AND (SELECT d.is_active FROM district_rules d "
        "WHERE d.id = rules.district_rule_id)) "
        "WHERE district_rule_id IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("rules") as batch:
        batch.drop_column("is_off_by_village")
        batch.drop_column("is_points_set_by_village")
