"""tasks carry their process id: the inbox filters by process without looking up each task's case

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('process_id', sa.String(length=200), nullable=True))
    op.execute("UPDATE human_tasks SET process_id = (SELECT process_instances.process_id FROM process_instances "
               "WHERE process_instances.id = human_tasks.instance_id)")


def downgrade() -> None:
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_column('process_id')
