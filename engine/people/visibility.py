"""Who may see a case: one rule for pages, the API, diagrams, searches, exports and notifications.

A person sees a case
* they took part in: they started it, or a task of it was theirs (claimed, assigned or completed);
* that sits in one of their groups: it has an open, unclaimed task of a group they work (a team
  lead: any open task of their groups);
* that their department manages, if they lead a team: a task of it, open or done, belonged to a
  group of their department;
* that was escalated or reported to them (told as the target of a missed deadline, of piled-up
  reminders, or of a major complaint's report up the chain);
and managers (their scope is the branch) and admins see every case.

Supervisors (社会监督员) see only the cases they took part in, and never a customer's identity: the
fields a form marks `"x-sensitive": "customer"` are masked for them wherever case data is shown
(`CaseMask`).
"""
from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select, true
from sqlalchemy.orm import Session

from ..errors import InstanceNotFound
from ..persistence.tables import Base, Group, HumanTask, ProcessInstance
from .directory import User

INSTANCES = ProcessInstance.__table__
TASKS = HumanTask.__table__
GROUPS = Group.__table__
MASK = "***"


def sees_every_case(user: User) -> bool:
    return user.has_role("manager")


def case_condition(user: User, instance_id=INSTANCES.c.id) -> ColumnElement[bool]:
    """A condition on an instance id column: true for the cases `user` may see."""
    if sees_every_case(user):
        return true()
    task = TASKS.alias("seen_task")
    of_case = task.c.instance_id == instance_id
    ways = [
        exists(select(INSTANCES.c.id).where(INSTANCES.c.id == instance_id, INSTANCES.c.started_by == user.login)),
        exists(select(task.c.id).where(of_case, or_(task.c.assignee == user.login,
                                                     task.c.completed_by == user.login))),
    ]
    if user.groups and "supervisor" not in user.roles:
        waiting = [of_case, task.c.state == "open", task.c.candidate_group.in_(sorted(user.groups))]
        if "team_lead" not in user.roles:  # a colleague's claimed task is theirs; a team lead sees it too
            waiting.append(task.c.assignee.is_(None))
        ways.append(exists(select(task.c.id).where(*waiting)))
    if "supervisor" not in user.roles:
        ways.append(_told(user, instance_id))
    if user.department and "team_lead" in user.roles:
        department_groups = select(GROUPS.c.name).where(
            or_(GROUPS.c.name == user.department, GROUPS.c.department == user.department))
        ways.append(exists(select(task.c.id).where(of_case, task.c.candidate_group.in_(department_groups))))
    return or_(*ways) if ways else false()


def _told(user: User, instance_id) -> ColumnElement[bool]:
    """`user` was told of the case as the one it escalates or is reported to."""
    from ..notifications.kinds import ESCALATIONS  # the notifications package imports this one's package

    notes = Base.metadata.tables["notifications"]
    return exists(select(notes.c.id).where(notes.c.recipient == user.login, notes.c.instance_id == instance_id,
                                           notes.c.kind.in_(ESCALATIONS)))


def sees_case(session: Session, user: User, instance_id: int) -> bool:
    return bool(session.execute(select(case_condition(user, instance_id))).scalar())


def require_case(session: Session, user: User, instance_id: int) -> None:
    """Refuse a case `user` may not see as if it did not exist (no one learns which ids are taken)."""
    if not sees_case(session, user, instance_id):
        raise InstanceNotFound(f"no instance #{instance_id}")


class CaseMask:
    """What of a case's data a person may read: supervisors get the customer's identity masked."""

    def __init__(self, user: User, sensitive: frozenset[str]):
        self.active = bool(sensitive) and "supervisor" in user.roles and not user.has_role("manager", "handler")
        self.sensitive = sensitive

    def __call__(self, value: Any) -> Any:
        """`value` (data, a list, an audit entry or task view, or lists of them) with sensitive fields masked."""
        return _masked(value, self.sensitive) if self.active else value


def _masked(value: Any, sensitive: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {key: (MASK if key in sensitive and item not in (None, "") else _masked(item, sensitive))
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(item, sensitive) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _masked(getattr(value, f.name), sensitive) for f in fields(value)
                   if isinstance(getattr(value, f.name), (dict, list))}
        return replace(value, **changes) if changes else value
    return value


def sensitive_fields(forms: dict[str, dict]) -> frozenset[str]:
    """The data fields a definition's forms mark `"x-sensitive"` (at any depth of their properties)."""
    found: set[str] = set()

    def walk(schema: Any) -> None:
        if isinstance(schema, dict):
            for name, field in (schema.get("properties") or {}).items():
                if isinstance(field, dict) and field.get("x-sensitive"):
                    found.add(name)
                walk(field)
            for key in ("items", "additionalProperties"):
                walk(schema.get(key))
            for key in ("allOf", "anyOf", "oneOf"):
                for part in schema.get(key) or []:
                    walk(part)

    for schema in forms.values():
        walk(schema)
    return frozenset(found)
