"""What the inbox pages call SLA standings and audit events, in the user's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _

STANDINGS = {
    "on_track": _("On track"),
    "warning": _("Warning"),
    "breached": _("Overdue"),
}
EVENTS = {
    "instance.started": _("Case started"),
    "instance.completed": _("Case completed"),
    "instance.error": _("Error"),
    "instance.suspended": _("Case suspended"),
    "instance.resumed": _("Case resumed"),
    "instance.retried": _("Retried"),
    "instance.terminated": _("Case terminated"),
    "task.created": _("Task created"),
    "task.claimed": _("Task claimed"),
    "task.unclaimed": _("Task given back"),
    "task.reassigned": _("Task reassigned"),
    "task.delegated": _("Task delegated"),
    "task.completed": _("Task completed"),
    "task.cancelled": _("Task cancelled"),
    "message.received": _("Message received"),
    "signal.received": _("Signal received"),
    "sla.started": _("Deadline started"),
    "sla.warning": _("Deadline warning"),
    "sla.breached": _("Deadline missed"),
    "sla.escalated": _("Escalated"),
    "sla.pause": _("Deadline clock paused"),
    "sla.paused": _("Deadline clock paused"),
    "sla.resume": _("Deadline clock resumed"),
    "sla.resumed": _("Deadline clock resumed"),
    "sla.recomputed": _("Deadline recomputed"),
    "timer.waiting": _("Timer set"),
    "timer.fired": _("Timer fired"),
    "timer.cancelled": _("Timer cancelled"),
}
ATTRIBUTES = {
    "channel": _("Channel"),
    "channel_level": _("Channel level"),
    "category": _("Category"),
    "contact_type": _("Contact type"),
    "urgency": _("Urgency"),
    "network_level": _("Network level"),
    "customer_name": _("Customer"),
    "customer_phone": _("Phone"),
    "received_by": _("Received by"),
    "source": _("Source"),
    "repeat_of": _("Repeat of"),
    "batch_id": _("Batch"),
    "status": _("Status"),
    "outcome": _("Outcome"),
    "appealable": _("Appealable"),
    "valid": _("Valid"),
    "invalid_reason": _("Why invalid"),
}
# Engine steps (scripts, gateways, decisions) fill the audit trail but say nothing to a handler.
QUIET_EVENTS = ("element.completed",)


def standing_label(standing: str | None) -> str:
    return str(STANDINGS.get(standing or "", _("No deadline")))


def event_label(event: str) -> str:
    label = EVENTS.get(event)
    return str(label) if label is not None else event


def attribute_label(name: str) -> str:
    label = ATTRIBUTES.get(name)
    return str(label) if label is not None else name
