"""Display names of states, SLA standings, actions and audit events, in the user's language.

Every area's catalogue is merged into one, so the one-word labels carry a context of their own
(msgctxt "monitor") and cannot be overridden by another area's translation of the same word.
"""
from __future__ import annotations

from functools import partial

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

CONTEXT = "monitor"
_c = partial(lazy_pgettext, CONTEXT)

STATES = {
    "active": _c("active"), "suspended": _c("suspended"), "error": _c("error"),
    "completed": _c("completed"), "terminated": _c("terminated"),
}
STANDINGS = {
    "breached": _c("breached"), "warning": _c("warning"), "on_track": _c("on track"),
    "paused": _c("paused"), "none": _c("no open SLA"),
}
ACTIONS = {
    "suspend": _c("suspend"), "resume": _c("resume"), "terminate": _c("terminate"), "retry": _c("retry"),
}
EVENTS = {
    "instance.started": _l("Instance started"), "instance.completed": _l("Instance completed"),
    "instance.suspended": _l("Instance suspended"), "instance.resumed": _l("Instance resumed"),
    "instance.terminated": _l("Instance terminated"), "instance.error": _l("Error"),
    "instance.retried": _l("Retried"), "element.completed": _l("Step completed"),
    "task.created": _l("Task created"), "task.completed": _l("Task completed"), "task.claimed": _l("Task claimed"),
    "task.unclaimed": _l("Task released"), "task.reassigned": _l("Task reassigned"),
    "task.delegated": _l("Task delegated"), "task.cancelled": _l("Task cancelled"),
    "sla.started": _l("SLA started"), "sla.warning": _l("SLA warning"), "sla.breached": _l("SLA breached"),
    "sla.escalated": _l("SLA escalated"), "sla.met": _l("SLA met"), "sla.missed": _l("SLA missed"),
    "sla.paused": _l("SLA paused"), "sla.resumed": _l("SLA resumed"), "sla.cancelled": _l("SLA cancelled"),
    "sla.pause": _l("SLA clocks paused"), "sla.resume": _l("SLA clocks restarted"),
    "sla.recomputed": _l("SLA deadline recomputed"), "timer.waiting": _l("Timer set"),
    "timer.fired": _l("Timer fired"), "timer.cancelled": _l("Timer cancelled"),
    "message.received": _l("Message received"), "signal.received": _l("Signal received"),
}


def label(table: dict, key: str | None) -> str:
    return str(table.get(key, key or ""))


def template_helpers() -> dict:
    return {
        "state_label": lambda key: label(STATES, key),
        "standing_label": lambda key: label(STANDINGS, key),
        "event_label": lambda key: label(EVENTS, key),
        "instance_states": list(STATES),
        "sla_standings": list(STANDINGS),
    }
