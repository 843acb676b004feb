"""Processes that start themselves: a timer on a process's start event (date, duration or cycle).

SpiffWorkflow lets a started instance pass a timer start event at once, so starting on time is
sqflow's job. Deploying a version with a timer start event plans its first start (a date: then;
a duration: that long after deployment; a cycle `R3/PT1H` or `R/2027-01-01T09:00+08:00/P1Y`: at
its first occurrence, then every interval for the given number of cycles, or forever). A new
version replaces the plan of the older one. The worker claims due plans like timers.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition, DurationTimerEventDefinition,
                                                               TimerEventDefinition)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState

from ..clock import Clock
from ..errors import ConflictError, DefinitionError, DefinitionProblem
from ..persistence.tables import StartTimer
from ..runtime.spiff_time import step_clock
from ..scripting import SandboxEnvironment
from .leases import Claim

STARTS = StartTimer.__table__
_CLAIM = Claim(STARTS, open_=STARTS.c.state == "waiting", due=lambda now: STARTS.c.due_at < now,
               order_by=[STARTS.c.due_at, STARTS.c.id])
NEXT_DUE = select(STARTS.c.due_at).where(STARTS.c.state == "waiting").order_by(STARTS.c.due_at).limit(1)


def _first_start(definition: TimerEventDefinition, value: str, now: datetime) -> tuple[datetime, int, float | None]:
    """(first start, cycles (-1 = forever), interval in seconds) of a timer start event."""
    if isinstance(definition, CycleTimerEventDefinition):
        cycles, start, interval = TimerEventDefinition.parse_iso_recurring_interval(value)
        return start, cycles, interval.total_seconds()
    if isinstance(definition, DurationTimerEventDefinition):
        delta = TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(value), now)
        return now + delta, 1, None
    return TimerEventDefinition.parse_time_or_duration(value), 1, None


def pass_start_timer(workflow: BpmnWorkflow, element_id: str, now: datetime) -> None:
    """An instance started by its plan passes its timer start event at once (it is the plan's due time)."""
    past = (now - timedelta(seconds=1)).isoformat()
    for task in workflow.get_tasks(spec_name=element_id, state=TaskState.ANY_MASK):
        if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
            task.internal_data["event_value"] = {"cycles": 1, "next": past, "duration": 1.0}
        else:
            task.internal_data["event_value"] = past


class StartSchedules:
    def __init__(self, clock: Clock, environment: SandboxEnvironment):
        self._clock = clock
        self._environment = environment

    def on_deploy(self, session: Session, definition_id: int, process_id: str, spec: BpmnProcessSpec,
                  file_name: str) -> int:
        """Replace the process's start plans by those of the new version; returns how many it has."""
        now = self._clock.now()
        connection = session.connection()
        connection.execute(update(STARTS).where(STARTS.c.process_id == process_id, STARTS.c.state == "waiting")
                           .values(state="replaced", claimed_by=None, lease_until=None))
        rows = []
        for task_spec in spec.task_specs.values():
            event = getattr(task_spec, "event_definition", None)
            if not isinstance(task_spec, StartEvent) or not isinstance(event, TimerEventDefinition):
                continue
            try:
                with step_clock(self._clock):
                    value = self._environment.evaluate(event.expression, {})
                    first, cycles, interval = _first_start(event, value, now)
            except Exception as exc:  # any bad expression or ISO 8601 value refuses the deployment
                raise DefinitionError(DefinitionProblem(
                    file_name, f"timer start {event.expression!r} is not a date, duration or cycle: {exc}",
                    element_id=task_spec.bpmn_id)) from None
            rows.append(dict(process_id=process_id, definition_id=definition_id, element_id=task_spec.bpmn_id,
                             expression=event.expression, due_at=first, cycles_left=cycles,
                             interval_seconds=interval, state="waiting", created_at=now, started_count=0,
                             claimed_by=None, lease_until=None))
        if rows:
            connection.execute(insert(STARTS), rows)
        return len(rows)

    def claim(self, session: Session, worker: str, now: datetime, lease: timedelta, limit: int):
        return _CLAIM(session, worker, now, lease, limit)

    def advance(self, session: Session, row, worker: str) -> None:
        """After a start: plan the next cycle, or close the plan."""
        if row.cycles_left == 1 or not row.interval_seconds:
            changes = {"state": "done", "cycles_left": 0}
        else:
            changes = {"due_at": row.due_at + timedelta(seconds=row.interval_seconds),
                       "cycles_left": row.cycles_left - 1 if row.cycles_left > 0 else -1}
        result = session.connection().execute(
            update(STARTS).where(and_(STARTS.c.id == row.id, STARTS.c.state == "waiting",
                                      STARTS.c.claimed_by == worker))
            .values(started_count=row.started_count + 1, claimed_by=None, lease_until=None, **changes))
        if result.rowcount != 1:
            raise ConflictError(f"start plan #{row.id} is no longer held by {worker}")
