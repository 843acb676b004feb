"""a task's due time says whether it is provisional (counted on a year whose official schedule is not loaded)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_provisional', sa.Boolean(), nullable=False, server_default=sa.false()))
    # A task bound to a provisional SLA shows that SLA's due time (engine/sla/tracker.py).
    op.execute("UPDATE human_tasks SET due_provisional = TRUE WHERE state = 'open' AND EXISTS ("
               "SELECT 1 FROM slas WHERE slas.task_id = human_tasks.id AND slas.provisional = TRUE "
               "AND slas.due_at = human_tasks.due_at AND slas.state IN ('running', 'paused'))")


def downgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_column('due_provisional')
