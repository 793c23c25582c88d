"""deductions below zero: drop the non-negative CHECKs on households.balance and
points_entries.balance_after

A deduction (扣分) applies at any balance. Redemptions stay guarded by their UPDATE … WHERE
balance >= total (both twins), and `kiosk verify` names a redemption that left a balance below
zero. On SQLite the tables are rebuilt (batch mode); migrations/env.py turns foreign keys off for
the rebuild and runs PRAGMA foreign_key_check before the commit.

The downgrade puts the CHECKs back, and refuses while any balance is below zero (the CHECK could
not hold; earn those households back above zero or reverse the deductions first).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 16:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_households_balance_not_negative"), type_="check")
    with op.batch_alter_table("points_entries", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_points_entries_balance_after_not_negative"), type_="check"
        )


def downgrade() -> None:
    conn = op.get_bind()
    below = conn.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM households WHERE balance < 0)"
            " + (SELECT count(*) FROM points_entries WHERE balance_after < 0)"
        )
    ).scalar_one()
    if below:
        raise RuntimeError(
            f"cannot downgrade below 0007: {below} balances or postings are below zero, "
            "which the old CHECK constraints forbid"
        )
    with op.batch_alter_table("points_entries", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_points_entries_balance_after_not_negative"), "balance_after >= 0"
        )
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_households_balance_not_negative"), "balance >= 0"
        )
