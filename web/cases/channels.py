"""The intake forms, one per channel a contact comes in by: what each asks, what it fills in by itself
(defaults), and how the answers become the complaint's intake, which the engine checks against the
diagram's form.

Every channel asks who calls and what about; the yes/no questions start at the common answer, the
rare ones inside a collapsed "more" section. A field asked by hand has no default: the person types
or chooses it (`hand_filled` counts them).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Mapping

from flask_babel import lazy_gettext as _
from werkzeug.datastructures import MultiDict

from ..inbox.labels import VALUES

TRUE = "true"


@dataclass(frozen=True)
class Ask:
    name: str                     # the intake field it fills (or a field of the channel's own record)
    label: Any
    widget: str                   # tel, text, textarea, select, choice (radio buttons), flag, datetime
    options: tuple[str, ...] = ()
    default: Any = None           # None: filled by hand
    required: bool = True
    help: Any = None
    when: tuple[str, str] | None = None   # asked only when another field has this value
    max_length: int = 200

    def option_label(self, value: str) -> str:
        labels = OPTION_LABELS.get(self.name) or VALUES.get(self.name) or {}
        return str(labels.get(value, value))


@dataclass(frozen=True)
class Section:
    key: str
    title: Any
    asks: tuple[Ask, ...]
    collapsed: bool = False
    toggle: Ask | None = None     # a box that opens the section (its asks are read only when ticked)
    note: Any = None


@dataclass(frozen=True)
class Channel:
    slug: str
    title: Any
    summary: Any
    fixed: dict[str, Any]         # intake values the channel itself sets
    sections: tuple[Section, ...]

    def asks(self) -> list[Ask]:
        found = []
        for section in self.sections:
            found.extend(([section.toggle] if section.toggle else []) + list(section.asks))
        return found

    def hand_filled(self) -> list[Ask]:
        """What the person must type or choose on a plain contact: asked at once, required, no default."""
        shown = [a for s in self.sections if not s.collapsed and s.toggle is None for a in s.asks]
        return [ask for ask in shown if ask.required and ask.default is None and ask.when is None]


CONTACT_KINDS = {  # what the person says the contact is -> the answers the classification reads
    "complaint": {"service_unusable": False, "self_service_lookup": False, "dissatisfied": True,
                  "wants_solution": True},
    "fault_report": {"service_unusable": True, "self_service_lookup": False, "dissatisfied": True,
                     "wants_solution": True},
    "consultation": {"service_unusable": False, "self_service_lookup": False, "dissatisfied": False,
                     "wants_solution": False},
    "inquiry": {"service_unusable": False, "self_service_lookup": True, "dissatisfied": False,
                "wants_solution": False},
}
CONTACT_KIND_LABELS = {
    "complaint": _("Complaint: dissatisfied, wants it solved"),
    "fault_report": _("Fault report: a service does not work"),
    "consultation": _("Consultation: a question on products or tariffs"),
    "inquiry": _("Inquiry: fees, bills or points"),
}
OPTION_LABELS = {"contact_kind": CONTACT_KIND_LABELS, "public_source": VALUES["source"]}
ESCALATING_BODIES = ("miit_appeal_centre", "group_hq", "regulator", "consumer_association")
GROUP_CHANNELS = ("group_hotline", "group_web", "media", "weibo")
CHANNEL_RECORD = _("Channel record")


def flag(name: str, label: Any, default: bool = False, help: Any = None) -> Ask:
    return Ask(name, label, "flag", default=default, required=False, help=help)


CALLER = Section("caller", _("Caller"), (
    Ask("customer_phone", _("Phone"), "tel", max_length=20,
        help=_("Mobile or fixed line; the caller's open and recent cases show as you type.")),
    Ask("customer_name", _("Customer name"), "text", max_length=50),
))
MATTER = Section("matter", _("What it is about"), (
    Ask("contact_kind", _("Kind of contact"), "choice", tuple(CONTACT_KINDS), default="complaint"),
    Ask("category", _("Category"), "select", tuple(VALUES["category"])),
    Ask("fault_kind", _("Kind of fault"), "select", tuple(VALUES["fault_kind"]), required=False,
        when=("contact_kind", "fault_report"), help=_("Sets the repair time limit.")),
    Ask("description", _("What the customer says"), "textarea", max_length=2000,
        help=_("In the customer's words: what happened, since when, where, what they want.")),
    Ask("urgency", _("Urgency"), "choice", tuple(VALUES["urgency"])[::-1], default="一般"),
))
SPECIAL = Section("special", _("Special cases"), (
    flag("key_customer", _("Key customer (green channel)")),
    flag("major", _("Major complaint: report level by level at once")),
    flag("over_head_tendency", _("The customer threatens to go over our heads")),
))
REPEAT = Section("repeat", _("Repeat complaint"), (
    Ask("repeat_of", _("Number of the earlier complaint"), "text", max_length=50),
    Ask("repeat_reason", _("Why the customer is dissatisfied with its result"), "textarea", max_length=2000),
), toggle=flag("is_repeat", _("The customer is dissatisfied with the result of a closed complaint")))
VALIDITY = (
    flag("anonymous", _("The complainant stays anonymous")),
    flag("is_customer_or_authorised", _("The customer or someone they authorised"), True),
    flag("specific_enough", _("Specific enough to verify"), True),
    flag("contact_complete", _("Contact details complete"), True),
    flag("within_services", _("Within our services"), True),
)
LEVEL_ONE = (
    flag("vip_customer", _("VIP customer")),
    flag("public_media_exposure", _("Exposed in public media")),
    flag("regulator_with_deadline", _("A regulator or consumer body set a deadline")),
    flag("important_group_channel", _("Important complaint from the group website, mailbox or regulator")),
    flag("group_customer_leaving", _("A group customer threatens to leave")),
    flag("from_leadership_or_important", _("From leadership or an important customer")),
    flag("illegal_sms_or_security", _("Illegal text messages or a security impact")),
)
LEVEL_TWO = (
    flag("premium_brand", _("Premium-brand customer")),
    flag("sensitive_profession", _("Journalist, lawyer or another sensitive profession")),
    flag("institution_quick_answer", _("An important institution wants a quick answer")),
    flag("billing_dispute_risk", _("May cause a billing dispute")),
)
SOURCE = Ask("source", _("Who raises it"), "select", ("customer", "supervisor"), default="customer")
SUPERVISOR = Ask("supervisor_id", _("Supervisor's ID number"), "text", when=("source", "supervisor"), max_length=50)
BATCH = Ask("batch_id", _("Batch number (many complaints of one cause)"), "text", required=False, max_length=50)


def more(*, without: tuple[str, ...] = ()) -> Section:
    asks = (SOURCE, SUPERVISOR, BATCH, *VALIDITY, *LEVEL_ONE, *LEVEL_TWO)
    return Section("more", _("More details"), tuple(a for a in asks if a.name not in without), collapsed=True,
                   note=_("Filled in with the usual answers: change only what differs."))


def record(*asks: Ask, note: Any = None) -> Section:
    return Section("record", CHANNEL_RECORD, asks, note=note)


def channel(slug: str, title: Any, summary: Any, fixed: dict, *extra: Section, without: tuple[str, ...] = ()
            ) -> Channel:
    return Channel(slug, title, summary, fixed, (CALLER, *extra, MATTER, SPECIAL, REPEAT, more(without=without)))


CHANNELS: dict[str, Channel] = {c.slug: c for c in (
    channel("hotline", _("10000 hotline"), _("A customer calls the 10000 hotline."),
            {"channel": "hotline_10000"}),
    channel("hall", _("Business hall"), _("A customer comes to a business hall; they sign the record."),
            {"channel": "business_hall"},
            record(Ask("hall_name", _("Business hall"), "text", required=False, max_length=100))),
    channel("web", _("Web hall"), _("A complaint left on the web hall; verified by phone before dispatch."),
            {"channel": "web_hall"},
            record(Ask("online_account", _("Web hall account"), "text", required=False, max_length=100))),
    channel("app", _("Mobile app"), _("A complaint left in the app; verified by phone before dispatch."),
            {"channel": "app"},
            record(Ask("online_account", _("App account"), "text", required=False, max_length=100))),
    channel("chat", _("Online chat"), _("A customer writes to online service; verified by phone before dispatch."),
            {"channel": "online_chat"},
            record(Ask("chat_session", _("Chat session number"), "text", required=False, max_length=100))),
    channel("group", _("Group channels"), _("Passed on by the group hotline or website, the media or Weibo."),
            {}, record(
                Ask("channel", _("Channel"), "select", GROUP_CHANNELS, default="group_hotline"),
                Ask("group_ticket", _("Group ticket number"), "text", required=False, max_length=100),
                flag("public_media_exposure", _("Exposed in public media")),
                flag("important_group_channel",
                     _("Important complaint from the group website, mailbox or regulator"))),
            without=("public_media_exposure", "important_group_channel")),
    channel("escalated", _("Escalated by an outside body"),
            _("From the MIIT appeal centre, group headquarters, the communications administration or the "
               "consumer association, with their deadline; the duty desk accepts it."),
            {}, record(
                Ask("public_source", _("Passed on by"), "select", ESCALATING_BODIES),
                Ask("source_reference", _("Their reference number"), "text", max_length=100),
                Ask("source_deadline", _("Their deadline"), "datetime"),
                flag("regulator_with_deadline", _("A regulator or consumer body set a deadline"), True)),
            without=("source", "supervisor_id", "regulator_with_deadline")),
)}
RECORD_ONLY = {"contact_kind", "is_repeat", "public_source"}  # read by the mapping, not intake fields themselves


@dataclass(frozen=True)
class Reading:
    values: dict[str, Any]        # what the form shows again (text as typed, flags as booleans)
    data: dict[str, Any]          # the complaint's intake
    problems: dict[str, str]      # field -> what to correct (before the diagram's form is checked)


def blank(chosen: Channel, prefill: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The values a new form starts with: the defaults, and what the page was opened with."""
    values = {ask.name: ask.default for ask in chosen.asks() if ask.default is not None}
    for name, value in (prefill or {}).items():
        if value and any(ask.name == name and ask.widget in ("tel", "text") for ask in chosen.asks()):
            values[name] = value[:200]
    if values.get("repeat_of"):
        values["is_repeat"] = True
    return values


