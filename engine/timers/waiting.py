"""Which BPMN timers of a workflow are pending (waiting, or due and not yet run), and when each is due."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition, TimeDateEventDefinition,
                                                               TimerEventDefinition)
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState


@dataclass(frozen=True)
class WaitingTimer:
    task_id: str
    element_id: str
    due_at: datetime

    @property
    def key(self) -> tuple[str, datetime]:
        return self.task_id, self.due_at


def _due(definition: TimerEventDefinition, value) -> datetime | None:
    if value is None:
        return None
    if isinstance(definition, CycleTimerEventDefinition):
        if value.get("cycles", 0) == 0:
            return None
        moment = datetime.fromisoformat(value["next"])
    elif isinstance(definition, TimeDateEventDefinition):
        moment = TimerEventDefinition.parse_time_or_duration(value)
    else:
        moment = TimerEventDefinition.get_datetime(value)
    return datetime.fromisoformat(moment.astimezone(timezone.utc).isoformat())  # a plain, exact UTC datetime


def _timer_of(definition) -> TimerEventDefinition | None:
    """The timer a task waits for; an event-based gateway waits for its branches' events together."""
    if isinstance(definition, TimerEventDefinition):
        return definition
    if isinstance(definition, MultipleEventDefinition):
        return next((d for d in definition.event_definitions if isinstance(d, TimerEventDefinition)), None)
    return None


def waiting_timer(task: Task) -> WaitingTimer | None:
    """The timer a WAITING or READY task waits for, if it waits for one with a due time."""
    definition = _timer_of(getattr(task.task_spec, "event_definition", None))
    if definition is None:
        return None
    due = _due(definition, task.internal_data.get("event_value"))
    if due is None:
        return None
    return WaitingTimer(str(task.id), task.task_spec.bpmn_id or task.task_spec.name, due)


def waiting_timers(workflow: BpmnWorkflow) -> dict[tuple[str, datetime], WaitingTimer]:
    timers = {}
    for task in workflow.get_tasks(state=TaskState.WAITING | TaskState.READY):
        timer = waiting_timer(task)
        if timer is not None:
            timers[timer.key] = timer
    return timers
