"""One claim statement for everything workers do on time (timers, start schedules, SLA checks, mail).

`UPDATE t SET claimed_by = :worker, lease_until = :lease_until WHERE id IN (SELECT id ... due ...
ORDER BY ... LIMIT n FOR UPDATE SKIP LOCKED) RETURNING ...`: on PostgreSQL concurrent workers
skip each other's rows; on SQLite the write lock of `BEGIN IMMEDIATE` makes it atomic. A claim
whose lease ran out (its worker died) is due again.

The statement is built once per backend and batch size, with the time, the lease and the worker
bound at each call: a worker asks many times a second under load, and building the statement
cost more than running it.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import BindParameter, ColumnElement, Row, Table, Update, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from ..persistence.tables import UtcDateTime

NOW = bindparam("claim_now", type_=UtcDateTime())


class Claim:
    """Claims up to `limit` `open_` rows of `table` that are `due(NOW)` and unclaimed, or whose lease ran out."""

    def __init__(self, table: Table, *, open_: ColumnElement[bool],
                 due: Callable[[BindParameter], ColumnElement[bool]], order_by: list,
                 join: tuple | None = None, extra: dict[str, Any] | None = None):
        self.table = table
        self.open_ = open_
        self.due = due(NOW)
        self.order_by = order_by
        self.join = join
        self.extra = extra or {}
        self._statements: dict[tuple[str, int], Update] = {}

    def __call__(self, session: Session, worker: str, now: datetime, lease: timedelta, limit: int) -> list[Row]:
        connection = session.connection()
        key = (connection.dialect.name, limit)
        statement = self._statements.get(key)
        if statement is None:
            statement = self._statements[key] = self._build(*key)
        rows = connection.execute(statement, {"claim_now": now, "claim_worker": worker,
                                              "claim_lease_until": now + lease}).all()
        return sorted(rows, key=lambda r: tuple(getattr(r, c.key) for c in self.order_by))

    def _build(self, dialect: str, limit: int) -> Update:
        table = self.table
        unclaimed = table.c.claimed_by.is_(None)
        expired = and_(table.c.claimed_by.is_not(None), table.c.lease_until < NOW)
        candidates = select(table.c.id)
        if self.join is not None:
            candidates = candidates.join(*self.join)
        candidates = (candidates.where(self.open_, or_(and_(unclaimed, self.due), expired))
                      .order_by(*self.order_by).limit(limit))
        if dialect == "postgresql":
            candidates = candidates.with_for_update(of=table, skip_locked=True)
        return (update(table).where(table.c.id.in_(candidates.scalar_subquery()))
                .values(claimed_by=bindparam("claim_worker"),
                        lease_until=bindparam("claim_lease_until", type_=UtcDateTime()), **self.extra)
                .returning(*table.c))
