"""region tokens: an API token of a township or of the district (township_viewer,
district_viewer) that reads every village's figures of its region and nothing else; exactly one
of village, township and district is set

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

OLD_ROLES = "'kiosk', 'panel', 'admin'"
NEW_ROLES = OLD_ROLES + ", 'township_viewer', 'district_viewer'"
ONE_PLACE = (
    "(village_id IS NOT NULL AND township_id IS NULL AND district_id IS NULL"
    " AND role IN ('kiosk', 'panel', 'admin'))"
    " OR (village_id IS NULL AND township_id IS NOT NULL AND district_id IS NULL"
    " AND role = 'township_viewer')"
    " OR (village_id IS NULL AND township_id IS NULL AND district_id IS NOT NULL"
    " AND role = 'district_viewer')"
)


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("township_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("district_id", sa.Integer(), nullable=True))
        batch_op.alter_column("village_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_api_tokens_township_id_townships"), "townships", ["township_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_api_tokens_district_id_districts"), "districts", ["district_id"], ["id"]
        )
        batch_op.drop_constraint(op.f("ck_api_tokens_role_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_api_tokens_role_known"), f"role IN ({NEW_ROLES})")
        batch_op.create_check_constraint(op.f("ck_api_tokens_one_place"), ONE_PLACE)


def downgrade() -> None:
    conn = op.get_bind()
    region = conn.scalar(sa.text("SELECT count(*) FROM api_tokens WHERE village_id IS NULL"))
    if region:
        raise RuntimeError(f"{region} township or district API tokens exist; delete them first")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_api_tokens_one_place"), type_="check")
        batch_op.drop_constraint(op.f("ck_api_tokens_role_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_api_tokens_role_known"), f"role IN ({OLD_ROLES})")
        batch_op.drop_constraint(
            batch_op.f("fk_api_tokens_district_id_districts"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_api_tokens_township_id_townships"), type_="foreignkey"
        )
        batch_op.alter_column("village_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("district_id")
        batch_op.drop_column("township_id")
