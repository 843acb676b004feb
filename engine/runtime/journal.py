"""Writing the append-only audit log: entries gathered during one operation, inserted in one batch."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ..persistence.bulk import insert_rows
from ..persistence.tables import AuditEntry
from .stepping import ElementRun

AUDIT_LOG = AuditEntry.__table__


class Journal:
    def __init__(self, session: Session, instance_id: int | None, at: datetime):
        self._session = session
        self.instance_id = instance_id
        self.at = at
        self._rows: list[dict[str, Any]] = []

    def add(self, actor: str, event: str, *, task_id: str | None = None, element_id: str | None = None,
            details: dict[str, Any] | None = None) -> "Journal":
        self._rows.append({"at": self.at, "actor": actor, "event": event, "instance_id": self.instance_id,
                           "task_id": task_id, "element_id": element_id, "details": details or {}})
        return self

    def element_runs(self, runs: list[ElementRun]) -> None:
        for run in runs:
            details: dict[str, Any] = {"type": run.element_type}
            if run.changed:
                details["changed"] = run.changed
            self.add("engine", "element.completed", task_id=run.task_id, element_id=run.element_id,
                     details=details)

    def take(self) -> list[dict[str, Any]]:
        """The entries not written yet, handed to the caller to insert; those added before the instance
        had its id (a start) get it now."""
        rows = [row if row["instance_id"] is not None else {**row, "instance_id": self.instance_id}
                for row in self._rows]
        self._rows = []
        return rows

    def flush(self) -> None:
        """Insert the entries."""
        if self._rows:
            # Core insert on the session's connection: no ORM bookkeeping for rows nobody reads back.
            insert_rows(self._session.connection(), AUDIT_LOG, self.take())
