"""Instance starts asked with an `Idempotency-Key` (table `api_idempotency_keys`): the key is recorded with the
instance it started, in the same transaction, so a retry finds it (and two requests racing with one key
clash on its primary key)."""
from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from .token_table import IdempotencyKey

KEYS = IdempotencyKey.__table__
_EARLIER = select(KEYS.c.request_hash, KEYS.c.instance_id).where(
    KEYS.c.login == bindparam("login"), KEYS.c.key == bindparam("key"))


class KeyedStart(NamedTuple):
    request_hash: str
    instance_id: int | None


def keyed_start(session: Session, login: str, key: str) -> KeyedStart | None:
    """What `login` started with `key` before (the request's hash and the instance), if anything."""
    row = session.connection().execute(_EARLIER, {"login": login, "key": key}).first()
    return KeyedStart(row.request_hash, row.instance_id) if row is not None else None


def record_keyed_start(session: Session, login: str, key: str, request_hash: str, instance_id: int,
                       now: datetime) -> None:
    """Keep `key` with the instance it started; raises IntegrityError when another request kept it first."""
    session.connection().execute(insert(IdempotencyKey), {
        "login": login, "key": key, "request_hash": request_hash, "instance_id": instance_id, "created_at": now})
