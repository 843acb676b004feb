"""What reaches an instance from outside its own steps: due timers, planned starts, signals, messages.

A part of `InstanceService` (mixed in), kept apart so each module reads as one concern.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition, SignalEventDefinition

from ..errors import InstanceNotFound, InvalidInputError, SqflowError, StateError
from ..persistence.database import step_reads
from ..timers.start_schedules import pass_start_timer
from .case_data import refresh_event_subprocesses
from .instance_store import InstanceRow
from .journal import Journal
from .projection import Snapshot
from .step_writes import timer_fired
from .stepping import json_safe, run_guarded
from .views import InstanceView


class OutsideEvents:
    """Mixed into InstanceService, whose state (`_store`, `_timers`, `_clock`, `_load`, `_save`) it uses."""

    def start_on_schedule(self, session: Session, plan, *, worker: str) -> InstanceView:
        """Start the instance a timer start event planned (see timers.start_schedules)."""
        now = self._clock.now()
        with step_reads(session) as reads:
            definition = self._definitions.version_of(reads, plan.definition_id)
            called = self._definitions.resolve_calls(reads, definition)
            specs = self._definitions.specs_of(reads, definition.id)
            subprocess_specs = self._definitions.subprocess_specs_of(reads, specs, called)
        return self._start(session, definition, specs.spec, called, subprocess_specs, f"timer:{plan.element_id}",
                           {}, None,
                           {"schedule": plan.id, "worker": worker,
                            "late_ms": int((now - plan.due_at).total_seconds() * 1000)},
                           prepare=lambda workflow: pass_start_timer(workflow, plan.element_id, now))

    def fire_timer(self, session: Session, timer, *, worker: str, instance=None) -> int:
        """Fire a timer `worker` claimed; returns how many timers fired (all of the instance's due ones).
        `instance` is its instance's row when the caller read it already (for several timers at once).

        0 when the workflow no longer waits for it (already fired with another, or cancelled), or
        when the instance is not active (the claim is handed back; it fires after a resume).
        """
        with step_reads(session) as reads:
            instance = InstanceRow.of(instance if instance is not None else self._store.instance(reads, timer.instance_id))
            workflow = self._load(reads, instance) if instance.state == "active" else None
        if workflow is None:
            self._timers.release(session, worker, [timer.id])
            return 0
        before = Snapshot.of(workflow)
        if (timer.task_id, timer.due_at) not in before.timers:
            self._timers.drop_claim(session, timer.id, worker)
            return 0
        now = self._clock.now()
        record = run_guarded(workflow, lambda did_complete: workflow.refresh_timers(), self._clock, self._limits)
        if not record.failed and (timer.task_id, timer.due_at) in Snapshot.of(workflow).timers:
            raise SqflowError(f"timer #{timer.id} at {timer.element_id} did not fire at {now.isoformat()}")
        return self._save(session, instance, workflow, before, record, Journal(session, instance.id, now),
                          actor=worker, taken=timer_fired(timer.id, timer.task_id, timer.due_at, worker, now)).timers_fired

    def timer_incident(self, session: Session, timer, failures: int, *, worker: str) -> None:
        """A timer whose firing failed (or whose worker died) `failures` times: its instance goes to
        error with the cause, and the timer waits until the instance is retried."""
        cause = timer.last_error or "the worker firing it stopped before it finished (killed, or out of time)"
        message = (f"the timer {timer.element_id} failed {failures} times and was stopped: {cause}. "
                   "Fix the cause, then retry the instance")
        instance = InstanceRow.of(self._store.instance(session, timer.instance_id))
        self._timers.give_up(session, timer.id, worker)
        if instance.state != "active":
            return
        now = self._clock.now()
        self._store.save_step(session, instance.id, instance.revision, {
            "state": "error", "workflow_state": instance.workflow_state, "updated_at": now,
            "ended_at": instance.ended_at, "error_task": timer.element_id, "error_message": message,
            "attributes": instance.attributes})
        Journal(session, instance.id, now).add(worker, "instance.error", task_id=timer.task_id,
                                               element_id=timer.element_id,
                                               details={"message": message, "timer": timer.id}).flush()

    def send_signal(self, session: Session, instance_id: int, name: str, *, by: str) -> InstanceView | None:
        """Throw a BPMN signal into an active instance (e.g. an SLA escalation); None when it is not active."""
        def catch(workflow: BpmnWorkflow) -> None:
            refresh_event_subprocesses(workflow)
            workflow.catch(BpmnEvent(SignalEventDefinition(name)))

        return self.step_on_active(session, instance_id, by, "signal.received", {"signal": name}, catch)

    def step_on_active(self, session: Session, instance_id: int, by: str, event: str, details: dict,
                       act: Callable[[BpmnWorkflow], None]) -> InstanceView | None:
        """One recorded step of an active instance (`event` in its audit log), doing `act` to its workflow;
        None when the instance is no longer active."""
        with step_reads(session) as reads:
            instance = InstanceRow.of(self._store.instance(reads, instance_id))
            if instance.state != "active":
                return None
            workflow = self._load(reads, instance)
        before = Snapshot.of(workflow)
        journal = Journal(session, instance.id, self._clock.now())
        journal.add(by, event, details=details)
        record = run_guarded(workflow, lambda did_complete: act(workflow), self._clock, self._limits)
        return self._save(session, instance, workflow, before, record, journal).view

    def send_message(self, session: Session, business_key: str, message: str, *, by: str,
                     payload: dict | None = None, process_id: str | None = None) -> InstanceView:
        """Deliver a BPMN message to the open case with `business_key` (e.g. the customer calls again).

        Refused, with nothing changed, when no open case has the key, when several do (give the
        process), or when the case is not waiting for that message.
        """
        payload = self._input(payload, "payload")
        with step_reads(session) as reads:
            matches = self._store.active_with_key(reads, business_key, process_id)
            if not matches:
                raise InstanceNotFound(f"no open case has the key {business_key!r}")
            if len(matches) > 1:
                raise InvalidInputError(f"several open cases have the key {business_key!r} "
                                        f"({', '.join(sorted({m.process_id for m in matches}))}); name the process")
            instance = InstanceRow.of(self._store.instance(reads, matches[0].id))
            workflow = self._load(reads, instance)
        before = Snapshot.of(workflow)
        event = BpmnEvent(MessageEventDefinition(message), payload)
        refresh_event_subprocesses(workflow)
        caught: list[int] = []
        record = run_guarded(workflow, lambda did_complete: caught.append(
            workflow.event_manager.catch(event, internal=False)), self._clock, self._limits)
        if not record.failed and (not caught or not caught[0]):
            raise StateError(f"case #{instance.id} ({business_key}) is not waiting for the message {message!r}")
        journal = Journal(session, instance.id, self._clock.now())
        journal.add(by, "message.received", details={"message": message, "payload": json_safe(payload)})
        return self._save(session, instance, workflow, before, record, journal).view
