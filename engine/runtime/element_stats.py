"""Per-element read-models for diagrams: where one instance stands, and how many instances passed or
wait at each element of a process version (the dashboard heatmap). Also the diagram source itself.

"Passed" comes from the audit log's `element.completed` events, "waiting" from open human tasks and
waiting timers; an element is overdue while its open task is past due or an open SLA ending at it
(or bound to its task) is breached.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

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
    if session.get(ProcessInstance, instance_id) is None:
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
    elements = set(passed) | set(waiting_tasks) | set(waiting_timers)
    return {element: ElementHeat(passed.get(element, 0),
                                 waiting_tasks.get(element, 0) + waiting_timers.get(element, 0))
            for element in sorted(elements)}


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


def has_layout(xml: str) -> bool:
    """Whether the diagram carries BPMN DI shapes (without them a viewer has nothing to draw)."""
    return "BPMNDiagram" in xml and "BPMNShape" in xml
