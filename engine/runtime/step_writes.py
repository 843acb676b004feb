"""Saving a step: the instance row, the row the step takes over, and every row it inserts, sent together.

A step inserts rows in several tables (the audit log, new human tasks, notifications, SLAs,
timers). On PostgreSQL each statement is a round trip to the server, and on a busy host a round
trip costs more than the statement, so there the revision-checked UPDATE of the instance, the
taking of the person's task (or of the timer being fired) and every insert go as one statement
(data-modifying CTEs). The inserted rows are joined to the UPDATE's RETURNING: when the revision
check fails (someone else saved first) nothing is inserted, exactly as when the UPDATE ran alone
and stopped the step. On SQLite (in-process, no round trips) the same writes run one after the
other, the checks first.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from threading import Lock
from typing import Any

from sqlalchemy import (Connection, Select, Table, Text, Update, bindparam, cast, func, insert, literal_column, select,
                        true, update)
from sqlalchemy.dialects.postgresql import JSON as PG_JSON

from ..errors import ConflictError, SqflowError, TaskNotOpen
from ..persistence import prepared
from ..persistence.bulk import columns_of, insert_rows, json_document
from ..persistence.tables import HumanTask, ProcessInstance, Timer

INSTANCES = ProcessInstance.__table__
TASKS = HumanTask.__table__
TIMERS = Timer.__table__
STEP_COLUMNS = ("state", "workflow_state", "updated_at", "ended_at", "error_task", "error_message", "attributes")

SAVE_STEP = (update(INSTANCES)
             .where(INSTANCES.c.id == bindparam("of_instance"), INSTANCES.c.revision == bindparam("read_revision"))
             .values(revision=bindparam("new_revision"), **{c: bindparam(c) for c in STEP_COLUMNS}))
_COMPLETE_TASK = (update(TASKS).where(TASKS.c.id == bindparam("taken_id"), TASKS.c.state == literal_column("'open'"))
                  .values(state=literal_column("'completed'"), completed_at=bindparam("taken_at"),
                          completed_by=bindparam("taken_by")))
_MARK_FIRED = (update(TIMERS).where(TIMERS.c.id == bindparam("taken_id"), TIMERS.c.state == literal_column("'claimed'"),
                                    TIMERS.c.claimed_by == bindparam("taken_by"))
               .values(state=literal_column("'fired'"), fired_at=bindparam("taken_at")))


class StepWrites:
    """Rows a step inserts, by table, in the order the tables were first written."""

    def __init__(self) -> None:
        self.rows: dict[Table, list[dict[str, Any]]] = {}

    def add(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.rows.setdefault(table, []).extend(rows)


@dataclass(frozen=True)
class Taken:
    """A row the step takes over only if it is still as the step found it; else the step is refused."""

    statement: Update = field(repr=False)
    row_id: Any
    by: str
    at: datetime
    refusal: SqflowError = field(repr=False)
    timer: tuple[str, datetime] | None = None  # the timer (task id, due time) this marks fired


def task_done(task_id: str, name: str, by: str, at: datetime) -> Taken:
    """The person's task the step completes, while it is still open."""
    return Taken(_COMPLETE_TASK, task_id, by, at,
                 TaskNotOpen(f"task {task_id} ({name}) was completed by someone else just now"))


def timer_fired(timer_id: int, task_id: str, due_at: datetime, worker: str, at: datetime) -> Taken:
    """The timer the step fires, while `worker` still holds its claim."""
    return Taken(_MARK_FIRED, timer_id, worker, at,
                 ConflictError(f"timer #{timer_id} is no longer held by {worker} (lease lost or already handled)"),
                 (task_id, due_at))


def save_step(connection: Connection, instance_id: int, revision: int | None, values: dict[str, Any],
              taken: Taken | None, writes: StepWrites) -> bool:
    """Write the step of instance `instance_id`: when `revision` is given, its row's `STEP_COLUMNS` from
    `values` if the row still has that revision (the new one is `revision + 1`); `taken` taken over; then
    the rows of `writes` (instance_id set to this instance). Raises `taken.refusal` when that row was no
    longer there to take; False when the revision no longer matched. Nothing is inserted when a check
    fails; the caller's transaction (or savepoint) is then rolled back."""
    for rows in writes.rows.values():
        for row in rows:
            if "instance_id" in row and row["instance_id"] is None:
                row["instance_id"] = instance_id
    saving: dict[str, Any] = {"of_instance": instance_id}
    if revision is not None:
        saving.update(read_revision=revision, new_revision=revision + 1, **{c: values[c] for c in STEP_COLUMNS})
    taking = {} if taken is None else {"taken_id": taken.row_id, "taken_by": taken.by, "taken_at": taken.at}
    if connection.dialect.name == "postgresql" and (revision is not None or taken is not None or len(writes.rows) > 1):
        saved, was_there = _in_one_statement(connection, {**saving, **taking}, revision is not None, taken, writes)
    else:
        was_there = taken is None or prepared.execute(connection, taken.statement, taking).rowcount == 1
        saved = was_there and (revision is None or prepared.execute(connection, SAVE_STEP, saving).rowcount == 1)
        if saved:
            for table, rows in writes.rows.items():
                insert_rows(connection, table, rows)
    if not was_there:
        raise taken.refusal
    return saved


def _in_one_statement(connection: Connection, params: dict[str, Any], updating: bool, taken: Taken | None,
                      writes: StepWrites) -> tuple[bool, bool]:
    shape = (updating, None if taken is None else taken.statement,
             tuple((table, columns_of(table, rows)) for table, rows in writes.rows.items()))
    statement = _STATEMENTS.get(shape)
    if statement is None:
        with _LOCK:
            statement = _STATEMENTS[shape] = _build(*shape)
    for index, rows in enumerate(writes.rows.values()):
        params[f"rows_{index}"] = json_document(rows)
    saved, was_there = prepared.execute(connection, statement, params).one()
    return bool(saved), bool(was_there)


_STATEMENTS: dict[tuple, Select] = {}
_LOCK = Lock()


def _build(updating: bool, taking: Update | None, tables: tuple[tuple[Table, tuple[str, ...]], ...]) -> Select:
    if updating:
        saved = SAVE_STEP.returning(INSTANCES.c.id).cte("saved")
    else:  # a start: the instance row was inserted just before
        saved = select(bindparam("of_instance", type_=INSTANCES.c.id.type).label("id")).cte("saved")
    ctes = []
    for index, (table, columns) in enumerate(tables):
        rows = (func.json_populate_recordset(literal_column(f"NULL::{table.name}"),
                                             cast(bindparam(f"rows_{index}", type_=Text()), PG_JSON))
                .table_valued(*columns).alias(f"r{index}"))
        chosen = [saved.c.id if name == "instance_id" else rows.c[name] for name in columns]
        # Columns the rows leave out get the server's default, as in `insert_rows`.
        ctes.append(insert(table).from_select(list(columns), select(*chosen).select_from(saved).join(rows, true()),
                                              include_defaults=False).cte(f"insert_{index}"))
    counts = [select(func.count()).select_from(saved).scalar_subquery()]
    if taking is not None:
        taken = taking.returning(taking.table.c.id).cte("taken")
        counts.append(select(func.count()).select_from(taken).scalar_subquery())
    else:
        counts.append(literal_column("1"))
    return select(*counts).add_cte(*ctes)
