"""Keeping the human-task and timer tables in step with the workflow, by diffing before and after a step.

The tables are written in the same transaction as the workflow state, so what was open before a
step is exactly what the workflow had waiting; no query is needed to find it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..persistence.tables import UserAccount
from ..sla.tracker import SlaTracker, StepFacts
from ..timers.store import TimerStore
from ..timers.waiting import WaitingTimer, waiting_timer
from .instance_store import InstanceStore
from .journal import Journal
from .step_writes import TASKS, StepWrites
from .stepping import StepRecord
from .views import TaskView

if TYPE_CHECKING:
    from ..notifications import Notifier

USERS = UserAccount.__table__


def candidate_group(task: Task) -> str | None:
    """The group whose inbox gets a task: its lane's name, or for a lane named `=expression`
    (e.g. `=department`) the value of that expression on the task's data."""
    lane = task.task_spec.lane
    if not lane or not lane.startswith("="):
        return lane
    return _evaluated(task, lane[1:])


def assignee(task: Task) -> str | None:
    """Who owns a task from the start: the task's `assignee` property, an expression on its data
    (e.g. `received_by`, so the first responder keeps their case, R-FR-01)."""
    expression = (getattr(task.task_spec, "extensions", None) or {}).get("properties", {}).get("assignee")
    return _evaluated(task, expression) if expression else None


def _evaluated(task: Task, expression: str) -> str | None:
    try:
        value = task.workflow.script_engine.evaluate(task, expression)
    except Exception:  # an unset variable leaves the task to its group (or, without one, to managers)
        return None
    return str(value) if value not in (None, "") else None


@dataclass
class Snapshot:
    """What an instance had waiting: open human tasks (id -> element id) and timers."""

    tasks: dict[str, str] = field(default_factory=dict)
    timers: dict[tuple[str, datetime], WaitingTimer] = field(default_factory=dict)
    ready: dict[str, Task] = field(default_factory=dict, repr=False, compare=False)  # the open human tasks

    @classmethod
    def of(cls, workflow: BpmnWorkflow) -> "Snapshot":
        """Read in one walk of the task tree (a step reads it before and after)."""
        snapshot = cls()
        for task in workflow.get_tasks(state=TaskState.WAITING | TaskState.READY):
            spec = task.task_spec
            if task.state == TaskState.READY and spec.manual:
                task_id = str(task.id)
                snapshot.tasks[task_id] = spec.bpmn_id or spec.name
                snapshot.ready[task_id] = task
            timer = waiting_timer(task)
            if timer is not None:
                snapshot.timers[timer.key] = timer
        return snapshot


@dataclass(frozen=True)
class NewTask:
    """What an `Assigner` knows of a task being created."""

    process_id: str
    instance_id: int
    element_id: str
    candidate_group: str | None
    data: dict
    completed_now: Mapping[str, str] = field(default_factory=dict)  # element id -> who completed it in this step


# A process's own rule for who gets a new task (e.g. the one who signed for the case); None: no one.
Assigner = Callable[[Session, NewTask], "str | None"]


