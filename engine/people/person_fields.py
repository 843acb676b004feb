"""Form fields that name a person are people, checked on the server for the web, the API and the CLI.

A form marks such a field in its JSON Schema:

* `"x-person": {"actor": true}`: the person completing the task (the first responder of a contact,
  the one signing for a work order). The server writes the login of who completes the task; what a
  client sends for it is ignored, and the page does not ask for it.
* `"x-person": {"group": "network_dept"}` (or `{}` for anyone): the login of an active person (in
  that group). Anything else, a display name or a login that left, is refused naming the field.
"""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import FormInvalid
from ..persistence.tables import UserAccount
from .directory import Directory, User

KEY = "x-person"


def person_fields(schema: Mapping[str, Any] | None) -> dict[str, dict]:
    """Field name -> its `x-person` declaration, for the top-level properties of a form."""
    properties = (schema or {}).get("properties") or {}
    return {name: prop[KEY] for name, prop in properties.items()
            if isinstance(prop, dict) and isinstance(prop.get(KEY), dict)}


def actor_fields(schema: Mapping[str, Any] | None) -> list[str]:
    return [name for name, declared in person_fields(schema).items() if declared.get("actor")]


def without_actor_fields(schema: Mapping[str, Any] | None) -> dict | None:
    """The form as a person fills it in: the fields the server writes for them left out."""
    if not schema:
        return None
    actors = set(actor_fields(schema))
    if not actors:
        return dict(schema)
    shown = dict(schema)
    shown["properties"] = {k: v for k, v in (schema.get("properties") or {}).items() if k not in actors}
    if "required" in schema:
        shown["required"] = [name for name in schema["required"] if name not in actors]
    return shown


class PersonFields:
    def __init__(self, directory: Directory):
        self._directory = directory

    def candidates(self, session: Session, declared: Mapping[str, Any]) -> list[User]:
        """Who a person field may name: the active members of its group (or every active person)."""
        group = declared.get("group")
        rows = session.scalars(select(UserAccount).where(UserAccount.active.is_(True)).order_by(UserAccount.login))
        return [person for person in map(User.of, rows) if not group or group in person.groups]

    def presented(self, session: Session, schema: Mapping[str, Any] | None) -> dict | None:
        """The form as the person completing it sees it: without the fields the server writes, and each
        person field a choice of the people it may name (shown by their names)."""
        shown = without_actor_fields(schema)
        if shown is None:
            return None
        properties = dict(shown.get("properties") or {})
        for name, declared in person_fields(shown).items():
            choices = [{"const": person.login, "title": f"{person.name} ({person.login})"}
                       for person in self.candidates(session, declared)]
            properties[name] = {**properties[name], "oneOf": choices} if choices else properties[name]
        shown["properties"] = properties
        return shown

    def apply(self, session: Session, task_name: str, schema: Mapping[str, Any] | None, data: dict[str, Any],
              by: str) -> dict[str, Any]:
        """`data` with the actor fields set to `by`, after checking every other person field."""
        declared_fields = person_fields(schema)
        if not declared_fields:
            return data
        data = dict(data)
        problems: dict[str, str] = {}
        for name, declared in declared_fields.items():
            if declared.get("actor"):
                data[name] = by
                continue
            value = data.get(name)
            if value in (None, ""):
                continue
            person = self._directory.get(session, value) if isinstance(value, str) else None
            group = declared.get("group")
            if person is None:
                problems[name] = f"{value!r} is not the login of an active person; choose one from the list"
            elif group and group not in person.groups:
                problems[name] = f"{person.name} ({person.login}) is not in the group {group}"
        if problems:
            raise FormInvalid(task_name, problems)
        return data
