"""The timers table: written with each step, claimed by workers with a lease, fired once.

Claims go through `leases.claim` (SKIP LOCKED on PostgreSQL, a lease another worker takes over
when it runs out). Firing marks the row only if this worker still holds it (with the step's save,
engine.runtime.step_writes.timer_fired).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Row, and_, bindparam, insert, or_, select, text, update
from sqlalchemy.orm import Session

from ..persistence.tables import ProcessInstance, Timer
from .leases import Claim
from .waiting import WaitingTimer

if TYPE_CHECKING:
    from ..runtime.step_writes import StepWrites

TIMERS = Timer.__table__
INSTANCES = ProcessInstance.__table__
NOTIFY_CHANNEL = "sqflow_timers"

_INSERT = insert(TIMERS)
_CLOSE = (update(TIMERS).where(TIMERS.c.instance_id == bindparam("of_instance"),
                               TIMERS.c.task_id == bindparam("of_task"), TIMERS.c.due_at == bindparam("due"),
                               or_(TIMERS.c.state == "waiting", TIMERS.c.state == "claimed"))
          .values(state=bindparam("new_state"), fired_at=bindparam("fired_at")))
# Strictly before now: SpiffWorkflow fires a timer once its due time has passed.
_CLAIM = Claim(TIMERS, open_=and_(TIMERS.c.state.in_(("waiting", "claimed")), INSTANCES.c.state == "active"),
               due=lambda now: TIMERS.c.due_at < now, order_by=[TIMERS.c.due_at, TIMERS.c.id],
               join=(INSTANCES, INSTANCES.c.id == TIMERS.c.instance_id),
               extra={"state": "claimed", "attempts": TIMERS.c.attempts + 1})
# When the earliest open timer of an active instance is due, and when the first lease runs out.
NEXT_MOMENTS = (select(TIMERS.c.due_at).join(INSTANCES, INSTANCES.c.id == TIMERS.c.instance_id)
                .where(TIMERS.c.state == "waiting", INSTANCES.c.state == "active")
                .order_by(TIMERS.c.due_at).limit(1),  # walks the (state, due_at) index, no scan
                select(TIMERS.c.lease_until).where(TIMERS.c.state == "claimed").order_by(TIMERS.c.lease_until).limit(1))


class TimerStore:
    def add(self, session: Session, instance_id: int, timers: list[WaitingTimer], now: datetime,
            writes: "StepWrites | None" = None) -> None:
        """Store timers the instance now waits for (in `writes`, saved with the step, when given)."""
        if not timers:
            return
        connection = session.connection()
        rows = [{"instance_id": instance_id, "task_id": t.task_id, "element_id": t.element_id, "due_at": t.due_at,
                 "state": "waiting", "created_at": now, "claimed_by": None, "lease_until": None, "fired_at": None}
                for t in timers]
        if writes is not None:
            writes.add(TIMERS, rows)
        else:
            connection.execute(_INSERT, rows)
        if connection.dialect.name == "postgresql":
            earliest = min(t.due_at for t in timers).isoformat()
            connection.execute(text("SELECT pg_notify(:channel, :due)"), {"channel": NOTIFY_CHANNEL, "due": earliest})

    def close(self, session: Session, instance_id: int, timers: list[tuple[WaitingTimer, str]],
              now: datetime) -> None:
        """Mark open timers `fired` or `cancelled` as the step decided."""
        if timers:
            session.connection().execute(_CLOSE, [
                {"of_instance": instance_id, "of_task": t.task_id, "due": t.due_at, "new_state": state,
                 "fired_at": now if state == "fired" else None} for t, state in timers])

    def claim(self, session: Session, worker: str, now: datetime, lease: timedelta, limit: int) -> list[Row]:
        """Claim up to `limit` due timers of active instances, oldest first."""
        return _CLAIM(session, worker, now, lease, limit)

    def drop_claim(self, session: Session, timer_id: int, worker: str) -> None:
        """A claimed timer the workflow no longer waits for (it fired with another, or was cancelled)."""
        session.connection().execute(
            update(TIMERS).where(TIMERS.c.id == timer_id, TIMERS.c.state == "claimed", TIMERS.c.claimed_by == worker)
            .values(state="cancelled"))

    def release(self, session: Session, worker: str, timer_ids: list[int] | None = None,
                failure: str | None = None) -> int:
        """Hand back claims: after a failure (kept in the count, with its cause), or for a reason that is
        not the timer's (shutdown, an instance that cannot fire now), which the count forgets."""
        statement = update(TIMERS).where(TIMERS.c.state == "claimed", TIMERS.c.claimed_by == worker)
        if timer_ids is not None:
            statement = statement.where(TIMERS.c.id.in_(timer_ids))
        counted = {"last_error": failure[:2000]} if failure else {"attempts": TIMERS.c.attempts - 1}
        return session.connection().execute(
            statement.values(state="waiting", claimed_by=None, lease_until=None, **counted)).rowcount

    def give_up(self, session: Session, timer_id: int, worker: str) -> None:
        """A timer that failed too often: it stays out of every claim until its instance is retried."""
        session.connection().execute(
            update(TIMERS).where(TIMERS.c.id == timer_id, TIMERS.c.state == "claimed", TIMERS.c.claimed_by == worker)
            .values(state="failed", claimed_by=None, lease_until=None))

    def rearm(self, session: Session, instance_id: int) -> int:
        """Timers of an instance given up on, waiting again with a fresh count (the instance is retried)."""
        return session.connection().execute(
            update(TIMERS).where(TIMERS.c.instance_id == instance_id, TIMERS.c.state == "failed")
            .values(state="waiting", attempts=0, last_error=None)).rowcount
