"""inbox indexes: each way a task reaches an inbox is read in due order

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_assignee_open')
        batch_op.create_index('ix_tasks_inbox_assigned', ['assignee', 'state', 'due_at', 'created_at'], unique=False)
        batch_op.create_index('ix_tasks_inbox_unclaimed', ['candidate_group', 'state', 'assignee', 'due_at',
                                                           'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_inbox_unclaimed')
        batch_op.drop_index('ix_tasks_inbox_assigned')
        batch_op.create_index('ix_tasks_assignee_open', ['assignee', 'state', 'due_at'], unique=False)
