"""the district's catalogue of rules (区县统一积分项目): categories and items with points and the
range a village may set them in; each village's inherited rows link to them

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 07:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "district_rule_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("name_en", sa.String(length=64), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["district_id"],
            ["districts.id"],
            name=op.f("fk_district_rule_categories_district_id_districts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district_rule_categories")),
        sa.UniqueConstraint(
            "district_id", "code", name="uq_district_rule_categories_district_code"
        ),
    )
    op.create_table(
        "district_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("points_min", sa.Integer(), nullable=False),
        sa.Column("points_max", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("points <> 0", name=op.f("ck_district_rules_points_not_zero")),
        sa.CheckConstraint(
            "points_min <= points AND points <= points_max AND (points_min > 0 OR points_max < 0)",
            name=op.f("ck_district_rules_points_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["district_rule_categories.id"],
            name=op.f("fk_district_rules_category_id_district_rule_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["district_id"], ["districts.id"], name=op.f("fk_district_rules_district_id_districts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_district_rules")),
    )
    with op.batch_alter_table("district_rules") as batch:
        batch.create_index(batch.f("ix_district_rules_category_id"), ["category_id"])
        batch.create_index(batch.f("ix_district_rules_district_id"), ["district_id"])
    with op.batch_alter_table("rule_categories") as batch:
        batch.add_column(sa.Column("district_category_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_rule_categories_district_category_id_district_rule_categories"),
            "district_rule_categories",
            ["district_category_id"],
            ["id"],
        )
        batch.create_unique_constraint(
            "uq_rule_categories_village_district", ["village_id", "district_category_id"]
        )
    with op.batch_alter_table("rules") as batch:
        batch.add_column(sa.Column("district_rule_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_rules_district_rule_id_district_rules"),
            "district_rules",
            ["district_rule_id"],
            ["id"],
        )
        batch.create_unique_constraint(
            "uq_rules_category_district", ["category_id", "district_rule_id"]
        )
        batch.create_index(batch.f("ix_rules_district_rule_id"), ["district_rule_id"])


def downgrade() -> None:
    with op.batch_alter_table("rules") as batch:
        batch.drop_index(batch.f("ix_rules_district_rule_id"))
        batch.drop_constraint("uq_rules_category_district", type_="unique")
        batch.drop_constraint(
            batch.f("fk_rules_district_rule_id_district_rules"), type_="foreignkey"
        )
        batch.drop_column("district_rule_id")
    with op.batch_alter_table("rule_categories") as batch:
        batch.drop_constraint("uq_rule_categories_village_district", type_="unique")
        batch.drop_constraint(
            batch.f("fk_rule_categories_district_category_id_district_rule_categories"),
            type_="foreignkey",
        )
        batch.drop_column("district_category_id")
    with op.batch_alter_table("district_rules") as batch:
        batch.drop_index(batch.f("ix_district_rules_district_id"))
        batch.drop_index(batch.f("ix_district_rules_category_id"))
    op.drop_table("district_rules")
    op.drop_table("district_rule_categories")
