"""Rate-limit counters in the database, so every web worker counts the same hits.

A storage for the `limits` library (Flask-Limiter's counters), fixed windows only, kept by the engine
(engine.people: add_hits, hits_in_window, window_end, forget_hits). Time is the engine's clock, so tests
move it instead of waiting. The scheme is `sqflow-database://`; the app's sessions and clock come as
storage options.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from flask import Flask

from limits.storage import Storage
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from engine.people import add_hits, forget_hits, hits_in_window, window_end

SCHEME = "sqflow-database"


class DatabaseStorage(Storage):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, *,
                 sessions: sessionmaker[Session], now: Callable[[], datetime], **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.sessions, self.now = sessions, now

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = self.now()
        ends = now + timedelta(seconds=expiry)
        with self.sessions.begin() as db:
            counted = add_hits(db, key, amount, now, ends)
        if counted == amount:  # a new window: time to drop the windows that have ended
            self._forget_ended(now)
        return counted

    def _forget_ended(self, now: datetime) -> None:
        try:
            with self.sessions.begin() as db:
                forget_hits(db, ended_by=now)
        except SQLAlchemyError:  # another worker is dropping the same rows: it does the work
            pass

    def get(self, key: str) -> int:
        with self.sessions() as db:
            return hits_in_window(db, key, self.now())

    def get_expiry(self, key: str) -> float:
        """When the key's window ends, in seconds since the epoch (now if it has no window)."""
        now = self.now()
        with self.sessions() as db:
            ends = window_end(db, key, now)
        return (ends or now).timestamp()

    def check(self) -> bool:
        try:
            with self.sessions() as db:
                db.scalar(select(1))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int:
        with self.sessions.begin() as db:
            return forget_hits(db)

    def clear(self, key: str) -> None:
        with self.sessions.begin() as db:
            forget_hits(db, key=key)


def storage_options(app: Flask, storage_uri: str) -> dict[str, Any]:
    """What Flask-Limiter passes to the storage: the app's sessions and clock, for this storage only."""
    if not storage_uri.startswith(f"{SCHEME}://"):
        return {}
    runtime = app.extensions["sqflow"]
    return {"sessions": runtime.sessions, "now": runtime.engine.clock.now}
