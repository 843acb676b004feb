"""One claim statement for everything workers do on time (timers, start schedules, SLA checks).

`UPDATE t SET claimed_by = :worker, lease_until = :now + lease WHERE id IN (SELECT id ... due ...
ORDER BY ... LIMIT n FOR UPDATE SKIP LOCKED) RETURNING ...`: on PostgreSQL concurrent workers
skip each other's rows; on SQLite the write lock of `BEGIN IMMEDIATE` makes it atomic. A claim
whose lease ran out (its worker died) is due again.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Row, Table, and_, or_, select, update
from sqlalchemy.orm import Session


def claim(session: Session, table: Table, *, open_: ColumnElement[bool], due: ColumnElement[bool],
          order_by: list, worker: str, now: datetime, lease: timedelta, limit: int,
          join=None, extra: dict | None = None) -> list[Row]:
    """Claim up to `limit` `open_` rows that are `due` and unclaimed, or whose lease has run out."""
    unclaimed = table.c.claimed_by.is_(None)
    expired = and_(table.c.claimed_by.is_not(None), table.c.lease_until < now)
    candidates = select(table.c.id)
    if join is not None:
        candidates = candidates.join(*join)
    candidates = candidates.where(open_, or_(and_(unclaimed, due), expired)).order_by(*order_by).limit(limit)
    if session.connection().dialect.name == "postgresql":
        candidates = candidates.with_for_update(of=table, skip_locked=True)
    rows = session.connection().execute(
        update(table).where(table.c.id.in_(candidates.scalar_subquery()))
        .values(claimed_by=worker, lease_until=now + lease, **(extra or {})).returning(*table.c)).all()
    return sorted(rows, key=lambda r: tuple(getattr(r, c.key) for c in order_by))
