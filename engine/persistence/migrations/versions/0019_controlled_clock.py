"""the offset of a controlled clock (sqflow serve --controlled-clock, for acceptance tests and training)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('controlled_clock',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('offset_ms', sa.BigInteger(), nullable=False),
    sa.Column('moved_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('moved_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('controlled_clock')
