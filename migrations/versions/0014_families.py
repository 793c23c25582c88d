"""families: household members (家庭成员) with their relation to the head, who may redeem; the
household a merged one went into (合户); `transfer` journal rows that move points between
households (分户, 合户)

On SQLite the journal and households tables are rebuilt (batch mode) for the new CHECK and
foreign key; migrations/env.py turns foreign keys off for the rebuild and checks them before the
commit. The downgrade refuses while any transfer row or merged household exists (the old CHECK
could not hold; history is never deleted).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

OLD_KINDS = (
    "'award', 'deduction', 'redemption', 'void', 'stock_receipt', 'stock_adjustment', "
    "'passbook_issue', 'passbook_revoke', 'household_change', 'day_close', 'staff_change', "
    "'year_end', 'genesis'"
)
RELATIONS = (
    "'head', 'spouse', 'child', 'parent', 'grandchild', 'grandparent', 'sibling', "
    "'child_in_law', 'other'"
)


def upgrade() -> None:
    op.create_table(
        "household_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("may_redeem", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            f"relation IN ({RELATIONS})", name=op.f("ck_household_members_relation_known")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_household_members_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_household_members_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_members")),
    )
    op.create_index(
        op.f("ix_household_members_household_id"), "household_members", ["household_id"]
    )
    op.create_index(
        "uq_household_members_one_head",
        "household_members",
        ["household_id"],
        unique=True,
        sqlite_where=sa.text("relation = 'head'"),
        postgresql_where=sa.text("relation = 'head'"),
    )
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_households_merged_into_id_households"),
            "households",
            ["merged_into_id"],
            ["id"],
        )
    with op.batch_alter_table("journal", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_journal_kind_known"), type_="check")
        batch_op.create_check_constraint(
            op.f("ck_journal_kind_known"), f"kind IN ({OLD_KINDS}, 'transfer')"
        )


def downgrade() -> None:
    conn = op.get_bind()
    kept = conn.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM journal WHERE kind = 'transfer')"
            " + (SELECT count(*) FROM households WHERE merged_into_id IS NOT NULL)"
        )
    ).scalar_one()
    if kept:
        raise RuntimeError(
            f"cannot downgrade below 0014: {kept} transfers or merged households are in the "
            "ledger, which the old schema cannot hold"
        )
    with op.batch_alter_table("journal", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_journal_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_journal_kind_known"), f"kind IN ({OLD_KINDS})")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_households_merged_into_id_households"), type_="foreignkey"
        )
        batch_op.drop_column("merged_into_id")
    op.drop_index("uq_household_members_one_head", table_name="household_members")
    op.drop_index(op.f("ix_household_members_household_id"), table_name="household_members")
    op.drop_table("household_members")
