"""Read-only views of instances, tasks and audit entries, as callers (CLI, web, API) see them."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from ..persistence.tables import AuditEntry, HumanTask, ProcessInstance


@dataclass(frozen=True)
class TaskView:
    id: str
    instance_id: int
    element_id: str
    name: str
    lane: str | None
    candidate_group: str | None
    assignee: str | None
    state: str
    created_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    completed_by: str | None
    due_provisional: bool = False  # the due time counts a year whose official schedule is not loaded

    @classmethod
    def of(cls, row: HumanTask) -> "TaskView":
        return cls(row.id, row.instance_id, row.element_id, row.name, row.lane, row.candidate_group,
                   row.assignee, row.state, row.created_at, row.due_at, row.completed_at, row.completed_by,
                   bool(row.due_provisional))


@dataclass(frozen=True)
class AuditView:
    id: int
    at: datetime
    actor: str
    event: str
    task_id: str | None
    element_id: str | None
    details: dict[str, Any]

    @classmethod
    def of(cls, row: AuditEntry) -> "AuditView":
        return cls(row.id, row.at, row.actor, row.event, row.task_id, row.element_id, row.details)


@dataclass(frozen=True)
class InstanceView:
    id: int
    process_id: str
    version: int
    business_key: str | None
    state: str
    started_by: str
    started_at: datetime
    ended_at: datetime | None
    error_task: str | None
    error_message: str | None
    open_tasks: list[TaskView] = field(default_factory=list)
    data: dict[str, Any] | None = None
    history: list[AuditView] | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, row: ProcessInstance, open_tasks: list[TaskView] | None = None,
           data: dict | None = None, history: list[AuditView] | None = None) -> "InstanceView":
        return cls(row.id, row.process_id, row.version, row.business_key, row.state, row.started_by,
                   row.started_at, row.ended_at, row.error_task, row.error_message, open_tasks or [], data, history,
                   dict(getattr(row, "attributes", None) or {}))


class Fields(dict):
    """A row's column values with attribute access (`row.due_at`), changeable as a dict."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value


def to_json(view: Any) -> Any:
    """Plain JSON-ready dicts of views (datetimes as ISO 8601)."""
    if isinstance(view, list):
        return [to_json(v) for v in view]

    def convert(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        return value

    return convert(asdict(view))