class Projection:
    def __init__(self, instances: InstanceStore, timers: TimerStore, slas: SlaTracker,
                 notifier: "Notifier | None" = None, assigners: Sequence[Assigner] = ()):
        self._instances = instances
        self._timers = timers
        self._slas = slas
        self.notifier = notifier
        self._assigners = tuple(assigners)

    def write(self, session: Session, instance: "StepInstance", before: Snapshot, workflow: BpmnWorkflow,
              record: StepRecord, journal: Journal, writes: StepWrites, actor: str = "engine",
              marked: tuple[str, datetime] | None = None) -> "Written":
        """Record the step's effect on tasks, timers and SLAs (`actor` is who fired timers; `marked` the
        timer the save marks fired itself). Rows to insert go to `writes`, saved with the instance; what
        only changes existing rows is written now."""
        instance_id = instance.id
        now = journal.at
        after = Snapshot.of(workflow)
        ready = after.ready
        gone = sorted(set(before.tasks) - set(ready))
        self._instances.cancel_tasks(session, gone)
        for task_id in gone:
            journal.add("engine", "task.cancelled", task_id=task_id, element_id=before.tasks[task_id])
        new_rows = []
        for task_id, task in ready.items():
            if task_id not in before.tasks:
                spec = task.task_spec
                new_rows.append(dict(
                    id=task_id, instance_id=instance_id, process_id=instance.process_id,
                    element_id=spec.bpmn_id or spec.name,
                    name=spec.bpmn_name or spec.bpmn_id or spec.name, lane=spec.lane,
                    candidate_group=candidate_group(task),
                    assignee=assignee(task), state="open", created_at=now, due_at=None, completed_at=None, completed_by=None))
                row = new_rows[-1]
                if row["assignee"] is None and self._assigners:
                    row["assignee"] = self._assigned(session, NewTask(
                        instance.process_id, instance_id, row["element_id"], row["candidate_group"], instance.data,
                        instance.completed_now))
        unknown = self._not_people(session, {row["assignee"] for row in new_rows if row["assignee"]})
        for row in new_rows:
            details = {"lane": row["lane"]}
            if row["assignee"] in unknown:  # never a task for no one: it stays with its group
                details["assignee_not_found"], row["assignee"] = row["assignee"], None
            elif row["assignee"]:
                details["assignee"] = row["assignee"]
            journal.add("engine", "task.created", task_id=row["id"], element_id=row["element_id"], details=details)
        self._slas.on_step(session, instance_id, StepFacts(
            process_id=instance.process_id, data=instance.data, created=new_rows,
            completed_elements={run.element_id for run in record.runs}, cancelled_tasks=set(gone),
            starting=instance.starting, final=instance.final), journal, writes)
        writes.add(TASKS, new_rows)
        if self.notifier and new_rows:
            self.notifier.tasks_created(session, instance_id, new_rows, now, case=instance.business_key,
                                        writes=writes)
        fired = self._write_timers(session, instance_id, before, after, record, journal, writes, actor, marked)
        new_tasks = [TaskView(**{k: row[k] for k in TaskView.__dataclass_fields__}) for row in new_rows]
        return Written(new_tasks, bool(set(before.tasks) & set(ready)), fired)

    @staticmethod
    def _not_people(session: Session, logins: set[str]) -> set[str]:
        """Which of `logins` are no active person's (a display name typed by hand, someone who left)."""
        if not logins:
            return set()
        active = session.connection().execute(select(USERS.c.login).where(
            USERS.c.login.in_(sorted(logins)), USERS.c.active.is_(True))).scalars()
        return logins - set(active)

    def _assigned(self, session: Session, task: NewTask) -> str | None:
        for assigner in self._assigners:
            who = assigner(session, task)
            if who:
                return who
        return None

    def _write_timers(self, session: Session, instance_id: int, before: Snapshot, now_waiting: Snapshot,
                      record: StepRecord, journal: Journal, writes: StepWrites, actor: str,
                      marked: tuple[str, datetime] | None) -> int:
        after = now_waiting.timers
        ran = {run.task_id for run in record.runs}
        still_waiting = {task_id for task_id, _ in after}
        closed = []
        for key in sorted(set(before.timers) - set(after), key=lambda k: (k[1], k[0])):
            timer = before.timers[key]
            # Ran when due (at an event-based gateway the task also runs when another event wins),
            # or a cycle that re-armed the same task.
            fired = (timer.task_id in ran and timer.due_at <= journal.at) or timer.task_id in still_waiting
            closed.append((timer, "fired" if fired else "cancelled"))
            details = {"due_at": timer.due_at.isoformat()}
            if fired:
                details["late_ms"] = int((journal.at - timer.due_at).total_seconds() * 1000)
            journal.add(actor, "timer.fired" if fired else "timer.cancelled", task_id=timer.task_id,
                        element_id=timer.element_id, details=details)
        self._timers.close(session, instance_id, [(t, state) for t, state in closed if t.key != marked], journal.at)
        added = [after[key] for key in sorted(set(after) - set(before.timers), key=lambda k: (k[1], k[0]))]
        self._timers.add(session, instance_id, added, journal.at, writes)
        for timer in added:
            journal.add("engine", "timer.waiting", task_id=timer.task_id, element_id=timer.element_id,
                        details={"due_at": timer.due_at.isoformat()})
        return sum(state == "fired" for _, state in closed)


@dataclass(frozen=True)
class StepInstance:
    id: int
    process_id: str
    business_key: str | None
    data: dict
    starting: bool
    final: bool
    completed_now: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Written:
    new_tasks: list[TaskView]
    others_open: bool  # tasks open before the step still are: the open tasks are read after the save
    timers_fired: int
