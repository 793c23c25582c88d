"""transparency: year-end policies, ranking totals cache, journal index by village and time

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 01:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "year_end_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("cap", sa.BigInteger(), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("announced_by", sa.String(length=64), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_by", sa.String(length=64), nullable=True),
        sa.Column(
            "journal_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.CheckConstraint(
            "policy IN ('keep', 'expire', 'cap')", name=op.f("ck_year_end_policies_policy_known")
        ),
        sa.CheckConstraint(
            "(policy = 'cap' AND cap IS NOT NULL AND cap >= 0) "
            "OR (policy <> 'cap' AND cap IS NULL)",
            name=op.f("ck_year_end_policies_cap_only_for_cap"),
        ),
        sa.ForeignKeyConstraint(
            ["journal_id"], ["journal.id"], name=op.f("fk_year_end_policies_journal_id_journal")
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_year_end_policies_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_end_policies")),
        sa.UniqueConstraint("village_id", "year", name="uq_year_end_policies_village_year"),
    )
    with op.batch_alter_table("journal", schema=None) as batch_op:
        batch_op.create_index(
            "ix_journal_village_id_created_at", ["village_id", "created_at"], unique=False
        )
    op.create_table(
        "ranking_marks",
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_ranking_marks_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("village_id", "tz", name=op.f("pk_ranking_marks")),
    )
    op.create_table(
        "ranking_totals",
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("tz", sa.String(length=64), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("earned", sa.BigInteger(), nullable=False),
        sa.Column("deducted", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_ranking_totals_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_ranking_totals_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("household_id", "year", "tz", name=op.f("pk_ranking_totals")),
    )
    with op.batch_alter_table("ranking_totals", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ranking_totals_village_id_year", ["village_id", "year", "tz"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("ranking_totals", schema=None) as batch_op:
        batch_op.drop_index("ix_ranking_totals_village_id_year")
    op.drop_table("ranking_totals")
    op.drop_table("ranking_marks")
    with op.batch_alter_table("journal", schema=None) as batch_op:
        batch_op.drop_index("ix_journal_village_id_created_at")
    op.drop_table("year_end_policies")
