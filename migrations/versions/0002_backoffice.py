"""backoffice: household search, points applications

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('household_search',
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('given', sa.String(length=64), nullable=False),
    sa.Column('initials', sa.String(length=64), nullable=False),
    sa.Column('full_pinyin', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_search_household_id_households')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_household_search_village_id_villages')),
    sa.PrimaryKeyConstraint('household_id', name=op.f('pk_household_search'))
    )
    with op.batch_alter_table('household_search', schema=None) as batch_op:
        batch_op.create_index('ix_household_search_village_number', ['village_id', 'number'], unique=False)
        batch_op.create_index('ix_household_search_village_name', ['village_id', 'name'], unique=False)
        batch_op.create_index('ix_household_search_village_given', ['village_id', 'given'], unique=False)
        batch_op.create_index('ix_household_search_village_initials', ['village_id', 'initials'], unique=False)
        batch_op.create_index('ix_household_search_village_pinyin', ['village_id', 'full_pinyin'], unique=False)

    op.create_table('points_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('memo', sa.String(length=500), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('submitted_by', sa.String(length=64), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('journal_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('pending', 'approved', 'rejected')", name=op.f('ck_points_applications_state_known')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_points_applications_household_id_households')),
    sa.ForeignKeyConstraint(['journal_id'], ['journal.id'], name=op.f('fk_points_applications_journal_id_journal')),
    sa.ForeignKeyConstraint(['rule_id'], ['rules.id'], name=op.f('fk_points_applications_rule_id_rules')),
    sa.ForeignKeyConstraint(['village_id'], ['villages.id'], name=op.f('fk_points_applications_village_id_villages')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_points_applications'))
    )
    with op.batch_alter_table('points_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_points_applications_household_id'), ['household_id'], unique=False)
        batch_op.create_index('ix_points_applications_village_id_state', ['village_id', 'state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('points_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_points_applications_village_id_state')
        batch_op.drop_index(batch_op.f('ix_points_applications_household_id'))

    op.drop_table('points_applications')
    with op.batch_alter_table('household_search', schema=None) as batch_op:
        batch_op.drop_index('ix_household_search_village_pinyin')
        batch_op.drop_index('ix_household_search_village_initials')
        batch_op.drop_index('ix_household_search_village_given')
        batch_op.drop_index('ix_household_search_village_name')
        batch_op.drop_index('ix_household_search_village_number')

    op.drop_table('household_search')
