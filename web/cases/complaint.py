"""What the case pages know of the complaint process: its id, its intake task and the message a caller's
repeated call sends, and what its deployed definition says (the intake form and who works it, which
tasks chase which)."""
from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy.orm import Session

from engine.errors import NotFoundError
from engine.people import Rights, User
from engine.reads import chased_elements

from .. import runtime
from ..security import current_user

PROCESS = "complaint"
INTAKE = "intake"
CALLED_AGAIN = "customer_called_again"


def _definitions(db: Session) -> list[Any]:
    """The newest complaint definition and the processes it calls (newest versions), their specs loaded."""
    repository = runtime.engine().definitions
    try:
        definition = repository.latest(db, PROCESS)
        called = repository.resolve_calls(db, definition)
    except NotFoundError:
        return []
    return [repository.specs(definition), *(repository.specs_of(db, i) for i in called.values())]


def forms(db: Session) -> dict[str, dict]:
    """Task element -> its form, over the complaint and the processes it calls."""
    found: dict[str, dict] = {}
    for loaded in _definitions(db):
        for element, schema in loaded.forms.items():
            found.setdefault(element, schema)
    return found


def intake_schema(db: Session) -> dict | None:
    return forms(db).get(INTAKE)


def intake_group(db: Session) -> str | None:
    """The group whose lane holds the intake task (None: not deployed, or the lane is an expression)."""
    for loaded in _definitions(db):
        for spec in (loaded.spec, *loaded.embedded.values()):
            task = spec.task_specs.get(INTAKE)
            lane = getattr(task, "lane", None) if task is not None else None
            if lane:
                return None if lane.startswith("=") else lane
    return None


def chases(db: Session) -> dict[str, str]:
    return chased_elements(forms(db))


def may_take_in(user: User | None = None) -> bool:
    """Whether the person records contacts: the complaint names them among its starters and they work
    its intake (read once per request)."""
    user = user or current_user()
    if user is None:
        return False
    if "may_take_in" not in g:
        with runtime.reading() as db:
            try:
                starters = runtime.engine().instances.declared_starters(db, PROCESS)
            except NotFoundError:
                g.may_take_in = False
            else:
                group = intake_group(db)
                g.may_take_in = Rights.may_start(user, starters) and (group is None or group in user.groups)
    return g.may_take_in
