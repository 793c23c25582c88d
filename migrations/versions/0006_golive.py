"""going live: village county/township names and the demo mark, villager groups, kiosk receipt
prefixes and retirement

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 17:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("villages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("county", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("township", sa.String(length=100), server_default="", nullable=False))
        batch_op.add_column(sa.Column("is_demo", sa.Boolean(), server_default=sa.false(), nullable=False))
    # A database seeded before this revision holds only the demo (kiosk demo was the only way to
    # open a village): mark it, so it cannot pass for a real one.
    op.execute("UPDATE villages SET is_demo = TRUE WHERE code = 'NK-SJK'")

    op.create_table(
        "villager_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["village_id"], ["villages.id"], name=op.f("fk_villager_groups_village_id_villages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_villager_groups")),
        sa.UniqueConstraint("village_id", "name", name="uq_villager_groups_name"),
    )
    with op.batch_alter_table("villager_groups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_villager_groups_village_id"), ["village_id"], unique=False)

    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_prefix", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_kiosks_receipt_prefix"), ["receipt_prefix"])


def downgrade() -> None:
    with op.batch_alter_table("kiosks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_kiosks_receipt_prefix"), type_="unique")
        batch_op.drop_column("retired_at")
        batch_op.drop_column("receipt_prefix")
    with op.batch_alter_table("villager_groups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_villager_groups_village_id"))
    op.drop_table("villager_groups")
    with op.batch_alter_table("villages", schema=None) as batch_op:
        batch_op.drop_column("is_demo")
        batch_op.drop_column("township")
        batch_op.drop_column("county")
