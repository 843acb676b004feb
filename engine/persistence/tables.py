"""The database schema (SQLAlchemy 2 declarative). Alembic migrations in `migrations/` create it."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator,
                        UniqueConstraint, false)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# SQLite only auto-increments INTEGER PRIMARY KEY, PostgreSQL wants BIGINT for a log that grows.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator):
    """Timezone-aware UTC on the way in and out (SQLite stores no zone; PostgreSQL converts)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetimes are not stored; pass a timezone-aware time")
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None:
            value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Deployment(Base):
    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(primary_key=True)
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[str] = mapped_column(String(200))
    files: Mapped[list["DeploymentFile"]] = relationship(back_populates="deployment", order_by="DeploymentFile.id")


class DeploymentFile(Base):
    __tablename__ = "deployment_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[str] = mapped_column(Text)
    deployment: Mapped[Deployment] = relationship(back_populates="files")


class ProcessDefinition(Base):
    """One version of one process; immutable once written."""

    __tablename__ = "process_definitions"
    __table_args__ = (UniqueConstraint("process_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64))
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"))
    bpmn_file_id: Mapped[int] = mapped_column(ForeignKey("deployment_files.id"))
    deployed_at: Mapped[datetime]
    # Large and needed once per process (then cached): loaded only when asked for.
    spec: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    embedded_specs: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    calls: Mapped[list[Any]]
    user_tasks: Mapped[list[Any]]
    forms: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True, default=dict)
    report_fields: Mapped[list[Any]] = mapped_column(JSON, default=list)
    starters: Mapped[list[Any] | None] = mapped_column(JSON)  # None: handlers and managers (definitions.starters)


class ProcessInstance(Base):
    __tablename__ = "process_instances"
    __table_args__ = (
        Index("ix_instances_state_started", "state", "started_at"),
        Index("ix_instances_process_state", "process_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int]
    business_key: Mapped[str | None] = mapped_column(String(200), index=True)
    state: Mapped[str] = mapped_column(String(20))
    started_by: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    revision: Mapped[int] = mapped_column(Integer)
    serializer_version: Mapped[str] = mapped_column(String(20))
    workflow_state: Mapped[str] = mapped_column(Text)
    called_definitions: Mapped[dict[str, Any]]
    error_task: Mapped[str | None] = mapped_column(String(200))
    error_message: Mapped[str | None] = mapped_column(Text)
    # The case fields the process names in its `reportFields` property, for lists, filters and reports.
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # Optimistic locking: every UPDATE checks and bumps the revision, so of two writers only one wins.
    __mapper_args__ = {"version_id_col": revision}


class HumanTask(Base):
    """The queryable projection of user and manual tasks that inboxes read."""

    __tablename__ = "human_tasks"
    __table_args__ = (
        # The inbox reads each branch in due order (engine/people/inbox_query.py).
        Index("ix_tasks_group_open", "candidate_group", "state", "due_at"),
        Index("ix_tasks_inbox_unclaimed", "candidate_group", "state", "assignee", "due_at", "created_at"),
        Index("ix_tasks_inbox_assigned", "assignee", "state", "due_at", "created_at"),
        Index("ix_tasks_state_created", "state", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(BigId, ForeignKey("process_instances.id"), index=True)
    process_id: Mapped[str | None] = mapped_column(String(200))  # the instance's, so the inbox filters by it
    element_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    lane: Mapped[str | None] = mapped_column(String(200))
    candidate_group: Mapped[str | None] = mapped_column(String(200))
    assignee: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(200))


class AuditEntry(Base):
    """Append-only: triggers in the migration refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(60))
    instance_id: Mapped[int | None] = mapped_column(BigId)
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict[str, Any]]


class CalendarYear(Base):
    """An official working-day schedule loaded by an operator; takes precedence over chinese-calendar."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    holidays: Mapped[list[Any]]
    workdays: Mapped[list[Any]]
    source: Mapped[str] = mapped_column(String(500))
    loaded_at: Mapped[datetime]
    loaded_by: Mapped[str] = mapped_column(String(200))


class Timer(Base):
    """A waiting BPMN timer of an instance; workers claim the due ones (lease) and fire each once."""

    __tablename__ = "timers"
    __table_args__ = (
        Index("ix_timers_due", "state", "due_at"),
        Index("ix_timers_instance", "instance_id", "state"),
        UniqueConstraint("task_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int] = mapped_column(BigId, ForeignKey("process_instances.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    fired_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # claims that did not fire it
    last_error: Mapped[str | None] = mapped_column(Text)


class SlaPolicySet(Base):
    """The SLA policies of one process, as an operator last loaded them (JSON, see engine/sla/policy.py)."""

    __tablename__ = "sla_policy_sets"

    process_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    policies: Mapped[list[Any]]
    source: Mapped[str] = mapped_column(String(500))
    loaded_at: Mapped[datetime]
    loaded_by: Mapped[str] = mapped_column(String(200))


class RunningSla(Base):
    """One deadline being tracked for an instance (or one of its tasks), from start to met or missed."""

    __tablename__ = "slas"
    __table_args__ = (
        Index("ix_slas_check", "state", "next_check_at"),
        Index("ix_slas_instance", "instance_id", "state"),
        Index("ix_slas_department_ended", "department", "ended_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    instance_id: Mapped[int] = mapped_column(BigId, ForeignKey("process_instances.id"))
    policy_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    ends: Mapped[str] = mapped_column(String(200))
    task_id: Mapped[str | None] = mapped_column(String(36))
    department: Mapped[str | None] = mapped_column(String(200))
    target_amount: Mapped[float]
    target_unit: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    due_at: Mapped[datetime]
    provisional: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(20))
    warnings: Mapped[list[Any]]
    warned: Mapped[list[Any]]
    paused_at: Mapped[datetime | None]
    paused_seconds: Mapped[int] = mapped_column(Integer)
    breached_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    escalate_to: Mapped[str | None] = mapped_column(String(200))
    signal: Mapped[str | None] = mapped_column(String(200))
    next_check_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]


class StartTimer(Base):
    """The schedule of a process whose start event has a timer: when the worker next starts an instance."""

    __tablename__ = "start_timers"
    __table_args__ = (Index("ix_start_timers_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200))
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definitions.id"))
    element_id: Mapped[str] = mapped_column(String(200))
    expression: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime]
    cycles_left: Mapped[int]
    interval_seconds: Mapped[float | None]
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime]
    started_count: Mapped[int] = mapped_column(Integer)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]


class UserAccount(Base):
    """A person who signs in: roles say what they may do, groups which inboxes (lanes) they work."""

    __tablename__ = "users"

    login: Mapped[str] = mapped_column(String(200), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    roles: Mapped[list[Any]]
    groups: Mapped[list[Any]]
    email: Mapped[str | None] = mapped_column(String(300))
    locale: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    department: Mapped[str | None] = mapped_column(String(200))  # the name of a group of kind "department"
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    source: Mapped[str] = mapped_column(String(20), default="local", server_default="local")  # or "ldap"
    disabled_at: Mapped[datetime | None]


class Group(Base):
    """A group of people: a lane's inbox, an SLA escalation target, or (kind "department") a department."""

    __tablename__ = "groups"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)  # what lanes and policies name
    label: Mapped[str] = mapped_column(String(200))                    # what people read
    kind: Mapped[str] = mapped_column(String(20))                      # "group" or "department"
    department: Mapped[str | None] = mapped_column(String(200))        # the department a group belongs to
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]


class WebSession(Base):
    """A signed-in browser session; signing out (or disabling the account) revokes it on the server."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_login", "login", "revoked_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    login: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class ControlledTime(Base):
    """The offset of a controlled clock from the wall clock (one row; see engine/controlled_clock.py)."""

    __tablename__ = "controlled_clock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    offset_ms: Mapped[int] = mapped_column(BigInteger)
    moved_at: Mapped[datetime]
    moved_by: Mapped[str] = mapped_column(String(200))


class RateLimitHit(Base):
    """Fixed-window rate-limit counters shared by every web worker (Flask-Limiter storage)."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime]


class PurgedInstance(Base):
    """What the retention purge removed (R-CLS-02: archives are kept 5 years), kept for good.

    The audit log refuses deletes except of instances recorded here, so only a recorded purge
    can remove history."""

    __tablename__ = "purged_instances"

    instance_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    process_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    business_key: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime]
    audit_entries: Mapped[int] = mapped_column(Integer)
    purged_at: Mapped[datetime]
    purged_by: Mapped[str] = mapped_column(String(200))
