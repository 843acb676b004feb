"""Process instances: start, complete user tasks, suspend, resume, terminate, retry.

Each operation runs inside the caller's transaction and flushes at the end; the instance row
carries a revision that every UPDATE checks (optimistic locking), so when two writers race on
one instance the second gets `ConflictError` and its transaction is rolled back whole.
"""
from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager
from threading import Lock
from typing import Any, Callable, Iterator
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from ..clock import Clock
from ..definitions.repository import DefinitionRepository
from ..errors import ConflictError, InstanceNotActive, InstanceNotFound, InvalidInputError, TaskNotFound, TaskNotOpen
from ..persistence.tables import HumanTask, ProcessInstance
from .codec import STATE_FORMAT, StateCodec
from .journal import Journal
from .stepping import StepRecord, errored_tasks, json_safe, run_guarded
from .views import InstanceView, TaskView

FINAL_STATES = ("completed", "terminated")


def _require_object(data: Any, what: str = "data") -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInputError(f"{what} must be a JSON object, not {type(data).__name__}")
    return data


class _WorkflowCache:
    """Deserialized workflows of recently touched instances, valid only for the exact stored state."""

    def __init__(self, size: int):
        self._size = size
        self._items: OrderedDict[int, tuple[str, BpmnWorkflow]] = OrderedDict()
        self._lock = Lock()

    def take(self, instance_id: int, state: str) -> BpmnWorkflow | None:
        with self._lock:
            item = self._items.pop(instance_id, None)
        if item is not None and item[0] == state:
            return item[1]
        return None

    def put(self, instance_id: int, state: str, workflow: BpmnWorkflow) -> None:
        if self._size <= 0:
            return
        with self._lock:
            self._items[instance_id] = (state, workflow)
            self._items.move_to_end(instance_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class InstanceService:
    def __init__(self, definitions: DefinitionRepository, codec: StateCodec, clock: Clock,
                 script_engine: PythonScriptEngine, cache_size: int = 256):
        self._definitions = definitions
        self._codec = codec
        self._clock = clock
        self._script_engine = script_engine
        self._cache = _WorkflowCache(cache_size)

    # --- operations -------------------------------------------------------------------------

    def start(self, session: Session, process_id: str, *, started_by: str, data: dict | None = None,
              business_key: str | None = None) -> InstanceView:
        data = _require_object(data)
        definition = self._definitions.latest(session, process_id)
        if business_key:
            clash = session.scalars(select(ProcessInstance.id).where(
                ProcessInstance.process_id == process_id, ProcessInstance.business_key == business_key,
                ProcessInstance.state.not_in(FINAL_STATES))).first()
            if clash is not None:
                raise ConflictError(f"instance #{clash} of {process_id} with key {business_key!r} is still open")
        called = self._definitions.resolve_calls(session, definition)
        workflow = BpmnWorkflow(self._definitions.specs(definition).spec,
                                self._definitions.subprocess_specs(session, definition, called),
                                script_engine=self._script_engine)
        workflow.task_tree.data.update(data)
        now = self._clock.now()
        row = ProcessInstance(
            definition_id=definition.id, process_id=process_id, version=definition.version,
            business_key=business_key, state="active", started_by=started_by, started_at=now,
            updated_at=now, serializer_version=STATE_FORMAT, workflow_state="", called_definitions=called)
        session.add(row)
        session.flush()
        journal = Journal(session, row.id, now)
        journal.add(started_by, "instance.started", details={
            "process_id": process_id, "version": definition.version, "business_key": business_key,
            "data": json_safe(data)})
        record = run_guarded(workflow, lambda did_complete: None)
        return self._save(session, row, workflow, record, journal, started_by)

    def complete_task(self, session: Session, task_ref: str, *, by: str, data: dict | None = None) -> InstanceView:
        data = _require_object(data)
        human = self.resolve_task(session, task_ref)
        if human.state != "open":
            when = f" by {human.completed_by} at {human.completed_at:%Y-%m-%d %H:%M} UTC" if human.completed_by else ""
            raise TaskNotOpen(f"task {human.id} ({human.name}) is {human.state}{when}")
        row = self._instance(session, human.instance_id)
        self._require_state(row, "active", f"complete task {human.id}")
        workflow = self._load(session, row)
        task = workflow.get_task_from_id(UUID(human.id))
        if task is None or task.state != TaskState.READY:
            raise TaskNotOpen(f"task {human.id} ({human.name}) is no longer waiting for input")
        now = self._clock.now()
        journal = Journal(session, row.id, now)
        human.state, human.completed_at, human.completed_by = "completed", now, by
        journal.add(by, "task.completed", task_id=human.id, element_id=human.element_id,
                    details={"data": json_safe(data)})

        def complete(did_complete: Callable[[Task], None]) -> None:
            task.set_data(**data)
            task.run()
            did_complete(task)

        record = run_guarded(workflow, complete)
        return self._save(session, row, workflow, record, journal, by)

    def suspend(self, session: Session, instance_id: int, *, by: str) -> InstanceView:
        row = self._instance(session, instance_id)
        self._require_state(row, ("active", "error"), "suspend")
        return self._set_state(session, row, "suspended", by, {"was": row.state})

    def resume(self, session: Session, instance_id: int, *, by: str) -> InstanceView:
        row = self._instance(session, instance_id)
        self._require_state(row, "suspended", "resume")
        previous = "error" if row.error_message else "active"
        return self._set_state(session, row, previous, by, {})

    def terminate(self, session: Session, instance_id: int, *, by: str, reason: str | None = None) -> InstanceView:
        row = self._instance(session, instance_id)
        if row.state in FINAL_STATES:
            raise InstanceNotActive(f"instance #{row.id} is already {row.state}")
        workflow = self._load(session, row)
        workflow.cancel()
        now = self._clock.now()
        journal = Journal(session, row.id, now)
        journal.add(by, "instance.terminated", details={"reason": reason})
        row.ended_at = now
        return self._save(session, row, workflow, StepRecord(), journal, by, final_state="terminated")

    def retry(self, session: Session, instance_id: int, *, by: str, data: dict | None = None) -> InstanceView:
        data = _require_object(data)
        row = self._instance(session, instance_id)
        self._require_state(row, "error", "retry")
        workflow = self._load(session, row)
        failed = errored_tasks(workflow)
        journal = Journal(session, row.id, self._clock.now())
        journal.add(by, "instance.retried", element_id=row.error_task,
                    details={"error": row.error_message, "data": json_safe(data)})

        def rerun(did_complete: Callable[[Task], None]) -> None:
            for task in failed:
                task.set_data(**data)
                task.run()
                did_complete(task)

        return self._save(session, row, workflow, run_guarded(workflow, rerun), journal, by)

    # --- reading ----------------------------------------------------------------------------

    def resolve_task(self, session: Session, task_ref: str) -> HumanTask:
        """A task by its id or by an unambiguous prefix of at least 6 characters."""
        ref = (task_ref or "").strip().lower()
        row = session.get(HumanTask, ref)
        if row is not None:
            return row
        if len(ref) >= 6:
            matches = session.scalars(select(HumanTask).where(
                HumanTask.id.startswith(ref, autoescape=True)).limit(2)).all()
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise TaskNotFound(f"task id prefix {task_ref!r} is ambiguous; give more characters")
        raise TaskNotFound(f"no task {task_ref!r}")

    def workflow_data(self, session: Session, row: ProcessInstance) -> dict:
        workflow = self._load(session, row)
        data = dict((workflow.last_task or workflow.task_tree).data)
        self._cache.put(row.id, row.workflow_state, workflow)
        return json_safe(data)

    # --- internals --------------------------------------------------------------------------

    def _instance(self, session: Session, instance_id: int) -> ProcessInstance:
        row = session.get(ProcessInstance, instance_id)
        if row is None:
            raise InstanceNotFound(f"no instance #{instance_id}")
        return row

    @staticmethod
    def _require_state(row: ProcessInstance, allowed: str | tuple[str, ...], action: str) -> None:
        allowed = (allowed,) if isinstance(allowed, str) else allowed
        if row.state not in allowed:
            hint = " (resume it first)" if row.state == "suspended" else (
                " (fix the cause, then retry it)" if row.state == "error" else "")
            raise InstanceNotActive(f"cannot {action}: instance #{row.id} is {row.state}{hint}")

    def _load(self, session: Session, row: ProcessInstance) -> BpmnWorkflow:
        cached = self._cache.take(row.id, row.workflow_state)
        if cached is not None:
            return cached
        definition = self._definitions.get(session, row.definition_id)
        workflow = self._codec.loads(
            row.workflow_state, row.serializer_version, self._definitions.specs(definition).spec,
            self._definitions.subprocess_specs(session, definition, row.called_definitions))
        workflow.script_engine = self._script_engine
        return workflow

    def _set_state(self, session: Session, row: ProcessInstance, state: str, by: str, details: dict) -> InstanceView:
        now = self._clock.now()
        row.state, row.updated_at = state, now
        event = "instance.suspended" if state == "suspended" else "instance.resumed"
        with self._refusing_lost_updates(row):
            Journal(session, row.id, now).add(by, event, details=details).flush()
            session.flush()
        return InstanceView.of(row, self._open_tasks(session, row.id))

    def _save(self, session: Session, row: ProcessInstance, workflow: BpmnWorkflow, record: StepRecord,
              journal: Journal, actor: str, final_state: str | None = None) -> InstanceView:
        now = journal.at
        journal.element_runs(record.runs)
        if final_state:
            row.state = final_state
        elif record.failed:
            row.state, row.error_task, row.error_message = "error", record.error_element, record.error_message
            journal.add("engine", "instance.error", element_id=record.error_element,
                        details={"message": record.error_message})
        elif workflow.is_completed():
            row.state, row.ended_at, row.error_task, row.error_message = "completed", now, None, None
            journal.add("engine", "instance.completed")
        else:
            row.state, row.error_task, row.error_message = "active", None, None
        row.workflow_state = self._codec.dumps(workflow)
        row.updated_at = now
        with self._refusing_lost_updates(row):
            session.flush()  # the revision-checked UPDATE goes first: a loser stops here, before any insert
            open_tasks = self._sync_human_tasks(session, row, workflow, journal)
            journal.flush()
            session.flush()
        self._cache.put(row.id, row.workflow_state, workflow)
        return InstanceView.of(row, open_tasks)

    @staticmethod
    @contextmanager
    def _refusing_lost_updates(row: ProcessInstance) -> Iterator[None]:
        """Turn a failed revision check (at flush or autoflush) into ConflictError."""
        instance_id = row.id
        try:
            yield
        except StaleDataError:
            raise ConflictError(
                f"instance #{instance_id} was changed by someone else at the same time; nothing was saved, try again"
            ) from None

    def _sync_human_tasks(self, session: Session, row: ProcessInstance, workflow: BpmnWorkflow,
                          journal: Journal) -> list[TaskView]:
        ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
        with session.no_autoflush:  # rows changed in this operation keep their unflushed state
            known = {h.id: h for h in session.scalars(
                select(HumanTask).where(HumanTask.instance_id == row.id, HumanTask.state == "open"))
                if h.state == "open"}
        for task_id, human in known.items():
            if task_id not in ready:
                human.state = "cancelled"
                journal.add("engine", "task.cancelled", task_id=task_id, element_id=human.element_id)
        for task_id, task in ready.items():
            if task_id in known:
                continue
            spec = task.task_spec
            human = HumanTask(id=task_id, instance_id=row.id, element_id=spec.bpmn_id or spec.name,
                              name=spec.bpmn_name or spec.bpmn_id or spec.name, lane=spec.lane,
                              candidate_group=spec.lane, state="open", created_at=journal.at)
            session.add(human)
            known[task_id] = human
            journal.add("engine", "task.created", task_id=task_id, element_id=human.element_id,
                        details={"lane": spec.lane})
        return [TaskView.of(h) for h in known.values() if h.state == "open"]

    def _open_tasks(self, session: Session, instance_id: int) -> list[TaskView]:
        return [TaskView.of(h) for h in session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.state == "open")
            .order_by(HumanTask.created_at))]
