"""timers count their attempts and keep the last failure: a timer that keeps failing becomes an incident

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('timers', schema=None) as batch_op:
        batch_op.drop_column('last_error')
        batch_op.drop_column('attempts')
