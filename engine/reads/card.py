"""The case card: the same summary above every task of a case.

What the customer said and the channel record, the dispatch instructions, earlier answers and notes
(each as the task that recorded it, by whom and when), the open deadlines, and who holds the case now.
Which recorded fields appear is declared by the forms (`declarations.CARD_KEY`).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from ..runtime.views import AuditView, InstanceView
from ..sla.reports import OpenSla
from .declarations import CaseDeclarations
from .names import Names
from .values import ShownValue, filled, shown

PROCESS_END = "process"  # an SLA that ends when the case closes


@dataclass(frozen=True)
class CardSection:
    element_id: str | None    # the task that recorded it; None: recorded when the case was opened
    title: str                # the task's name
    by: str | None
    by_name: str | None
    at: datetime
    fields: tuple[ShownValue, ...]


@dataclass(frozen=True)
class Deadline:
    policy_id: str
    name: str
    ends: str                 # the element whose completion meets it, or "process"
    ends_name: str | None     # that element's name; None when the case's close meets it
    due_at: datetime          # working-day deadlines count the official calendar
    provisional: bool         # counted on a year whose official holiday schedule is not loaded yet
    standing: str
    seconds_left: int


@dataclass(frozen=True)
class Holder:
    task_id: str
    task_name: str
    element_id: str
    assignee: str | None
    assignee_name: str | None
    group: str | None
    group_name: str | None
    due_at: datetime | None
    due_provisional: bool


@dataclass(frozen=True)
class CaseCard:
    instance_id: int
    business_key: str | None
    process_id: str
    process_name: str
    version: int
    state: str
    started_by: str
    started_by_name: str | None
    started_at: datetime
    ended_at: datetime | None
    sections: tuple[CardSection, ...]
    deadlines: tuple[Deadline, ...]
    holders: tuple[Holder, ...]


def case_card(case: InstanceView, entries: Iterable[AuditView], slas: Iterable[OpenSla],
              declared: CaseDeclarations, names: Names) -> CaseCard:
    """`case` and `entries` as the reader may see them (masked for supervisors)."""
    return CaseCard(
        case.id, case.business_key, case.process_id, declared.process_name or case.process_id, case.version,
        case.state, case.started_by, names.person(case.started_by), case.started_at, case.ended_at,
        tuple(_sections(entries, declared, names)),
        tuple(Deadline(sla.policy_id, sla.name, sla.ends,
                       None if sla.ends == PROCESS_END else declared.element_name(sla.ends), sla.due_at,
                       sla.provisional, sla.standing, sla.seconds_left) for sla in slas),
        tuple(Holder(task.id, task.name, task.element_id, task.assignee, names.person(task.assignee),
                     task.candidate_group, names.group(task.candidate_group), task.due_at, task.due_provisional)
              for task in sorted(case.open_tasks, key=lambda t: t.created_at)))


def recorded_fields(data: Any, field_names: Iterable[str], declared: CaseDeclarations, names: Names,
                    element_id: str | None = None) -> tuple[ShownValue, ...]:
    """The filled ones of `field_names` in `data`, as a person reads them (described by the form of
    `element_id` when it has one, else by the first form that has the field)."""
    if not isinstance(data, dict):
        return ()
    own = (declared.forms.get(element_id or "") or {}).get("properties") or {}
    return tuple(shown(name, data[name], own.get(name) or declared.properties.get(name), names)
                 for name in field_names if filled(data.get(name)))


def _sections(entries: Iterable[AuditView], declared: CaseDeclarations, names: Names) -> Iterable[CardSection]:
    for entry in entries:
        if entry.event == "instance.started":
            fields = recorded_fields(entry.details.get("data"), declared.all_card_fields(), declared, names)
            element_id, title = None, declared.process_name
        elif entry.event == "task.completed" and entry.element_id:
            fields = recorded_fields(entry.details.get("data"), declared.card_fields(entry.element_id), declared,
                                     names, entry.element_id)
            element_id, title = entry.element_id, declared.element_name(entry.element_id)
        else:
            continue
        if fields:
            yield CardSection(element_id, title, entry.actor, names.person(entry.actor), entry.at, fields)
