"""idempotency keys per village (issue 14, finding 25): redemptions, deliveries, award requests
and review batches keep their keys unique within a village, not across the district

One village's key used to block another's (a unique key over every village): a second village's
kiosk whose page happened to make the same key was refused, or, looked up without its village,
answered with another village's receipt. award_requests gains its village (from its journal row).
PostgreSQL's shop_redeem (redeem_v2.sql) looks the earlier receipt up in its village.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 05:30:00
"""

import sqlalchemy as sa
from alembic import op

from shop.redemptions import dbfunctions

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# table, key column, old constraint, new constraint
KEYS = (
    ("redemptions", "idempotency_key", "uq_redemptions_idempotency_key",
     "uq_redemptions_village_idempotency_key"),
    ("receiving_docs", "idempotency_key", "uq_receiving_docs_idempotency_key",
     "uq_receiving_docs_village_idempotency_key"),
    ("review_batches", "client_key", "uq_review_batches_client_key",
     "uq_review_batches_village_client_key"),
    ("award_requests", "idempotency_key", "uq_award_requests_idempotency_key",
     "uq_award_requests_village_idempotency_key"),
)  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("award_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("village_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE award_requests SET village_id = "
        "(SELECT journal.village_id FROM journal WHERE journal.id = award_requests.journal_id)"
    )
    with op.batch_alter_table("award_requests", schema=None) as batch_op:
        batch_op.alter_column("village_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(
            op.f("fk_award_requests_village_id_villages"), "villages", ["village_id"], ["id"]
        )
    for table, column, old, new in KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(old, type_="unique")
            batch_op.create_unique_constraint(new, ["village_id", column])
    dbfunctions.install(op.get_bind(), "redeem_v2.sql")


def downgrade() -> None:
    # Refused by the database if two villages already share a key: nothing is lost silently.
    dbfunctions.install(op.get_bind(), "redeem_v1.sql")
    for table, column, old, new in KEYS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(new, type_="unique")
            batch_op.create_unique_constraint(old, [column])
    with op.batch_alter_table("award_requests", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_award_requests_village_id_villages"), type_="foreignkey")
        batch_op.drop_column("village_id")
