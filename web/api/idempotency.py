"""Instance starts with an `Idempotency-Key`: a retried request never starts a second instance.

The key row is inserted with the instance it started, in the same transaction: of two requests
racing with one key, the second either waits on the key's primary key and fails when the first
commits, or finds the first one's case holding the business key; either way it rolls back its own
start, looks again and is answered with the first one's instance. A failed start stores no key, so
it may be retried.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Callable

from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.errors import ConflictError
from engine.people import User, keyed_start, record_keyed_start
from engine.reads import InstanceView

from .. import runtime

HEADER = "Idempotency-Key"


def request_hash(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def start_once(user: User, key: str, body: dict[str, Any],
               instead: Callable[[Session], InstanceView | None] | None = None) -> tuple[InstanceView, bool]:
    """The instance this key started (True: a replay), or a newly started one (False); `instead` may
    answer with an existing instance in place of a new one (kept for the key like a start)."""
    engine = runtime.engine()
    digest = request_hash(body)
    for attempt in (1, 2):
        with runtime.reading() as db:  # a replay is answered without waiting for the write lock
            row = keyed_start(db, user.login, key)
            if row is not None:
                if row.request_hash != digest:
                    raise ValidationError({HEADER: ["this key was used for a different request: "
                                                    "use a new key for a new instance"]})
                return engine.instances.detail(db, row.instance_id), True
        try:
            with runtime.transaction() as db:
                view = instead(db) if instead is not None else None
                if view is None:
                    view = engine.desk.start(db, user, body["process_id"], data=body["data"],
                                             business_key=body.get("business_key"))
                record_keyed_start(db, user.login, key, digest, view.id, engine.clock.now())
                return view, False
        except (IntegrityError, ConflictError) as clash:
            # Another request with this key may have committed meanwhile (its key, or the case with
            # the same business key): look again, and answer with its instance if it is there.
            if attempt == 2:
                if isinstance(clash, ConflictError):
                    raise
                raise ConflictError(f"the {HEADER} {key!r} is being used by another request: retry") from None
    raise AssertionError("unreachable")
