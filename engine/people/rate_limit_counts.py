"""Rate-limit counters (table `rate_limits`): fixed windows, one row per key with its count and the time its
window ends, so every web worker counts the same hits. Adding a hit is one statement (an upsert that starts a
new window when the old one has ended), atomic on SQLite (its write lock) and PostgreSQL (the row's lock)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..persistence.tables import RateLimitHit

INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def add_hits(session: Session, key: str, amount: int, now: datetime, window_ends: datetime) -> int:
    """Count `amount` hits on `key` in its window (a new one ending at `window_ends` once the last has
    ended); returns the window's count."""
    insert = INSERTS[session.get_bind().dialect.name](RateLimitHit).values(key=key, hits=amount,
                                                                          expires_at=window_ends)
    window_over = RateLimitHit.expires_at <= now
    return session.scalar(insert.on_conflict_do_update(index_elements=[RateLimitHit.key], set_={
        "hits": case((window_over, amount), else_=RateLimitHit.hits + amount),
        "expires_at": case((window_over, window_ends), else_=RateLimitHit.expires_at),
    }).returning(RateLimitHit.hits))


def hits_in_window(session: Session, key: str, now: datetime) -> int:
    return session.scalar(select(RateLimitHit.hits).where(RateLimitHit.key == key,
                                                          RateLimitHit.expires_at > now)) or 0


def window_end(session: Session, key: str, now: datetime) -> datetime | None:
    """When the key's running window ends (None: it has none)."""
    return session.scalar(select(RateLimitHit.expires_at).where(RateLimitHit.key == key,
                                                                RateLimitHit.expires_at > now))


def forget_hits(session: Session, *, key: str | None = None, ended_by: datetime | None = None) -> int:
    """Drop the counters of `key`, or those whose window ended by `ended_by`, or (neither given) all."""
    query = delete(RateLimitHit)
    if key is not None:
        query = query.where(RateLimitHit.key == key)
    if ended_by is not None:
        query = query.where(RateLimitHit.expires_at <= ended_by)
    return session.execute(query).rowcount
