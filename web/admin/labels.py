"""What people read in people administration: roles, account events and fields by their names in
the person's language, groups and departments by their labels (never their codes)."""
from __future__ import annotations

from functools import partial
from typing import Any

from flask import g
from flask_babel import gettext, lazy_pgettext

from engine.people import Groups

from .. import runtime

_role = partial(lazy_pgettext, "role")
ROLES = {
    "handler": _role("Handler"), "team_lead": _role("Team lead"), "manager": _role("Manager"),
    "designer": _role("Process designer"), "supervisor": _role("Service-quality supervisor"),
    "admin": _role("Administrator"),
}
_event = partial(lazy_pgettext, "account event")
EVENTS = {
    "person.added": _event("Account added"), "person.changed": _event("Account changed"),
    "person.disabled": _event("Account disabled"), "person.enabled": _event("Account enabled"),
    "person.password_reset": _event("Password reset by an administrator"),
    "person.password_changed": _event("Password changed by the person"),
}
GROUP_EVENTS = {"group.added": _event("Group added"), "group.changed": _event("Group changed")}
_field = partial(lazy_pgettext, "account field")
FIELDS = {
    "name": _field("Name"), "department": _field("Department"), "groups": _field("Groups"),
    "roles": _field("Roles"), "email": _field("Mail"), "active": _field("State"), "source": _field("Sign-in"),
    "label": _field("Name people read"),
}


def group_labels() -> dict[str, str]:
    """Code -> label of every group and department, read once per request."""
    if "group_labels" not in g:
        with runtime.reading() as db:
            g.group_labels = Groups().labels(db)
    return g.group_labels


def group_label(name: str | None) -> str:
    return "" if not name else group_labels().get(name, name)


def role_label(role: str) -> str:
    return str(ROLES.get(role, role))


def value_text(field: str, value: Any) -> str:
    """A field's value as people read it (labels joined by 、)."""
    if value in (None, "", [], ()):
        return "—"
    if field == "department":
        return group_label(value)
    if field == "groups":
        return "、".join(group_label(v) for v in value)
    if field == "roles":
        return "、".join(role_label(v) for v in value)
    if field == "active":
        return gettext("In use") if value else gettext("Disabled")
    if field == "source":
        return gettext("organisation directory") if value == "ldap" else gettext("this system")
    return str(value)


def template_helpers() -> dict:
    return {"role_label": role_label, "event_label": lambda key: str({**EVENTS, **GROUP_EVENTS}.get(key, key)),
            "field_label": lambda key: str(FIELDS.get(key, key)), "value_text": value_text, "all_roles": list(ROLES)}
