"""Per-element read-models for diagrams: where one instance stands, and how many instances passed or
wait at each element of a process version (the dashboard heatmap). Also the diagram source itself.

"Passed" comes from the audit log's `element.completed` events, "waiting" from open human tasks and
waiting timers; an element is overdue while its open task is past due or an open SLA ending at it
(or bound to its task) is breached.

A process that calls others is drawn without their insides: what waits inside a called process (at
any depth) also marks the call activity that runs it, so the diagram shows the running stage.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Mapping

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from ..errors import InstanceNotFound, ProcessNotFound
from ..persistence.tables import (AuditEntry, DeploymentFile, HumanTask, ProcessDefinition, ProcessInstance,
                                  RunningSla, Timer)
from ..sla.reports import standing

WAITING_TIMERS = ("waiting", "claimed")


@dataclass(frozen=True)
class ElementStatus:
    """Element ids of one instance; `overdue` is a subset of `active` (waiting and late)."""

    completed: list[str] = field(default_factory=list)
    active: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {"completed": self.completed, "active": self.active, "overdue": self.overdue}


@dataclass(frozen=True)
class ElementHeat:
    passed: int = 0
    waiting: int = 0


def instance_elements(session: Session, instance_id: int, now: datetime) -> ElementStatus:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise InstanceNotFound(f"no instance #{instance_id}")
    completed = session.scalars(select(distinct(AuditEntry.element_id)).where(
        AuditEntry.instance_id == instance_id, AuditEntry.event == "element.completed",
        AuditEntry.element_id.is_not(None))).all()
    tasks = session.execute(select(HumanTask.id, HumanTask.element_id, HumanTask.due_at).where(
        HumanTask.instance_id == instance_id, HumanTask.state == "open")).all()
    timers = session.scalars(select(Timer.element_id).where(
        Timer.instance_id == instance_id, Timer.state.in_(WAITING_TIMERS))).all()
    active = {t.element_id for t in tasks} | set(timers)
    overdue = {t.element_id for t in tasks if t.due_at is not None and t.due_at < now}
    element_of_task = {t.id: t.element_id for t in tasks}
    slas = session.scalars(select(RunningSla).where(
        RunningSla.instance_id == instance_id, RunningSla.state.in_(("running", "paused"))))
    for sla in slas:
        if sla.breached_at is None and standing(sla, now) != "breached":
            continue
        element = element_of_task.get(sla.task_id) if sla.task_id else (sla.ends if sla.ends in active else None)
        if element is not None:
            overdue.add(element)
    stages = call_stages(session, instance.definition_id, instance.called_definitions or {})
    active |= {stages[element] for element in active if element in stages}
    overdue |= {stages[element] for element in overdue if element in stages}
    return ElementStatus(sorted(completed), sorted(active), sorted(overdue & active))


def process_heat(session: Session, definition_id: int) -> dict[str, ElementHeat]:
    """Per element of one process version: distinct instances that completed it, and that wait at it."""
    passed = dict(session.execute(
        select(AuditEntry.element_id, func.count(distinct(AuditEntry.instance_id)))
        .join(ProcessInstance, ProcessInstance.id == AuditEntry.instance_id)
        .where(ProcessInstance.definition_id == definition_id, AuditEntry.event == "element.completed",
               AuditEntry.element_id.is_not(None))
        .group_by(AuditEntry.element_id)).all())
    waiting_tasks = dict(session.execute(
        select(HumanTask.element_id, func.count(distinct(HumanTask.instance_id)))
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(ProcessInstance.definition_id == definition_id, HumanTask.state == "open")
        .group_by(HumanTask.element_id)).all())
    waiting_timers = dict(session.execute(
        select(Timer.element_id, func.count(distinct(Timer.instance_id)))
        .join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
        .where(ProcessInstance.definition_id == definition_id, Timer.state.in_(WAITING_TIMERS))
        .group_by(Timer.element_id)).all())
    waiting = {element: waiting_tasks.get(element, 0) + waiting_timers.get(element, 0)
               for element in set(waiting_tasks) | set(waiting_timers)}
    waiting.update(_waiting_in_stages(session, definition_id))
    return {element: ElementHeat(passed.get(element, 0), waiting.get(element, 0))
            for element in sorted(set(passed) | set(waiting))}


def call_stages(session: Session, definition_id: int, called: Mapping[str, int]) -> dict[str, str]:
    """Element id inside a process that `definition_id` calls (at any depth, in the versions `called`
    names) -> the call activity of `definition_id` that runs it. Ids the caller has itself are left out."""
    return {element: stage for element, (stage, _) in _called_elements(session, definition_id, called).items()}


def _called_elements(session: Session, definition_id: int,
                     called: Mapping[str, int]) -> dict[str, tuple[str, str]]:
    """Element id inside a called process -> (the caller's call activity that runs it, the process that
    holds it); the first call activity wins when two lead to one process."""
    if not called:
        return {}
    rows = session.execute(select(ProcessDefinition.id, ProcessDefinition.process_id, ProcessDefinition.spec,
                                  ProcessDefinition.embedded_specs)
                           .where(ProcessDefinition.id.in_([definition_id, *called.values()]))).all()
    insides = {row.process_id: _elements_and_calls(row.spec, row.embedded_specs) for row in rows
               if row.id != definition_id}
    own = [_elements_and_calls(row.spec, row.embedded_specs) for row in rows if row.id == definition_id]
    if not own:
        return {}
    own_elements, own_calls = own[0]
    found: dict[str, tuple[str, str]] = {}
    pending, seen = list(own_calls.items()), set()
    while pending:
        stage, process_id = pending.pop(0)
        if process_id in seen or process_id not in insides:
            continue
        seen.add(process_id)
        elements, calls = insides[process_id]
        for element in elements - own_elements:
            found.setdefault(element, (stage, process_id))
        pending.extend((stage, callee) for callee in calls.values())
    return found


def _elements_and_calls(spec: dict, embedded: Mapping[str, dict] | None) -> tuple[set[str], dict[str, str]]:
    """A stored spec's element ids, and its call activities (element id -> called process id)."""
    elements: set[str] = set()
    calls: dict[str, str] = {}
    for each in [spec, *(embedded or {}).values()]:
        for task_spec in each.get("task_specs", {}).values():
            element = task_spec.get("bpmn_id")
            if not element:
                continue
            elements.add(element)
            if task_spec.get("typename") == "CallActivity":
                calls[element] = task_spec.get("spec")
    return elements, calls


