"""stock: receiving documents, stocktakes, redemption windows, per-household limits, day close

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 01:55:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('redemption_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_redemption_windows_ends_after_start')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_redemption_windows_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_redemption_windows'))
    )
    with op.batch_alter_table('redemption_windows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redemption_windows_village_id'), ['village_id'], unique=False)

    op.create_table('day_closes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('kiosk_id', sa.Integer(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('closed_by', sa.String(length=64), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('journal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('report_json', sa.Text(), nullable=False),
    sa.Column('report_sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['journal_id'], ['journal.id'], name=op.f('fk_day_closes_journal_id_journal')),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_day_closes_kiosk_id_kiosks')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_day_closes_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_day_closes')),
    sa.UniqueConstraint('kiosk_id', 'business_date', name='uq_day_closes_kiosk_business_date')
    )
    with op.batch_alter_table('day_closes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_day_closes_village_id'), ['village_id'], unique=False)

    op.create_table('household_limit_usage',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=16), nullable=False),
    sa.Column('used', sa.Integer(), nullable=False),
    sa.CheckConstraint('used >= 0', name=op.f('ck_household_limit_usage_used_not_negative')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_limit_usage_household_id_households')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_household_limit_usage_product_id_products')),
    sa.PrimaryKeyConstraint('household_id', 'product_id', 'period_key', name=op.f('pk_household_limit_usage'))
    )
    op.create_table('product_limits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('allowed', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.CheckConstraint("period IN ('month', 'quarter', 'year')", name=op.f('ck_product_limits_period_known')),
    sa.CheckConstraint('allowed > 0', name=op.f('ck_product_limits_allowed_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_limits_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_limits')),
    sa.UniqueConstraint('product_id', name=op.f('uq_product_limits_product_id'))
    )
    op.create_table('receiving_docs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('doc_no', sa.String(length=32), nullable=False),
    sa.Column('source_kind', sa.String(length=16), nullable=False),
    sa.Column('source_name', sa.String(length=100), nullable=False),
    sa.Column('value_fen', sa.BigInteger(), nullable=False),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.Column('received_by', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('journal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source_kind IN ('budget', 'partner', 'donation')", name=op.f('ck_receiving_docs_source_kind_known')),
    sa.CheckConstraint('value_fen >= 0', name=op.f('ck_receiving_docs_value_not_negative')),
    sa.ForeignKeyConstraint(['journal_id'], ['journal.id'], name=op.f('fk_receiving_docs_journal_id_journal')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_receiving_docs_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receiving_docs')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_receiving_docs_idempotency_key')),
    sa.UniqueConstraint('village_id', 'doc_no', name='uq_receiving_docs_village_doc_no')
    )
    with op.batch_alter_table('receiving_docs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receiving_docs_village_id'), ['village_id'], unique=False)

    op.create_table('stocktakes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finalised_by', sa.String(length=64), nullable=True),
    sa.Column('finalised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('journal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('memo', sa.Text(), nullable=False),
    sa.CheckConstraint("state IN ('open', 'finalised', 'cancelled')", name=op.f('ck_stocktakes_state_known')),
    sa.ForeignKeyConstraint(['journal_id'], ['journal.id'], name=op.f('fk_stocktakes_journal_id_journal')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_stocktakes_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktakes'))
    )
    with op.batch_alter_table('stocktakes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktakes_village_id'), ['village_id'], unique=False)

    op.create_table('limit_charges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('redemption_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('period_key', sa.String(length=16), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.CheckConstraint('qty > 0', name=op.f('ck_limit_charges_qty_positive')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_limit_charges_household_id_households')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_limit_charges_product_id_products')),
    sa.ForeignKeyConstraint(['redemption_id'], ['redemptions.id'], name=op.f('fk_limit_charges_redemption_id_redemptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_limit_charges')),
    sa.UniqueConstraint('redemption_id', 'product_id', name='uq_limit_charges_redemption_product')
    )
    with op.batch_alter_table('limit_charges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_limit_charges_redemption_id'), ['redemption_id'], unique=False)

    op.create_table('receiving_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('doc_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('on_hand_after', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('qty > 0', name=op.f('ck_receiving_lines_qty_positive')),
    sa.ForeignKeyConstraint(['doc_id'], ['receiving_docs.id'], name=op.f('fk_receiving_lines_doc_id_receiving_docs')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_receiving_lines_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receiving_lines'))
    )
    with op.batch_alter_table('receiving_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receiving_lines_doc_id'), ['doc_id'], unique=False)

    op.create_table('stocktake_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stocktake_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('expected', sa.BigInteger(), nullable=False),
    sa.Column('counted', sa.BigInteger(), nullable=True),
    sa.Column('on_hand_at_count', sa.BigInteger(), nullable=True),
    sa.Column('counted_by', sa.String(length=64), nullable=True),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('counted IS NULL OR counted >= 0', name=op.f('ck_stocktake_lines_counted_not_negative')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stocktake_lines_product_id_products')),
    sa.ForeignKeyConstraint(['stocktake_id'], ['stocktakes.id'], name=op.f('fk_stocktake_lines_stocktake_id_stocktakes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stocktake_lines')),
    sa.UniqueConstraint('stocktake_id', 'product_id', name='uq_stocktake_lines_take_product')
    )
    with op.batch_alter_table('stocktake_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stocktake_lines_stocktake_id'), ['stocktake_id'], unique=False)

    op.create_table('void_bookings',
    sa.Column('redemption_id', sa.Integer(), nullable=False),
    sa.Column('kiosk_id', sa.Integer(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('is_moved', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['kiosk_id'], ['kiosks.id'], name=op.f('fk_void_bookings_kiosk_id_kiosks')),
    sa.ForeignKeyConstraint(['redemption_id'], ['redemptions.id'], name=op.f('fk_void_bookings_redemption_id_redemptions')),
    sa.PrimaryKeyConstraint('redemption_id', name=op.f('pk_void_bookings'))
    )
    with op.batch_alter_table('void_bookings', schema=None) as batch_op:
        batch_op.create_index('ix_void_bookings_kiosk_id_business_date', ['kiosk_id', 'business_date'], unique=False)


    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.create_index('ix_redemptions_kiosk_id_created_at', ['kiosk_id', 'created_at'], unique=False)

    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.create_index('ix_print_jobs_kind_created_at', ['kind', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('print_jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_print_jobs_kind_created_at')

    with op.batch_alter_table('redemptions', schema=None) as batch_op:
        batch_op.drop_index('ix_redemptions_kiosk_id_created_at')
    with op.batch_alter_table('void_bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_void_bookings_kiosk_id_business_date')

    op.drop_table('void_bookings')
    with op.batch_alter_table('stocktake_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stocktake_lines_stocktake_id'))

    op.drop_table('stocktake_lines')
    with op.batch_alter_table('receiving_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receiving_lines_doc_id'))

    op.drop_table('receiving_lines')
    with op.batch_alter_table('limit_charges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_limit_charges_redemption_id'))

    op.drop_table('limit_charges')
    with op.batch_alter_table('stocktakes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stocktakes_village_id'))

    op.drop_table('stocktakes')
    with op.batch_alter_table('receiving_docs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receiving_docs_village_id'))

    op.drop_table('receiving_docs')
    op.drop_table('product_limits')
    op.drop_table('household_limit_usage')
    with op.batch_alter_table('day_closes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_day_closes_village_id'))

    op.drop_table('day_closes')
    with op.batch_alter_table('redemption_windows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redemption_windows_village_id'))

    op.drop_table('redemption_windows')
