"""The case history's sentences and the case card's values in the reader's language.

The engine's read side tells a case as `HistoryLine`s (a message id and named parameters) and
`ShownValue`s; here they are worded from the catalogues, for the pages and for the API's `text`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext, lazy_gettext as _l, lazy_pgettext

from engine.reads import HistoryLine, ShownValue

from .i18n import local_time

NAMES = ("task", "deadline", "process", "event")  # parameters that are diagram or deadline names
# Messages a case receives and events its steps record, by their codes.
EVENTS = {
    "customer_called_again": lazy_pgettext("case", "The customer called again"),
    "case.reported_upward": lazy_pgettext("case", "Reported upward, level by level"),
    "case.reminded": lazy_pgettext("case", "The customer chased the case; the department was reminded"),
    "case.reminders_escalated": lazy_pgettext("case", "Reminders piled up; the team lead was told"),
    "case.repeated": lazy_pgettext("case", "The customer was dissatisfied; a linked repeat ticket was opened"),
    "reaction.failed": lazy_pgettext("case", "A follow-up step of the process failed and was skipped"),
    "sla.breach_effects_failed": lazy_pgettext(
        "case", "A missed deadline's follow-up (marking the case, telling the customer) failed and was skipped"),
}

SENTENCES = {
    "case.started": _l("%(actor)s opened the case (%(process)s)"),
    "case.completed": _l("System: the case is closed"),
    "case.suspended": _l("%(actor)s suspended the case"),
    "case.resumed": _l("%(actor)s resumed the case"),
    "case.retried": _l("%(actor)s retried the case after its error"),
    "case.repaired": _l("%(actor)s repaired the case's records"),
    "case.terminated": _l("%(actor)s terminated the case: %(reason)s"),
    "case.terminated_no_reason": _l("%(actor)s terminated the case"),
    "case.error": _l("System: the case stopped with an error at “%(task)s”"),
    "case.event": _l("%(actor)s recorded: %(event)s"),
    "task.completed": _l("%(actor)s completed “%(task)s”"),
    "task.created": _l("“%(task)s” went to %(holder)s"),
    "task.created_unassigned": _l("“%(task)s” is waiting to be taken"),
    "task.claimed": _l("%(actor)s claimed “%(task)s”"),
    "task.unclaimed": _l("%(actor)s gave “%(task)s” back to its group"),
    "task.reassigned": _l("%(actor)s handed “%(task)s” to %(to)s"),
    "task.delegated": _l("%(actor)s delegated “%(task)s” to %(to)s"),
    "task.cancelled": _l("System: “%(task)s” was withdrawn"),
    "sla.warning": _l("System: %(percent)s of the time for “%(deadline)s” has passed"),
    "sla.breached": _l("System: the deadline “%(deadline)s” was missed"),
    "sla.breached_escalated": _l("System: the deadline “%(deadline)s” was missed; %(to)s was told"),
    "sla.escalated": _l("System: “%(deadline)s” was escalated to %(to)s"),
    "sla.pause": _l("%(actor)s paused the deadlines: %(reason)s"),
    "sla.pause_no_reason": _l("%(actor)s paused the deadlines"),
    "sla.resume": _l("%(actor)s restarted the deadlines"),
    "sla.recomputed": _l("System: “%(deadline)s” is now due %(due)s"),
    "timer.fired": _l("System: time is up for “%(event)s”"),
    "event.other": _l("%(actor)s: %(event)s"),
    "case.reported": _l("System: reported up the chain, level %(level)s: %(group)s was told"),
    "case.marked": _l("System: the case was marked by its deadline rules"),
    "customer.told": _l("System: a message went to the customer (%(channel)s)"),
    "customer.not_told": _l("System: the customer could not be told: no contact number was recorded"),
}
CHANNELS = {"sms": _l("SMS"), "mail": _l("mail")}  # how a message went to the customer


class _Params(dict):
    """A sentence's parameters; one the line does not carry reads as empty rather than failing."""

    def __missing__(self, key: str) -> str:
        return ""


def sentence(line: HistoryLine) -> str:
    """The line as one sentence in the reader's language."""
    params = _Params({name: _name(value) if name in NAMES else _param(value) for name, value in line.params.items()})
    if "channel" in params:
        params["channel"] = str(CHANNELS.get(params["channel"], params["channel"]))
    if not params.get("actor"):
        params["actor"] = gettext("System")
    template = SENTENCES.get(line.message, SENTENCES["event.other"])
    return str(template) % params


def _name(value: Any) -> str:
    from .inbox.labels import name_label  # the inbox package imports this module
    label = EVENTS.get(value) if isinstance(value, str) else None
    return str(label) if label is not None else name_label(_param(value))


def _param(value: Any) -> str:
    if isinstance(value, datetime):
        return local_time(value)
    return "" if value is None else str(value)


def value_text(value: ShownValue) -> str:
    """A recorded value as plain text (the pages draw the same with `_case.html`'s macro)."""
    if value.kind == "yes_no":
        return gettext("Yes") if value.value else gettext("No")
    if value.kind == "date_time":
        return local_time(value.value)
    if value.kind == "masked":
        return gettext("(hidden)")
    from .inbox.labels import name_label, value_label  # the inbox package imports this module
    if value.kind == "list":
        return "、".join(name_label(item) for item in value.items)
    return name_label(value.text) if value.text else value_label(value.name, value.value)


def template_helpers() -> dict:
    return {"history_sentence": sentence}