def _waiting_in_stages(session: Session, definition_id: int) -> dict[str, int]:
    """Call activity -> distinct instances of `definition_id` waiting somewhere inside what it calls."""
    if not session.scalar(select(ProcessDefinition.calls).where(ProcessDefinition.id == definition_id)):
        return {}
    open_tasks = (select(HumanTask.instance_id, HumanTask.element_id).where(HumanTask.state == "open"))
    waiting_timers = (select(Timer.instance_id, Timer.element_id).where(Timer.state.in_(WAITING_TIMERS)))
    waiting = open_tasks.union(waiting_timers).subquery()
    rows = session.execute(
        select(waiting.c.instance_id, waiting.c.element_id, ProcessInstance.called_definitions)
        .join(ProcessInstance, ProcessInstance.id == waiting.c.instance_id)
        .where(ProcessInstance.definition_id == definition_id)).all()
    by_version: dict[str, dict[str, str]] = {}
    instances: dict[str, set[int]] = {}
    for instance_id, element, called in rows:
        version = json.dumps(called or {}, sort_keys=True)
        if version not in by_version:
            by_version[version] = call_stages(session, definition_id, called or {})
        stage = by_version[version].get(element)
        if stage is not None:
            instances.setdefault(stage, set()).add(instance_id)
    return {stage: len(ids) for stage, ids in instances.items()}


def definition_source(session: Session, definition_id: int) -> str:
    """The BPMN XML a process version was deployed from."""
    row = session.execute(select(DeploymentFile.content).join(
        ProcessDefinition, ProcessDefinition.bpmn_file_id == DeploymentFile.id)
        .where(ProcessDefinition.id == definition_id)).first()
    if row is None:
        raise ProcessNotFound(f"no process definition #{definition_id}")
    return row.content


def instance_source(session: Session, instance_id: int) -> str:
    definition_id = session.scalar(select(ProcessInstance.definition_id).where(ProcessInstance.id == instance_id))
    if definition_id is None:
        raise InstanceNotFound(f"no instance #{instance_id}")
    return definition_source(session, definition_id)


def called_source(session: Session, instance_id: int, process_id: str) -> str:
    """The BPMN XML of a process an instance calls (the `calledElement` of one of its call activities),
    in the version the instance runs: what a viewer opens to show a stage's insides."""
    called = session.scalar(select(ProcessInstance.called_definitions).where(ProcessInstance.id == instance_id))
    if called is None:
        raise InstanceNotFound(f"no instance #{instance_id}")
    if process_id not in called:
        raise ProcessNotFound(f"instance #{instance_id} calls no process {process_id!r}")
    return definition_source(session, called[process_id])


def element_source(session: Session, instance_id: int, element_id: str) -> str:
    """The BPMN XML that draws `element_id` for an instance: its own diagram, or that of the process it
    calls (in the version it runs) the element belongs to, e.g. for a task page to show its task."""
    row = session.execute(select(ProcessInstance.definition_id, ProcessInstance.called_definitions)
                          .where(ProcessInstance.id == instance_id)).first()
    if row is None:
        raise InstanceNotFound(f"no instance #{instance_id}")
    inside = _called_elements(session, row.definition_id, row.called_definitions or {}).get(element_id)
    return definition_source(session, row.called_definitions[inside[1]] if inside else row.definition_id)


def has_layout(xml: str) -> bool:
    """Whether the diagram carries BPMN DI shapes (without them a viewer has nothing to draw)."""
    return "BPMNDiagram" in xml and "BPMNShape" in xml
