"""The floor of a durable engine with a transaction per step: plain SpiffWorkflow plus the least it must write.

Each floor runs the work order in plain SpiffWorkflow (no sqflow code) and writes against the bench
database's own tables (sqflow's schema, its indexes included):

* state only, driver: the workflow's state written as JSON (sqflow's codec) by one revision-checked
  UPDATE (an INSERT at a start) and a commit per step, through the database driver itself: the least
  any engine does that keeps each step;
* state, tasks and history, driver: that, plus what a case engine cannot do without: the open task
  looked up by its id before the step (a request names a task), the task marked completed, the next
  task inserted for the inbox, and one history row per task event;
* the same through SQLAlchemy Sessions: those statements handed as they are to the driver, but each
  transaction a Session of the caller's, and on SQLite the look-up in a read-only one before it, as
  sqflow's steps run (the caller owns the transaction; the write lock covers the save only).

On PostgreSQL the driver floors send a step's writes and its commit in one round trip (psycopg's
pipeline), the most generous way to send them. The ratio of a floor to plain SpiffWorkflow in memory
is the best ratio a durable engine of that kind can reach on this machine and database.
"""
from __future__ import annotations

import sqlite3
import time
from contextlib import closing, nullcontext
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy.engine import make_url
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from engine import READ_ONLY, Settings, connect
from engine.runtime.codec import StateCodec

from . import engine_bench

_TASK = ("INSERT INTO human_tasks (id, instance_id, process_id, element_id, name, lane, candidate_group, assignee, "
         "state, created_at, due_provisional) VALUES ({p}, {p}, 'work_order', {p}, {p}, {p}, {p}, NULL, 'open', {p}, "
         "{false})")
_AUDIT = ("INSERT INTO audit_log (at, actor, event, instance_id, task_id, element_id, details) "
          "VALUES ({p}, 'bench', {p}, {p}, {p}, {p}, '{{}}')")
_START = ("INSERT INTO process_instances (definition_id, process_id, version, state, started_by, started_at, "
          "updated_at, revision, serializer_version, workflow_state, called_definitions, attributes) "
          "VALUES ({p}, 'work_order', 1, 'active', 'bench', {p}, {p}, 1, 'floor', {p}, '{{}}', '{{}}') RETURNING id")
_SAVE = ("UPDATE process_instances SET workflow_state = {p}, updated_at = {p}, revision = revision + 1 "
         "WHERE id = {p} AND revision = {p}")
_LOOK_UP = ("SELECT human_tasks.instance_id, human_tasks.state, process_instances.revision FROM human_tasks "
            "JOIN process_instances ON process_instances.id = human_tasks.instance_id WHERE human_tasks.id = {p}")
_DONE = "UPDATE human_tasks SET state = 'completed', completed_at = {p}, completed_by = 'bench' WHERE id = {p}"


def _statements(postgres: bool) -> dict[str, str]:
    place, false = ("%s", "false") if postgres else ("?", "0")
    return {name: text.format(p=place, false=false) for name, text in
            (("task", _TASK), ("audit", _AUDIT), ("start", _START), ("save", _SAVE), ("look_up", _LOOK_UP),
             ("done", _DONE))}


def psycopg_connection(url: str):
    """A psycopg connection of its own to the database of a SQLAlchemy URL."""
    import psycopg

    parsed = make_url(url)
    return psycopg.connect(host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
                           dbname=parsed.database)


class _Driver:
    """The database driver's own connection, with the SQL above in its parameter style."""

    def __init__(self, url: str):
        parsed = make_url(url)
        self.postgres = parsed.get_backend_name() == "postgresql"
        if self.postgres:
            self.connection = psycopg_connection(url)
        else:
            self.connection = sqlite3.connect(parsed.database, isolation_level=None)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
                self.connection.execute(f"PRAGMA {pragma}")
        self.sql = _statements(self.postgres)
        self.definition_id = self.connection.execute("SELECT max(id) FROM process_definitions").fetchone()[0]

    def close(self) -> None:
        self.connection.close()

    def read(self, name: str, params: tuple) -> tuple:
        if not self.postgres:
            self.connection.execute("BEGIN")
        row = self.connection.execute(self.sql[name], params).fetchone()
        if not self.postgres:
            self.connection.execute("COMMIT")
        return row

    def transaction(self, writes: Callable[[Callable], object]) -> object:
        """Run `writes(execute)` in one transaction and commit it (pipelined on PostgreSQL)."""
        connection = self.connection
        if not self.postgres:
            connection.execute("BEGIN IMMEDIATE")
        with connection.pipeline() if self.postgres else nullcontext():
            result = writes(lambda name, params: connection.execute(self.sql[name], params))
            connection.commit() if self.postgres else connection.execute("COMMIT")
        return result


