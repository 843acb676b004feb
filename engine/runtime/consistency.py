"""The instance invariant, checked and mended (`sqflow check [--repair]`).

An instance is `completed` exactly when its workflow is, and an `active` instance always waits on
something: an open human task, a timer, a message or signal, or a running sub-process. What breaks
it is listed as a `Finding`; those whose workflow has in truth ended (every path reached an end
event, and only event sub-processes that were never triggered still listen) are mended by
closing them, each recorded in the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from ..persistence.tables import HumanTask, ProcessInstance
from .instance_store import InstanceRow
from .journal import Journal
from .projection import Snapshot
from .stepping import StepRecord

if TYPE_CHECKING:
    from .instances import InstanceService

INSTANCES = ProcessInstance.__table__
TASKS = HumanTask.__table__

ENDED_BUT_ACTIVE = "ended_but_active"
WAITS_ON_NOTHING = "waits_on_nothing"
COMPLETED_NOT_ENDED = "completed_not_ended"
OPEN_TASKS_ON_CLOSED = "open_tasks_on_closed_case"

_ADVICE = {
    ENDED_BUT_ACTIVE: "every path reached its end; --repair closes it as completed",
    WAITS_ON_NOTHING: "nothing can move it on: retry it after fixing the cause, or terminate it",
    COMPLETED_NOT_ENDED: "marked completed while its workflow still runs: look at its history before acting",
    OPEN_TASKS_ON_CLOSED: "the case is closed but tasks are still open in inboxes; --repair cancels them",
}
REPAIRABLE = frozenset({ENDED_BUT_ACTIVE, OPEN_TASKS_ON_CLOSED})


@dataclass(frozen=True)
class Finding:
    instance_id: int
    process_id: str
    business_key: str | None
    state: str
    problem: str
    detail: str

    @property
    def repairable(self) -> bool:
        return self.problem in REPAIRABLE

    @property
    def advice(self) -> str:
        return _ADVICE[self.problem]


def _untriggered_event_subprocess(task: Task) -> bool:
    """An event sub-process whose start event still only listens (it never began its work)."""
    triggers = getattr(task.workflow.spec.start, "trigger_specs", ())
    if task.task_spec.name not in triggers or getattr(task, "triggered", False):
        return False
    subprocess = task.workflow.top_workflow.subprocesses.get(task.id)
    if subprocess is None:
        return True
    busy = [t for t in subprocess.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)
            if not (t.state == TaskState.WAITING and t.parent is not None and t.parent.task_spec.name == "Start")]
    return not busy


def _idle_listeners(workflow: BpmnWorkflow) -> list[Task] | None:
    """The untriggered event sub-processes that alone keep a finished workflow open, or None when
    the workflow's own paths have not all ended."""
    unfinished = workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK, skip_subprocesses=True)
    if not any(isinstance(t.task_spec, _EndJoin) and t.state == TaskState.WAITING for t in unfinished):
        return None
    listeners, others = [], []
    for task in unfinished:
        if isinstance(task.task_spec, _EndJoin) or task.task_spec.name == "End":
            continue
        (listeners if _untriggered_event_subprocess(task) else others).append(task)
    return None if others else listeners


def _waits_on_something(workflow: BpmnWorkflow) -> bool:
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED):
        if task.state == TaskState.READY:
            return True  # a human task, or an engine task the next step runs
        if task.state == TaskState.WAITING and isinstance(task.task_spec, CatchingEvent):
            return True
    return False


