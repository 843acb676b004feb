"""Reading the monitor's query strings: every bad value becomes a message for the user, never a 500."""
from __future__ import annotations

from datetime import date

from flask_babel import gettext
from werkzeug.datastructures import MultiDict

from engine.reads import INSTANCE_STANDINGS as SLA_STANDINGS
from engine.reads import INSTANCE_STATES, InstanceFilter
from processes.complaints.assessment import month_of, parse_month, previous_month

MAX_TEXT = 200
FILTER_KEYS = ("process", "version", "state", "sla", "from", "to", "key")


def _text(args: MultiDict, name: str) -> str | None:
    value = (args.get(name) or "").strip()
    return value[:MAX_TEXT] or None


def _number(args: MultiDict, name: str, problems: list[str], label: str) -> int | None:
    value = _text(args, name)
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1 or len(value) > 9:
        problems.append(gettext("%(field)s must be a whole number from 1, not “%(value)s”.", field=label, value=value))
        return None
    return int(value)


def _date(args: MultiDict, name: str, problems: list[str], label: str) -> date | None:
    value = _text(args, name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(gettext("%(field)s must be a date like 2026-03-31, not “%(value)s”.", field=label, value=value))
        return None


def _choice(args: MultiDict, name: str, allowed: tuple[str, ...], problems: list[str], label: str) -> str | None:
    value = _text(args, name)
    if value is not None and value not in allowed:
        problems.append(gettext("%(field)s “%(value)s” is not one of the choices.", field=label, value=value))
        return None
    return value


def instance_filter(args: MultiDict) -> tuple[InstanceFilter, int, list[str]]:
    """The list filters and page number from a query string, and what was wrong with it."""
    problems: list[str] = []
    started_from = _date(args, "from", problems, gettext("Started from"))
    started_to = _date(args, "to", problems, gettext("Started to"))
    if started_from and started_to and started_from > started_to:
        problems.append(gettext("The start date range ends before it begins."))
        started_from = started_to = None
    filters = InstanceFilter(
        process_id=_text(args, "process"), version=_number(args, "version", problems, gettext("Version")),
        state=_choice(args, "state", INSTANCE_STATES, problems, gettext("State")),
        sla=_choice(args, "sla", SLA_STANDINGS, problems, gettext("SLA")),
        started_from=started_from, started_to=started_to, business_key=_text(args, "key"))
    page = _number(args, "page", problems, gettext("Page")) or 1
    return filters, page, problems


def filter_args(args: MultiDict) -> dict[str, str]:
    """The filters the user gave, to carry into page links."""
    return {key: args[key] for key in FILTER_KEYS if args.get(key)}


def month_choice(args: MultiDict, today: date, count: int = 12) -> tuple[str, list[str], list[str]]:
    """The chosen month ("YYYY-MM", the current one by default), the months offered, and problems."""
    current = month_of(today)
    months = [current]
    while len(months) < count:
        months.append(previous_month(months[-1]))
    chosen = _text(args, "month")
    if chosen is None:
        return current, months, []
    try:
        parse_month(chosen)
    except ValueError:
        return current, months, [gettext("A month looks like 2026-03, not “%(value)s”.", value=chosen)]
    if chosen > current:
        return current, months, [gettext("%(month)s has not begun yet.", month=chosen)]
    if chosen not in months:
        months.append(chosen)
    return chosen, months, []
