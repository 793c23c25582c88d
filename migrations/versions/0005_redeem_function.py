"""redeem function: PostgreSQL runs a redemption in one server-side call (shop/redemptions/sql/redeem_v1.sql)

SQLite has no server functions; it runs the same steps from Python, so this does nothing there.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 18:30:00
"""

from alembic import op

from shop.redemptions import dbfunctions

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The versioned file, not dbfunctions.CURRENT: a later version comes with its own migration.
    dbfunctions.install(op.get_bind(), "redeem_v1.sql")


def downgrade() -> None:
    dbfunctions.drop(op.get_bind(), "shop_redeem")
