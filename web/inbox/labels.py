"""What the inbox pages call SLA standings and audit events, in the user's language."""
from __future__ import annotations

from functools import partial

from flask_babel import get_locale
from flask_babel import lazy_gettext as _
from flask_babel import lazy_pgettext

from engine.notifications import name_in

_c = partial(lazy_pgettext, "case")  # words that other areas' catalogues also translate
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
    "callback_attempts": _c("Callback attempts"),
    "max_callback_attempts": _c("Callback attempts allowed"),
    "owner_informed": _c("First responder told"),
    "reminders": _c("Reminders"),
    "conversion_reason": _c("Why converted"),
    "appeal_info": _c("Appeal"),
    "quarter": _c("Quarter"),
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

# The values a complaint's fields take (codes in the data), by field, as people read them.
VALUES = {
    "channel": {
        "hotline_10000": _("10000 hotline"), "business_hall": _("Business hall"), "web_hall": _("Web hall"),
        "app": _("Mobile app"), "online_chat": _("Online chat"), "group_hotline": _("Group hotline"),
        "group_web": _("Group website"), "media": _("Media"), "weibo": _("Weibo"),
        "miit_appeal_centre": _("MIIT appeal centre"), "group_hq": _("Group headquarters"),
        "regulator": _("Communications administration"), "consumer_association": _("Consumer association"),
    },
    "category": {
        "billing": _("Billing"), "network": _("Network"), "service": _("Service"), "product": _("Product"),
        "other": _("Other"),
    },
    "contact_type": {
        "complaint": _("Service complaint"), "fault_report": _("Fault report"), "consultation": _("Consultation"),
        "inquiry": _("Inquiry"),
    },
    "source": {
        "customer": _("The customer"), "supervisor": _("A service-quality supervisor's finding"),
        "miit_appeal_centre": _("MIIT appeal centre"), "group_hq": _("Group headquarters"),
        "regulator": _("Communications administration"), "consumer_association": _("Consumer association"),
    },
    "urgency": {"特急": _("Critical"), "紧急": _("Urgent"), "一般": _("Normal")},
    "status": {
        "open": _c("Open"), "answered": _c("Answered"), "archived": _c("Archived"),
        "closed_invalid": _c("Closed as invalid"), "closed_on_spot": _c("Closed on the spot"),
        "mediated": _c("Mediated"), "refused": _c("Refused"), "reopen_requested": _c("Reopening requested"),
    },
    "channel_level": {
        "provincial": _c("Provincial channel"), "group": _c("Group channel"), "escalated": _c("Escalated complaint"),
        "unknown": _c("Unknown channel"),
    },
    "invalid_reason": {
        "anonymous complainant": _c("Anonymous complainant"),
        "not the customer or an authorised party": _c("Not the customer or an authorised party"),
        "not specific enough to verify": _c("Not specific enough to verify"),
        "contact details incomplete": _c("Contact details incomplete"),
        "outside the operator's services": _c("Outside the operator's services"),
    },
    "network_level": {1: _c("Level 1"), 2: _c("Level 2"), 3: _c("Level 3")},
    "fault_kind": {
        "cable": _("Cable fault"), "data_line_equipment": _("Data line, on-site equipment"),
        "data_line": _("Data line"), "other": _("Other fault"),
    },
}


def value_label(field: str, value) -> str:
    """A case field's value as people read it (the code itself when it has no label)."""
    if value is None:
        return ""
    label = VALUES.get(field, {}).get(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    return str(label) if label is not None else str(value)


def name_label(name: str | None) -> str:
    """A task's or a deadline's name written "中文 English" in the reader's language (requirement ids,
    which belong in the documentation, left out); other names as they are."""
    return name_in(str(get_locale() or "zh_CN"), name)
