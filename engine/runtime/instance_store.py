"""The instance and human-task rows, read and written with SQLAlchemy Core on the caller's session.

This is the hot path of every step, so it uses a handful of plain statements and no ORM unit of
work. Every instance UPDATE carries the revision it read (`WHERE id = ? AND revision = ?`); when
no row matches, someone else wrote first and `ConflictError` is raised before anything else of
the step is written.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, insert, select, update
from sqlalchemy.orm import Session

from ..errors import ConflictError, InstanceNotFound, TaskNotFound
from ..persistence import prepared
from ..persistence.tables import HumanTask, ProcessInstance
from .step_writes import SAVE_STEP
from .views import Fields, TaskView

INSTANCES = ProcessInstance.__table__
TASKS = HumanTask.__table__

# Built once: SQLAlchemy then reuses their cache keys and compiled forms on every step.
_SELECT_INSTANCE = select(INSTANCES).where(INSTANCES.c.id == bindparam("instance_id"))
_INSERT_INSTANCE = insert(INSTANCES).returning(INSTANCES.c.id)
_SAVE_STATE = (update(INSTANCES)
               .where(INSTANCES.c.id == bindparam("of_instance"), INSTANCES.c.revision == bindparam("read_revision"))
               .values(revision=bindparam("new_revision"), state=bindparam("state"), updated_at=bindparam("updated_at")))
_SELECT_TASK = select(TASKS).where(TASKS.c.id == bindparam("task_id"))
_INSTANCE_PREFIX = "instance__"
_SELECT_TASK_AND_INSTANCE = (
    select(*TASKS.c, *(column.label(_INSTANCE_PREFIX + column.name) for column in INSTANCES.c))
    .join_from(TASKS, INSTANCES, TASKS.c.instance_id == INSTANCES.c.id).where(TASKS.c.id == bindparam("task_id")))
_TASK_NAMES = tuple(column.name for column in TASKS.c)  # the order that select names them in
_INSTANCE_NAMES = tuple(column.name for column in INSTANCES.c)


class InstanceStore:
    def instance(self, session: Session, instance_id: int) -> Row:
        row = session.connection().execute(_SELECT_INSTANCE, {"instance_id": instance_id}).first()
        if row is None:
            raise InstanceNotFound(f"no instance #{instance_id}")
        return row

    def instances(self, session: Session, instance_ids: set[int]) -> dict[int, Row]:
        """Several instances' rows in one query, by id (those that exist)."""
        rows = session.connection().execute(select(INSTANCES).where(INSTANCES.c.id.in_(sorted(instance_ids))))
        return {row.id: row for row in rows}

    def open_instance_with_key(self, session: Session, process_id: str, business_key: str,
                               final_states: tuple[str, ...]) -> int | None:
        return session.connection().execute(select(INSTANCES.c.id).where(
            INSTANCES.c.process_id == process_id, INSTANCES.c.business_key == business_key,
            INSTANCES.c.state.not_in(final_states)).limit(1)).scalar()

    def active_with_key(self, session: Session, business_key: str, process_id: str | None) -> list[Row]:
        query = select(INSTANCES.c.id, INSTANCES.c.process_id).where(
            INSTANCES.c.business_key == business_key, INSTANCES.c.state == "active")
        if process_id is not None:
            query = query.where(INSTANCES.c.process_id == process_id)
        return session.connection().execute(query.limit(10)).all()

    def insert_instance(self, session: Session, values: dict[str, Any]) -> int:
        return prepared.execute(session.connection(), _INSERT_INSTANCE, {"revision": 1, **values}).scalar_one()

    def save_step(self, session: Session, instance_id: int, revision: int, values: dict[str, Any]) -> int:
        """Write a step's outcome (all of `STEP_COLUMNS`) if the row still has `revision`; the new revision."""
        return self._save(session, SAVE_STEP, instance_id, revision, values)

    def save_state(self, session: Session, instance_id: int, revision: int, state: str, at: datetime) -> int:
        """Change only the state (suspend, resume) if the row still has `revision`; the new revision."""
        return self._save(session, _SAVE_STATE, instance_id, revision, {"state": state, "updated_at": at})

    @staticmethod
    def _save(session: Session, statement, instance_id: int, revision: int, values: dict[str, Any]) -> int:
        result = session.connection().execute(statement, {
            "of_instance": instance_id, "read_revision": revision, "new_revision": revision + 1, **values})
        if result.rowcount != 1:
            raise conflict(instance_id)
        return revision + 1

    def human_task(self, session: Session, task_ref: str) -> Row:
        """A task by its id or by an unambiguous prefix of at least 6 characters."""
        ref = (task_ref or "").strip().lower()
        connection = session.connection()
        row = connection.execute(_SELECT_TASK, {"task_id": ref}).first()
        if row is not None:
            return row
        if len(ref) >= 6:
            matches = connection.execute(
                select(TASKS).where(TASKS.c.id.startswith(ref, autoescape=True)).limit(2)).all()
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise TaskNotFound(f"task id prefix {task_ref!r} is ambiguous; give more characters")
        raise TaskNotFound(f"no task {task_ref!r}")

    def human_task_and_instance(self, session: Session, task_ref: str) -> tuple[Fields, "InstanceRow"]:
        """`human_task` and its instance, read together (one query when `task_ref` is a whole id)."""
        row = session.connection().execute(_SELECT_TASK_AND_INSTANCE,
                                           {"task_id": (task_ref or "").strip().lower()}).first()
        if row is None:
            task = Fields(self.human_task(session, task_ref)._mapping)
            return task, InstanceRow.of(self.instance(session, task.instance_id))
        return Fields(zip(_TASK_NAMES, row[:len(_TASK_NAMES)])), InstanceRow(zip(_INSTANCE_NAMES, row[len(_TASK_NAMES):]))

    def cancel_tasks(self, session: Session, task_ids: list[str]) -> None:
        if task_ids:
            session.connection().execute(
                update(TASKS).where(TASKS.c.id.in_(task_ids), TASKS.c.state == "open").values(state="cancelled"))

    def open_tasks(self, session: Session, instance_id: int) -> list[TaskView]:
        rows = session.connection().execute(
            select(TASKS).where(TASKS.c.instance_id == instance_id, TASKS.c.state == "open")
            .order_by(TASKS.c.created_at, TASKS.c.id))
        return [TaskView.of(row) for row in rows]


def conflict(instance_id: int) -> ConflictError:
    return ConflictError(
        f"instance #{instance_id} was changed by someone else at the same time; nothing was saved, try again")


class InstanceRow(Fields):
    """The instance row being worked on, with the revision this operation read."""

    @classmethod
    def of(cls, row) -> "InstanceRow":
        return cls(row._mapping)