class ConsistencyCheck:
    """Finds instances that break the invariant and mends those that can be mended."""

    def __init__(self, instances: "InstanceService"):
        self._instances = instances

    def find(self, session: Session, instance_ids: list[int] | None = None) -> list[Finding]:
        findings: list[Finding] = []
        for row in self._rows(session, ("active", "completed"), instance_ids):
            instance = InstanceRow.of(row)
            workflow = self._instances.load_workflow(session, instance)
            findings.extend(self._examine(instance, workflow))
        closed_with_tasks = session.execute(
            select(INSTANCES.c.id, INSTANCES.c.process_id, INSTANCES.c.business_key, INSTANCES.c.state)
            .where(INSTANCES.c.state.in_(("completed", "terminated")),
                   INSTANCES.c.id.in_(select(TASKS.c.instance_id).where(TASKS.c.state == "open")))
            .order_by(INSTANCES.c.id)).all()
        for row in closed_with_tasks:
            if instance_ids is None or row.id in instance_ids:
                findings.append(Finding(row.id, row.process_id, row.business_key, row.state, OPEN_TASKS_ON_CLOSED,
                                        "open human tasks remain"))
        return sorted(findings, key=lambda f: (f.instance_id, f.problem))

    @staticmethod
    def _examine(instance: InstanceRow, workflow: BpmnWorkflow) -> Iterator[Finding]:
        def finding(problem: str, detail: str) -> Finding:
            return Finding(instance.id, instance.process_id, instance.business_key, instance.state, problem, detail)

        if instance.state == "completed":
            if not workflow.is_completed():
                yield finding(COMPLETED_NOT_ENDED, "the workflow has not reached its end")
            return
        if workflow.is_completed():
            yield finding(ENDED_BUT_ACTIVE, "the workflow has completed")
            return
        listeners = _idle_listeners(workflow)
        if listeners is not None:
            names = ", ".join(sorted(t.task_spec.bpmn_id or t.task_spec.name for t in listeners))
            yield finding(ENDED_BUT_ACTIVE, f"every path reached its end; only untriggered event sub-processes "
                                            f"({names}) kept it open")
        elif not _waits_on_something(workflow):
            yield finding(WAITS_ON_NOTHING, "no open task, timer, message, signal or running sub-process")

    def repair(self, session: Session, finding: Finding, *, by: str) -> bool:
        """Mend one repairable finding (re-checked first); True when it was mended."""
        if finding.problem == OPEN_TASKS_ON_CLOSED:
            open_ids = list(session.scalars(select(TASKS.c.id).where(
                TASKS.c.instance_id == finding.instance_id, TASKS.c.state == "open")))
            self._instances.cancel_human_tasks(session, open_ids)
            Journal(session, finding.instance_id, self._instances.now()).add(
                by, "instance.repaired", details={"problem": finding.problem, "cancelled_tasks": open_ids}).flush()
            return bool(open_ids)
        if finding.problem != ENDED_BUT_ACTIVE:
            return False
        instance = InstanceRow.of(self._instances.instance_row(session, finding.instance_id))
        if instance.state != "active":
            return False
        workflow = self._instances.load_workflow(session, instance)
        before = Snapshot.of(workflow)
        listeners = [] if workflow.is_completed() else _idle_listeners(workflow)
        if listeners is None:
            return False
        for task in listeners:
            task.cancel()
        for join in workflow.get_tasks(state=TaskState.WAITING, skip_subprocesses=True):
            if isinstance(join.task_spec, _EndJoin):
                join.task_spec._update(join)  # nothing else tells the waiting end join its listeners are gone
        workflow.do_engine_steps()
        if not workflow.is_completed():
            return False
        journal = Journal(session, instance.id, self._instances.now())
        journal.add(by, "instance.repaired", details={
            "problem": finding.problem, "detail": finding.detail,
            "cancelled": sorted(t.task_spec.bpmn_id or t.task_spec.name for t in listeners)})
        self._instances.save_repaired(session, instance, workflow, before, StepRecord(), journal)
        return True

    @staticmethod
    def _rows(session: Session, states: tuple[str, ...], instance_ids: list[int] | None, batch: int = 200):
        last = 0
        while True:
            query = (select(INSTANCES).where(INSTANCES.c.state.in_(states), INSTANCES.c.id > last)
                     .order_by(INSTANCES.c.id).limit(batch))
            if instance_ids is not None:
                query = query.where(INSTANCES.c.id.in_(instance_ids))
            rows = session.connection().execute(query).all()
            if not rows:
                return
            yield from rows
            last = rows[-1].id
