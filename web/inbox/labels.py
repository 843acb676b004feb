"""What the inbox pages call SLA standings and audit events, in the user's language."""
from __future__ import annotations

import re

from flask_babel import get_locale
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
    "fault_kind": {
        "cable": _("Cable fault"), "data_line_equipment": _("Data line, on-site equipment"),
        "data_line": _("Data line"), "other": _("Other fault"),
    },
}
BILINGUAL_NAME = re.compile(r"^([^\x00-\x7f][^A-Za-z]*?)\s+([A-Za-z0-9].*)$")
REQUIREMENT_IDS = re.compile(r"\s*\((?:R-[A-Z]+-\d+[^)]*)\)")


def value_label(field: str, value) -> str:
    """A case field's value as people read it (the code itself when it has no label)."""
    if value is None:
        return ""
    label = VALUES.get(field, {}).get(value) if isinstance(value, str) else None
    return str(label) if label is not None else str(value)


def name_label(name: str | None) -> str:
    """A task's or a deadline's name written "中文 English" in the reader's language (requirement ids,
    which belong in the documentation, left out); other names as they are."""
    text = REQUIREMENT_IDS.sub("", name or "").strip()
    match = BILINGUAL_NAME.match(text)
    if match is None:
        return text
    return match.group(1).strip() if str(get_locale() or "zh_CN").startswith("zh") else match.group(2).strip()
