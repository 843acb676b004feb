"""The instance and human-task rows, read and written with SQLAlchemy Core on the caller's session.

This is the hot path of every step, so it uses a handful of plain statements and no ORM unit of
work. Every instance UPDATE carries the revision it read (`WHERE id = ? AND revision = ?`); when
no row matches, someone else wrote first and `ConflictError` is raised before anything else of
the step is written.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.orm import Session

from ..errors import ConflictError, InstanceNotFound, TaskNotFound
from ..persistence.tables import HumanTask, ProcessInstance
from .views import TaskView

INSTANCES = ProcessInstance.__table__
TASKS = HumanTask.__table__


class InstanceStore:
    def instance(self, session: Session, instance_id: int) -> Row:
        row = session.connection().execute(select(INSTANCES).where(INSTANCES.c.id == instance_id)).first()
        if row is None:
            raise InstanceNotFound(f"no instance #{instance_id}")
        return row

    def open_instance_with_key(self, session: Session, process_id: str, business_key: str,
                               final_states: tuple[str, ...]) -> int | None:
        return session.connection().execute(select(INSTANCES.c.id).where(
            INSTANCES.c.process_id == process_id, INSTANCES.c.business_key == business_key,
            INSTANCES.c.state.not_in(final_states)).limit(1)).scalar()

    def insert_instance(self, session: Session, values: dict[str, Any]) -> int:
        return session.connection().execute(
            insert(INSTANCES).values(revision=1, **values).returning(INSTANCES.c.id)).scalar_one()

    def save_instance(self, session: Session, instance_id: int, revision: int, values: dict[str, Any]) -> int:
        """Write `values` if the row still has `revision`; returns the new revision."""
        result = session.connection().execute(
            update(INSTANCES).where(INSTANCES.c.id == instance_id, INSTANCES.c.revision == revision)
            .values(revision=revision + 1, **values))
        if result.rowcount != 1:
            raise ConflictError(
                f"instance #{instance_id} was changed by someone else at the same time; nothing was saved, try again")
        return revision + 1

    def human_task(self, session: Session, task_ref: str) -> Row:
        """A task by its id or by an unambiguous prefix of at least 6 characters."""
        ref = (task_ref or "").strip().lower()
        connection = session.connection()
        row = connection.execute(select(TASKS).where(TASKS.c.id == ref)).first()
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

    def complete_task(self, session: Session, task_id: str, by: str, at: datetime) -> bool:
        result = session.connection().execute(
            update(TASKS).where(TASKS.c.id == task_id, TASKS.c.state == "open")
            .values(state="completed", completed_at=at, completed_by=by))
        return result.rowcount == 1

    def add_tasks(self, session: Session, rows: list[dict[str, Any]]) -> None:
        if rows:
            session.connection().execute(insert(TASKS), rows)

    def cancel_tasks(self, session: Session, task_ids: list[str]) -> None:
        if task_ids:
            session.connection().execute(
                update(TASKS).where(TASKS.c.id.in_(task_ids), TASKS.c.state == "open").values(state="cancelled"))

    def open_tasks(self, session: Session, instance_id: int) -> list[TaskView]:
        rows = session.connection().execute(
            select(TASKS).where(TASKS.c.instance_id == instance_id, TASKS.c.state == "open")
            .order_by(TASKS.c.created_at, TASKS.c.id))
        return [TaskView.of(row) for row in rows]