class _SessionDriver:
    """The same statements through SQLAlchemy as sqflow's callers run a step: the caller's Session for the
    transaction, and on SQLite the read before it in a read-only Session of its own (engine.persistence's
    step_reads), each statement handed to the driver as it is (no statement compiling)."""

    def __init__(self, url: str):
        self.sessions = connect(Settings(database_url=url))
        bind = self.sessions.kw["bind"]
        self.postgres = bind.dialect.name == "postgresql"
        self.sql = _statements(self.postgres)
        with self.sessions() as session:
            self.definition_id = session.connection().exec_driver_sql(
                "SELECT max(id) FROM process_definitions").scalar()

    def close(self) -> None:
        self.sessions.kw["bind"].dispose()

    def read(self, name: str, params: tuple) -> tuple:
        with self.sessions() as session:
            return session.connection(execution_options=READ_ONLY).exec_driver_sql(self.sql[name], params).fetchone()

    def transaction(self, writes: Callable[[Callable], object]) -> object:
        with self.sessions.begin() as session:
            connection = session.connection()
            return writes(lambda name, params: connection.exec_driver_sql(self.sql[name], params))


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _ready_task(workflow: BpmnWorkflow):
    ready = workflow.get_tasks(state=TaskState.READY, manual=True)
    return ready[0] if ready else None


# (key, label, with tasks and history, through SQLAlchemy Sessions)
FLOORS = (("state", "state only, driver", False, False),
          ("bookkeeping", "state, tasks and history, driver", True, False),
          ("sessions", "state, tasks and history, SQLAlchemy Sessions", True, True))


def floor_rate(url: str, count: int, bookkeeping: bool, through_sessions: bool) -> float:
    """Work orders/s of plain SpiffWorkflow saved at each step (`bookkeeping`: with tasks and history, else
    the state only; `through_sessions`: as sqflow's callers run a transaction, else by the driver)."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(engine_bench.DIAGRAM))
    spec, script_engine, codec = parser.get_spec("work_order"), engine_bench._plain_script_engine(), StateCodec()
    with closing(_SessionDriver(url) if through_sessions else _Driver(url)) as driver:
        began = time.perf_counter()
        for _ in range(count):
            _one_instance(driver, spec, script_engine, codec, bookkeeping)
        return count / (time.perf_counter() - began)


def _one_instance(driver: _Driver | _SessionDriver, spec, script_engine, codec: StateCodec, bookkeeping: bool) -> None:
    workflow = BpmnWorkflow(spec, script_engine=script_engine)
    workflow.task_tree.data.update(engine_bench.START_DATA)
    workflow.do_engine_steps()
    task = _ready_task(workflow)

    def start(execute) -> int:
        now = _now()
        # In psycopg's pipeline the fetch waits for the INSERT: a start takes two round trips there.
        instance_id = execute("start", (driver.definition_id, now, now, codec.dumps(workflow))).fetchone()[0]
        if bookkeeping:
            execute("task", (str(task.id), instance_id, task.task_spec.bpmn_id, task.task_spec.bpmn_name,
                             task.task_spec.lane, task.task_spec.lane, now))
            execute("audit", (now, "task.created", instance_id, str(task.id), task.task_spec.bpmn_id))
        return instance_id

    instance_id, revision = driver.transaction(start), 1
    for _, data in engine_bench.ANSWERS:
        task_id = str(task.id)
        if bookkeeping:
            found_instance, state, revision = driver.read("look_up", (task_id,))
            assert found_instance == instance_id and state == "open"
        done = task
        done.set_data(**data)
        done.run()
        workflow.do_engine_steps()
        task = _ready_task(workflow)

        def save(execute) -> None:
            now = _now()
            if bookkeeping:
                execute("done", (now, task_id))
                execute("audit", (now, "task.completed", instance_id, task_id, done.task_spec.bpmn_id))
            execute("save", (codec.dumps(workflow), now, instance_id, revision))
            if bookkeeping and task is not None:
                execute("task", (str(task.id), instance_id, task.task_spec.bpmn_id, task.task_spec.bpmn_name,
                                 task.task_spec.lane, task.task_spec.lane, now))
                execute("audit", (now, "task.created", instance_id, str(task.id), task.task_spec.bpmn_id))

        driver.transaction(save)
        revision += 1
    assert workflow.is_completed()

