"""A clock for acceptance tests and training that an administrator moves, like Zeebe's clock actuator.

`sqflow serve --controlled-clock` (only where SQFLOW_CONTROLLED_CLOCK_ALLOWED is set) runs every
process of the service on a `ControlledClock`: the wall clock plus an offset kept in the database,
so the web workers and the timer worker agree on the time. An administrator moves it forward
(`POST /api/v1/clock` {"advance": "PT2H"} or {"set": "2027-01-04T09:00:00+08:00"}); timers and SLAs
then come due as if that time had passed. Time never moves back: what fired stays fired.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine as Database, select, text, update
from sqlalchemy.orm import Session

from .errors import InvalidInputError
from .persistence.database import READ_ONLY
from .persistence.tables import ControlledTime

CLOCK = ControlledTime.__table__
_RECHECK_SECONDS = 0.2  # how stale one process's idea of the offset may be


class ControlledClock:
    def __init__(self, open_database):
        """`open_database()` gives the service's database (opened on first use: building does no I/O)."""
        self._open = open_database
        self._database: Database | None = None
        self._offset = timedelta(0)
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.offset()

    def offset(self) -> timedelta:
        with self._lock:
            if time.monotonic() - self._read_at > _RECHECK_SECONDS:
                if self._database is None:
                    self._database = self._open()
                # Only reads: on SQLite it must not queue for the write lock a step of this process holds.
                with self._database.connect().execution_options(**READ_ONLY) as connection:
                    stored = connection.execute(select(CLOCK.c.offset_ms).where(CLOCK.c.id == 1)).scalar()
                self._offset = timedelta(milliseconds=stored or 0)
                self._read_at = time.monotonic()
            return self._offset

    def move(self, session: Session, *, by: str, advance: timedelta | None = None,
             to: datetime | None = None) -> datetime:
        """Move the service's time forward (by `advance`, or to `to`); the new time."""
        current = self.now()
        if to is not None:
            if to.tzinfo is None:
                raise InvalidInputError("give the time with its offset, e.g. 2027-01-04T09:00:00+08:00")
            advance = to - current
        if advance is None or advance < timedelta(0):
            raise InvalidInputError(f"the clock only moves forward: it is {current.isoformat()} now")
        offset = self.offset() + advance
        values = {"offset_ms": int(offset.total_seconds() * 1000), "moved_at": datetime.now(timezone.utc),
                  "moved_by": by}
        if not session.connection().execute(update(CLOCK).where(CLOCK.c.id == 1).values(**values)).rowcount:
            session.connection().execute(CLOCK.insert().values(id=1, **values))
        if session.get_bind().dialect.name == "postgresql":  # timer workers wake up and look again
            session.connection().execute(text("SELECT pg_notify('sqflow_timers', :at)"),
                                         {"at": (current + advance).isoformat()})
        with self._lock:
            self._offset, self._read_at = offset, time.monotonic()
        return current + advance
