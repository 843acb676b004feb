"""people administration: groups and departments as data, account state, web sessions, shared rate limits

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    groups = op.create_table('groups',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('source', sa.String(length=20), nullable=False, server_default='local'))
        batch_op.add_column(sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('web_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('login', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_web_sessions_login', 'web_sessions', ['login', 'revoked_at'])
    op.create_table('rate_limits',
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    # The groups people already work become rows, so lanes and policies naming them stay valid.
    bind = op.get_bind()
    names = set()
    for (value,) in bind.execute(sa.text("SELECT groups FROM users")):
        names.update(value if isinstance(value, list) else __import__("json").loads(value or "[]"))
    now = datetime.now(timezone.utc)
    if names:
        op.bulk_insert(groups, [{"name": n, "label": n, "kind": "group", "department": None, "active": True,
                                 "created_at": now} for n in sorted(names)])


def downgrade() -> None:
    op.drop_table('rate_limits')
    op.drop_index('ix_web_sessions_login', table_name='web_sessions')
    op.drop_table('web_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('disabled_at')
        batch_op.drop_column('source')
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('department')
    op.drop_table('groups')
