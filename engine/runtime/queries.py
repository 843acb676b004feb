"""Read queries for lists and detail pages: instances, the task inbox, an instance's history."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInputError
from ..persistence.tables import AuditEntry, HumanTask, ProcessInstance
from .views import AuditView, InstanceView, TaskView

INSTANCE_STATES = ("active", "suspended", "error", "completed", "terminated")
TASK_STATES = ("open", "completed", "cancelled")
MAX_PAGE = 500


@dataclass(frozen=True)
class Page:
    limit: int = 50
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE:
            raise InvalidInputError(f"limit must be between 1 and {MAX_PAGE}")
        if self.offset < 0:
            raise InvalidInputError("offset must not be negative")


def instance_conditions(*, process_id: str | None = None, state: str | None = None,
                        business_key: str | None = None, version: int | None = None,
                        started_after: datetime | None = None, started_before: datetime | None = None) -> list:
    """The WHERE conditions of an instance list (the CLI's, the monitor's, the API's)."""
    if state is not None and state not in INSTANCE_STATES:
        raise InvalidInputError(f"state must be one of {', '.join(INSTANCE_STATES)}")
    conditions = []
    if process_id:
        conditions.append(ProcessInstance.process_id == process_id)
    if state:
        conditions.append(ProcessInstance.state == state)
    if business_key:
        conditions.append(ProcessInstance.business_key == business_key)
    if version is not None:
        conditions.append(ProcessInstance.version == version)
    if started_after is not None:
        conditions.append(ProcessInstance.started_at >= started_after)
    if started_before is not None:
        conditions.append(ProcessInstance.started_at < started_before)
    return conditions


def list_instances(session: Session, *, process_id: str | None = None, state: str | None = None,
                   business_key: str | None = None, version: int | None = None,
                   started_after: datetime | None = None, started_before: datetime | None = None,
                   page: Page = Page()) -> list[InstanceView]:
    query = select(ProcessInstance).where(*instance_conditions(
        process_id=process_id, state=state, business_key=business_key, version=version,
        started_after=started_after, started_before=started_before)).order_by(ProcessInstance.id.desc())
    rows = session.scalars(query.limit(page.limit).offset(page.offset))
    return [InstanceView.of(row) for row in rows]


def list_tasks(session: Session, *, assignee: str | None = None, groups: list[str] | None = None,
               state: str = "open", instance_id: int | None = None, page: Page = Page()) -> list[TaskView]:
    """Tasks by due time, then age: an assignee's own, or the given groups' (claimed or not)."""
    if state not in TASK_STATES:
        raise InvalidInputError(f"state must be one of {', '.join(TASK_STATES)}")
    query = select(HumanTask).where(HumanTask.state == state)
    if assignee is not None and groups:
        query = query.where((HumanTask.assignee == assignee) | HumanTask.candidate_group.in_(groups))
    elif assignee is not None:
        query = query.where(HumanTask.assignee == assignee)
    elif groups:
        query = query.where(HumanTask.candidate_group.in_(groups))
    if instance_id is not None:
        query = query.where(HumanTask.instance_id == instance_id)
    query = query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id)
    return [TaskView.of(row) for row in session.scalars(query.limit(page.limit).offset(page.offset))]


def history(session: Session, instance_id: int) -> list[AuditView]:
    rows = session.scalars(select(AuditEntry).where(AuditEntry.instance_id == instance_id).order_by(AuditEntry.id))
    return [AuditView.of(row) for row in rows]
