"""a new passbook stays reprintable until it has scanned once: passbooks.reprint_code

Reissuing on the thermal printer used to destroy the household's passbook when the print failed:
the new code was saved (as its hash) and the old card revoked before printing, and the new code
was never shown again. Now the new code is kept beside its hash until the card has been scanned
at a kiosk once (shop.households.operations.reprintable_code), so staff can print it again from
the household's page; the first good scan, or staff viewing the page after it, clears it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 02:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("passbooks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reprint_code", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("passbooks", schema=None) as batch_op:
        batch_op.drop_column("reprint_code")
