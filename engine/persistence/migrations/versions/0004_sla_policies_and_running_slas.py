"""sla policies and running slas

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sla_policy_sets',
    sa.Column('process_id', sa.String(length=200), nullable=False),
    sa.Column('policies', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('loaded_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('process_id')
    )
    op.create_table('slas',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('instance_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('policy_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('ends', sa.String(length=200), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('department', sa.String(length=200), nullable=True),
    sa.Column('target_amount', sa.Float(), nullable=False),
    sa.Column('target_unit', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('provisional', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('warned', sa.JSON(), nullable=False),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paused_seconds', sa.Integer(), nullable=False),
    sa.Column('breached_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalate_to', sa.String(length=200), nullable=True),
    sa.Column('signal', sa.String(length=200), nullable=True),
    sa.Column('next_check_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instances.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('slas', schema=None) as batch_op:
        batch_op.create_index('ix_slas_check', ['state', 'next_check_at'], unique=False)
        batch_op.create_index('ix_slas_department_ended', ['department', 'ended_at'], unique=False)
        batch_op.create_index('ix_slas_instance', ['instance_id', 'state'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('slas', schema=None) as batch_op:
        batch_op.drop_index('ix_slas_instance')
        batch_op.drop_index('ix_slas_department_ended')
        batch_op.drop_index('ix_slas_check')

    op.drop_table('slas')
    op.drop_table('sla_policy_sets')
