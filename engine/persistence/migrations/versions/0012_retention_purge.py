"""retention purge: the register of purged instances; the audit log lets only those go

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

REFUSE = "audit_log is append-only"


def upgrade() -> None:
    op.create_table('purged_instances',
    sa.Column('instance_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('process_id', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('business_key', sa.String(length=200), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('audit_entries', sa.Integer(), nullable=False),
    sa.Column('purged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('purged_by', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('instance_id')
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM purged_instances p WHERE p.instance_id = OLD.instance_id)
              THEN RETURN OLD; END IF;
              RAISE EXCEPTION '{REFUSE}';
            END $$""")
        op.execute("""
            CREATE FUNCTION purged_instances_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'purged_instances is append-only'; END $$""")
        op.execute("""CREATE TRIGGER purged_instances_append_only BEFORE UPDATE OR DELETE ON purged_instances
                      FOR EACH ROW EXECUTE FUNCTION purged_instances_refuse_change()""")
    else:
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute(f"""CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                       WHEN OLD.instance_id IS NULL
                         OR OLD.instance_id NOT IN (SELECT instance_id FROM purged_instances)
                       BEGIN SELECT RAISE(ABORT, '{REFUSE}'); END""")
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER purged_instances_no_{action.lower()} BEFORE {action} ON purged_instances
                           BEGIN SELECT RAISE(ABORT, 'purged_instances is append-only'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER purged_instances_append_only ON purged_instances")
        op.execute("DROP FUNCTION purged_instances_refuse_change()")
        op.execute(f"""
            CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{REFUSE}'; END $$""")
    else:
        op.execute("DROP TRIGGER audit_log_no_delete")
        op.execute(f"""CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                       BEGIN SELECT RAISE(ABORT, '{REFUSE}'); END""")
    op.drop_table('purged_instances')
