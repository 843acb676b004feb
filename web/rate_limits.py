"""Rate-limit counters in the database (table `rate_limits`), so every web worker counts the same hits.

A storage for the `limits` library (Flask-Limiter's counters), fixed windows only: each key has a
count and the time its window ends. One statement adds a hit (an upsert that starts a new window when
the old one has ended), atomic on SQLite (its write lock) and PostgreSQL (the row's lock). Time is
the engine's clock, so tests move it instead of waiting. The scheme is `sqflow-database://`; the
app's sessions and clock come as storage options.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from flask import Flask

from limits.storage import Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from engine.persistence.tables import RateLimitHit

SCHEME = "sqflow-database"
INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


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
            insert = INSERTS[db.get_bind().dialect.name](RateLimitHit).values(key=key, hits=amount, expires_at=ends)
            window_over = RateLimitHit.expires_at <= now
            hits = db.scalar(insert.on_conflict_do_update(index_elements=[RateLimitHit.key], set_={
                "hits": case((window_over, amount), else_=RateLimitHit.hits + amount),
                "expires_at": case((window_over, ends), else_=RateLimitHit.expires_at),
            }).returning(RateLimitHit.hits))
        if hits == amount:  # a new window: time to drop the windows that have ended
            self._forget_ended(now)
        return hits

    def _forget_ended(self, now: datetime) -> None:
        try:
            with self.sessions.begin() as db:
                db.execute(delete(RateLimitHit).where(RateLimitHit.expires_at <= now))
        except SQLAlchemyError:  # another worker is dropping the same rows: it does the work
            pass

    def get(self, key: str) -> int:
        with self.sessions() as db:
            return db.scalar(select(RateLimitHit.hits).where(
                RateLimitHit.key == key, RateLimitHit.expires_at > self.now())) or 0

    def get_expiry(self, key: str) -> float:
        """When the key's window ends, in seconds since the epoch (now if it has no window)."""
        now = self.now()
        with self.sessions() as db:
            ends = db.scalar(select(RateLimitHit.expires_at).where(
                RateLimitHit.key == key, RateLimitHit.expires_at > now))
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
            return db.execute(delete(RateLimitHit)).rowcount

    def clear(self, key: str) -> None:
        with self.sessions.begin() as db:
            db.execute(delete(RateLimitHit).where(RateLimitHit.key == key))


def storage_options(app: Flask, storage_uri: str) -> dict[str, Any]:
    """What Flask-Limiter passes to the storage: the app's sessions and clock, for this storage only."""
    if not storage_uri.startswith(f"{SCHEME}://"):
        return {}
    runtime = app.extensions["sqflow"]
    return {"sessions": runtime.sessions, "now": runtime.engine.clock.now}