def read(chosen: Channel, form: MultiDict, zone: tzinfo, messages: Mapping[str, str]) -> Reading:
    """The submitted form read against the channel's asks; `messages` words the problems
    (`required`, `choose`, `datetime`, `too_long`)."""
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for section in chosen.sections:
        if section.toggle is not None:
            values[section.toggle.name] = _flag(section.toggle, form)
            if not values[section.toggle.name]:
                continue
        for ask in section.asks:
            if ask.when is not None and values.get(ask.when[0]) != ask.when[1]:
                continue
            if ask.widget == "flag":
                values[ask.name] = _flag(ask, form)
                continue
            text = (form.get(ask.name) if ask.name in form else ask.default or "").strip()
            values[ask.name] = text
            if not text:
                if ask.required:
                    problems[ask.name] = messages["required"]
            elif len(text) > ask.max_length:
                problems[ask.name] = messages["too_long"]
            elif ask.options and text not in ask.options:
                problems[ask.name] = messages["choose"]
            elif ask.widget == "datetime" and _moment(text, zone) is None:
                problems[ask.name] = messages["datetime"]
    return Reading(values, intake_data(chosen, values, zone), problems)


def intake_data(chosen: Channel, values: Mapping[str, Any], zone: tzinfo) -> dict[str, Any]:
    """The complaint's intake from the form's values: the channel's own values, what was asked (left out
    when empty), the answers the kind of contact stands for, and the outside body as channel and source."""
    data: dict[str, Any] = dict(chosen.fixed)
    asked = {ask.name: ask for ask in chosen.asks()}
    for name, value in values.items():
        if name in RECORD_ONLY or value in ("", None):
            continue
        data[name] = _moment(value, zone) if asked[name].widget == "datetime" else value
    data.update(CONTACT_KINDS.get(values.get("contact_kind") or "complaint", CONTACT_KINDS["complaint"]))
    if values.get("public_source"):
        data["channel"] = data["source"] = values["public_source"]
    return data


def with_defaults(chosen: Channel, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` completed with the defaults of what was not read (for showing the form again)."""
    return {**blank(chosen), **values}


def _flag(ask: Ask, form: MultiDict) -> bool:
    """A box is sent as a hidden "false" and, when ticked, a "true" after it; not sent: its default."""
    sent = form.getlist(ask.name)
    return TRUE in sent if sent else bool(ask.default)


def _moment(text: str, zone: tzinfo) -> str | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat(timespec="seconds")

