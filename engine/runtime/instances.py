"""Process instances: start, complete user tasks, suspend, resume, terminate, retry.

Each operation runs inside the caller's transaction. The instance row carries a revision that
every UPDATE checks (optimistic locking, see `instance_store`), so when two writers race on one
instance the second gets `ConflictError` and its transaction is rolled back whole.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Sequence
from uuid import UUID

from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from ..clock import Clock
from ..definitions.forms import check_form_data
from ..definitions.repository import DefinitionRepository, DeployedVersion
from ..errors import ConflictError, InstanceNotActive, InvalidInputError, RunLimitExceeded, TaskNotOpen
from ..limits import RunLimits
from ..persistence.database import step_reads
from ..scripting import check_data_size
from ..sla.tracker import SlaTracker
from ..timers.store import TimerStore
from .case_data import current_task
from .case_numbers import next_case_key
from .codec import STATE_FORMAT, StateCodec
from .failures import rerun_failed
from .inputs import require_object
from .instance_store import InstanceRow, InstanceStore, conflict
from .journal import AUDIT_LOG, Journal
from .outside_events import OutsideEvents
from .projection import Assigner, Projection, Snapshot, StepInstance, Written
from .reactions import StepEffects, StepReaction, StepSeen, run_reactions
from .queries import history
from .step_writes import StepWrites, Taken, save_step, task_done
from .stepping import StepRecord, json_safe, run_guarded
from .views import InstanceView, TaskView
from .workflow_cache import WorkflowCache

FINAL_STATES = ("completed", "terminated")

if TYPE_CHECKING:
    from ..notifications import Notifier
    from ..settings import Settings


class InstanceService(OutsideEvents):
    def __init__(self, definitions: DefinitionRepository, codec: StateCodec, clock: Clock,
                 script_engine: PythonScriptEngine, slas: SlaTracker, cache_size: int = 256,
                 notifier: "Notifier | None" = None, assigners: Sequence[Assigner] = (),
                 listeners: Sequence["TaskListener"] = (), limits: RunLimits | None = None,
                 person_fields: "PersonFieldCheck | None" = None, reactions: Sequence[StepReaction] = (),
                 settings: "Settings | None" = None):
        self._definitions = definitions
        self._codec = codec
        self._clock = clock
        self._script_engine = script_engine
        self._limits = limits or RunLimits()
        self._person_fields = person_fields
        self._cache = WorkflowCache(cache_size)
        self._store = InstanceStore()
        self._timers = TimerStore()
        self.slas = slas
        self._projection = Projection(self._store, self._timers, slas, notifier, assigners)
        self._notifier = notifier
        self._listeners = tuple(listeners)
        self._reactions = tuple(reactions)
        self._settings = settings
        # process id -> how its cases are numbered when the starter gives no key, e.g. "TS-{year}-"
        self.case_keys: dict[str, str] = {}

    # --- operations -------------------------------------------------------------------------

    def start(self, session: Session, process_id: str, *, started_by: str, data: dict | None = None,
              business_key: str | None = None) -> InstanceView:
        data = self._input(data)
        with step_reads(session) as reads:
            definition = self._definitions.newest(reads, process_id)
            called = self._definitions.resolve_calls(reads, definition)
            specs = self._definitions.specs_of(reads, definition.id)
            subprocess_specs = self._definitions.subprocess_specs_of(reads, specs, called)
        if not business_key and process_id in self.case_keys:
            business_key = self._next_case_key(session, self.case_keys[process_id])
        return self._start(session, definition, specs.spec, called, subprocess_specs, started_by, data,
                           business_key, {})

    def _next_case_key(self, session: Session, template: str) -> str:
        zone = self._settings.zone() if self._settings is not None else None
        return next_case_key(session, template.format(year=self._clock.now().astimezone(zone).year))

    def _start(self, session: Session, definition: DeployedVersion, spec: BpmnProcessSpec, called: dict[str, int],
               subprocess_specs: dict, started_by: str, data: dict, business_key: str | None, details: dict,
               prepare: Callable[[BpmnWorkflow], None] | None = None) -> InstanceView:
        process_id = definition.process_id
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self._script_engine)
        workflow.task_tree.data.update(data)
        if prepare is not None:
            prepare(workflow)
        now = self._clock.now()
        values = dict(definition_id=definition.id, process_id=process_id, version=definition.version,
                      business_key=business_key, state="active", started_by=started_by, started_at=now,
                      ended_at=None, updated_at=now, serializer_version=STATE_FORMAT, workflow_state="",
                      called_definitions=called, error_task=None, error_message=None, attributes={})
        instance = InstanceRow(id=None, revision=0, **values)  # inserted with its first state by `_save`
        journal = Journal(session, None, now)
        journal.add(started_by, "instance.started", details={
            "process_id": process_id, "version": definition.version, "business_key": business_key,
            "data": json_safe(data), **details})
        record = run_guarded(workflow, lambda did_complete: None, self._clock, self._limits)
        if business_key:  # checked where the save holds the write lock: two starts cannot both pass
            clash = self._store.open_instance_with_key(session, process_id, business_key, FINAL_STATES)
            if clash is not None:
                raise ConflictError(f"instance #{clash} of {process_id} with key {business_key!r} is still open")
        return self._save(session, instance, workflow, Snapshot(), record, journal, starting=True).view

    def complete_task(self, session: Session, task_ref: str, *, by: str, data: dict | None = None,
                      check: Callable[[TaskView], None] | None = None) -> InstanceView:
        """Complete an open human task with `data` (checked against its form); `check` may refuse the
        task first (raising), e.g. for who is asking."""
        data = self._input(data)
        with step_reads(session) as reads:
            human, instance = self._store.human_task_and_instance(reads, task_ref)
            if check is not None:
                check(TaskView.of(human))
            if human.state != "open":
                when = (f" by {human.completed_by} at {human.completed_at:%Y-%m-%d %H:%M} UTC"
                        if human.completed_by else "")
                raise TaskNotOpen(f"task {human.id} ({human.name}) is {human.state}{when}")
            self._require_state(instance, "active", f"complete task {human.id}")
            form = self._definitions.form_of(reads, instance.definition_id, instance.called_definitions,
                                             human.element_id)
            if form is not None:
                if self._person_fields is not None:
                    data = self._person_fields(reads, human.name, form, data, by)
                check_form_data(human.name, form, data)
            workflow = self._load(reads, instance)
        task = workflow.get_task_from_id(UUID(human.id))
        if task is None or task.state != TaskState.READY:
            raise TaskNotOpen(f"task {human.id} ({human.name}) is no longer waiting for input")
        before = Snapshot.of(workflow)
        now = self._clock.now()

        def complete(did_complete: Callable[[Task], None]) -> None:
            task.set_data(**data)
            task.run()
            did_complete(task)

        record = run_guarded(workflow, complete, self._clock, self._limits)
        journal = Journal(session, instance.id, now)
        journal.add(by, "task.completed", task_id=human.id, element_id=human.element_id,
                    details={"data": json_safe(data)})
        before.tasks.pop(human.id, None)
        view = self._save(session, instance, workflow, before, record, journal,
                          completed_now={human.element_id: by}, taken=task_done(human.id, human.name, by, now)).view
        if self._listeners and self._notifier is not None:
            done = CompletedTask(view.process_id, view.id, view.business_key, human.element_id, data,
                                 dict(workflow.data), by, now)
            for listener in self._listeners:
                listener(session, done, self._notifier)
        return view

    def suspend(self, session: Session, instance_id: int, *, by: str) -> InstanceView:
        instance = InstanceRow.of(self._store.instance(session, instance_id))
        self._require_state(instance, ("active", "error"), "suspend")
        return self._set_state(session, instance, "suspended", by, "instance.suspended", {"was": instance.state})

    def resume(self, session: Session, instance_id: int, *, by: str) -> InstanceView:
        instance = InstanceRow.of(self._store.instance(session, instance_id))
        self._require_state(instance, "suspended", "resume")
        previous = "error" if instance.error_message else "active"
        return self._set_state(session, instance, previous, by, "instance.resumed", {})

    def terminate(self, session: Session, instance_id: int, *, by: str, reason: str | None = None) -> InstanceView:
        instance = InstanceRow.of(self._store.instance(session, instance_id))
        if instance.state in FINAL_STATES:
            raise InstanceNotActive(f"instance #{instance.id} is already {instance.state}")
        workflow = self._load(session, instance)
        before = Snapshot.of(workflow)
        workflow.cancel()
        journal = Journal(session, instance.id, self._clock.now())
        journal.add(by, "instance.terminated", details={"reason": reason})
        return self._save(session, instance, workflow, before, StepRecord(), journal, final_state="terminated").view

    def retry(self, session: Session, instance_id: int, *, by: str, data: dict | None = None) -> InstanceView:
        data = self._input(data)
        with step_reads(session) as reads:
            instance = InstanceRow.of(self._store.instance(reads, instance_id))
            self._require_state(instance, "error", "retry")
            workflow = self._load(reads, instance)
        before = Snapshot.of(workflow)
        journal = Journal(session, instance.id, self._clock.now())
        journal.add(by, "instance.retried", element_id=instance.error_task,
                    details={"error": instance.error_message, "data": json_safe(data)})
        record = run_guarded(workflow, lambda did_complete: rerun_failed(workflow, data, did_complete),
                             self._clock, self._limits)
        self._timers.rearm(session, instance.id)  # a timer given up on (timer_incident) may fire again
        return self._save(session, instance, workflow, before, record, journal).view

    def pause_slas(self, session: Session, instance_id: int, *, by: str, reason: str | None = None) -> int:
        """Stop the clocks of an instance's running SLAs (e.g. while waiting for the customer)."""
        self._store.instance(session, instance_id)
        journal = Journal(session, instance_id, self._clock.now())
        count = self.slas.pause(session, instance_id, journal.add(by, "sla.pause", details={"reason": reason}),
                                reason)
        journal.flush()
        return count

    def resume_slas(self, session: Session, instance_id: int, *, by: str) -> int:
        """Restart paused SLA clocks; their due times move later by the time paused."""
        self._store.instance(session, instance_id)
        journal = Journal(session, instance_id, self._clock.now())
        count = self.slas.resume(session, instance_id, journal.add(by, "sla.resume"))
        journal.flush()
        return count

    # --- reading ----------------------------------------------------------------------------

    def task(self, session: Session, task_ref: str) -> TaskView:
        """A human task by id or unique prefix (6+ characters)."""
        return TaskView.of(self._store.human_task(session, task_ref))

    def workflow_data(self, session: Session, instance_id: int) -> dict:
        """The instance's current data (of the most recently completed task)."""
        return self._data(session, InstanceRow.of(self._store.instance(session, instance_id)))

    def detail(self, session: Session, instance_id: int) -> InstanceView:
        """Everything about one instance: open tasks, current data, full history."""
        instance = InstanceRow.of(self._store.instance(session, instance_id))
        return InstanceView.of(instance, self._store.open_tasks(session, instance_id),
                               self._data(session, instance), history(session, instance_id))

    def _data(self, session: Session, instance: "InstanceRow") -> dict:
        workflow = self._load(session, instance)
        data = dict(current_task(workflow).data)
        self._cache.put(instance.id, instance.workflow_state, workflow)
        return json_safe(data)

    def declared_starters(self, session: Session, process_id: str) -> list[str] | None:
        """Who the newest version of a process says may start it (None: not declared)."""
        return self._definitions.newest(session, process_id).starters

    # --- for the consistency check (engine.runtime.consistency) ------------------------------

    def instance_row(self, session: Session, instance_id: int):
        return self._store.instance(session, instance_id)

    def instance_rows(self, session: Session, instance_ids: set[int]) -> dict:
        """Instance rows by id, read in one query (for firing several timers at once)."""
        return self._store.instances(session, instance_ids)

    def load_workflow(self, session: Session, instance: "InstanceRow") -> BpmnWorkflow:
        """The instance's workflow, owned by the caller (taken out of the cache)."""
        return self._load(session, instance)

    def cancel_human_tasks(self, session: Session, task_ids: list[str]) -> None:
        self._store.cancel_tasks(session, task_ids)

    def now(self) -> datetime:
        return self._clock.now()

    def save_repaired(self, session: Session, instance: "InstanceRow", workflow: BpmnWorkflow, before: Snapshot,
                      record: StepRecord, journal: Journal) -> InstanceView:
        return self._save(session, instance, workflow, before, record, journal).view

    # --- internals --------------------------------------------------------------------------

    def _input(self, data: dict | None, what: str = "data") -> dict:
        """What a caller hands a step: a JSON object no larger than an instance may hold."""
        data = require_object(data, what)
        try:
            check_data_size(data, self._limits.data_bytes, f"the {what} sent")
        except RunLimitExceeded as exc:
            raise InvalidInputError(str(exc)) from None
        return data

    @staticmethod
    def _require_state(instance: "InstanceRow", allowed: str | tuple[str, ...], action: str) -> None:
        allowed = (allowed,) if isinstance(allowed, str) else allowed
        if instance.state not in allowed:
            hint = " (resume it first)" if instance.state == "suspended" else (
                " (fix the cause, then retry it)" if instance.state == "error" else "")
            raise InstanceNotActive(f"cannot {action}: instance #{instance.id} is {instance.state}{hint}")

    def _load(self, session: Session, instance: "InstanceRow") -> BpmnWorkflow:
        cached = self._cache.take(instance.id, instance.workflow_state)
        if cached is not None:
            return cached
        loaded = self._definitions.specs_of(session, instance.definition_id)
        workflow = self._codec.loads(
            instance.workflow_state, instance.serializer_version, loaded.spec,
            self._definitions.subprocess_specs_of(session, loaded, instance.called_definitions))
        workflow.script_engine = self._script_engine
        return workflow

    def _set_state(self, session: Session, instance: "InstanceRow", state: str, by: str, event: str,
                   details: dict) -> InstanceView:
        now = self._clock.now()
        instance.revision = self._store.save_state(session, instance.id, instance.revision, state, now)
        instance.state, instance.updated_at = state, now
        Journal(session, instance.id, now).add(by, event, details=details).flush()
        return InstanceView.of(instance, self._store.open_tasks(session, instance.id))

    def _save(self, session: Session, instance: "InstanceRow", workflow: BpmnWorkflow, before: Snapshot,
              record: StepRecord, journal: Journal, final_state: str | None = None,
              actor: str = "engine", starting: bool = False,
              completed_now: dict[str, str] | None = None, taken: Taken | None = None) -> "_Saved":
        """Persist a step; `before` is what the instance had waiting when the step began, `taken` the row
        it takes over (the person's task, the timer fired), refused if someone else took it first."""
        now = journal.at
        journal.element_runs(record.runs)
        changes: dict[str, Any] = {"error_task": None, "error_message": None, "ended_at": instance.ended_at}
        if final_state:
            changes.update(state=final_state, ended_at=now)
        elif record.failed:
            changes.update(state="error", error_task=record.error_element, error_message=record.error_message)
            journal.add("engine", "instance.error", element_id=record.error_element,
                        details={"message": record.error_message})
        elif workflow.is_completed():
            changes.update(state="completed", ended_at=now)
            journal.add("engine", "instance.completed")
        else:
            changes.update(state="active")
        data = current_task(workflow).data
        if self._reactions and not record.failed:
            self._react(session, instance, record, journal, data, completed_now or {})
        fields = self._definitions.report_fields(session, instance.definition_id)
        changes.update(workflow_state=self._codec.dumps(workflow), updated_at=now,
                       attributes=json_safe({name: data[name] for name in fields if name in data}))
        if starting:
            instance.update(changes)
            instance.id = journal.instance_id = self._store.insert_instance(
                session, {key: value for key, value in instance.items() if key not in ("id", "revision")})
        step = StepInstance(instance.id, instance.process_id, instance.business_key, data,
                            starting=starting, final=changes["state"] in FINAL_STATES,
                            completed_now=completed_now or {})
        writes = StepWrites()
        written = self._projection.write(session, step, before, workflow, record, journal, writes, actor,
                                         marked=taken.timer if taken is not None else None)
        writes.add(AUDIT_LOG, journal.take())
        # The revision check and the taking come first: the loser of a race inserts nothing.
        if not save_step(session.connection(), instance.id, None if starting else instance.revision, changes,
                         taken, writes):
            raise conflict(instance.id)
        if not starting:
            instance.update(changes)
        instance.revision = 1 if starting else instance.revision + 1
        self._cache.put(instance.id, instance.workflow_state, workflow)
        return _Saved(session, self._store, instance, written)

    def _react(self, session: Session, instance: "InstanceRow", record: StepRecord, journal: Journal, data: dict,
               completed_now: dict[str, str]) -> None:
        seen = StepSeen(instance.process_id, instance.id, instance.business_key, record.runs, completed_now, data,
                        journal.at)
        effects = StepEffects(journal, self._notifier, self._settings, self.start, self.complete_task)
        run_reactions(self._reactions, session, seen, effects)


@dataclass(frozen=True)
class CompletedTask:
    """What a `TaskListener` hears after a person completed a task (and the step was saved)."""

    process_id: str
    instance_id: int
    business_key: str | None
    element_id: str
    data: dict          # what the person submitted
    case: dict          # the instance's data after the step
    by: str
    at: datetime


# Checks a form's person fields and fills in its actor fields (engine.people.person_fields.PersonFields.apply).
PersonFieldCheck = Callable[[Session, str, dict, dict, str], dict]

# A process's reaction to a completed task, in the same transaction (e.g. telling someone of it).
TaskListener = Callable[[Session, CompletedTask, "Notifier"], None]


class _Saved:
    """A saved step: the timers it fired, and the instance as it is now (read only when asked for: the
    timer worker does not ask)."""

    def __init__(self, session: Session, store: InstanceStore, instance: InstanceRow, written: Written):
        self._session, self._store, self._instance, self._written = session, store, instance, written
        self.timers_fired = written.timers_fired

    @cached_property
    def view(self) -> InstanceView:
        written = self._written
        open_tasks = self._store.open_tasks(self._session, self._instance.id) if written.others_open else written.new_tasks
        return InstanceView.of(self._instance, open_tasks)
