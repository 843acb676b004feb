"""The inbox page: my tasks and my groups' unclaimed ones, filtered from the query string, by due time."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from engine.errors import InvalidInputError
from engine.reads import SCOPES, InboxFilter, InboxRow, Page
from engine.reads import TASK_STANDINGS as SLA_STANDINGS

from .. import runtime
from ..security import current_user, login_required
from . import bp
from .task_rights import GroupMembers, TaskChoices, choices_for, people_names, person

PAGE_SIZE = 25
MAX_PAGE = 10_000
MAX_TEXT = 100
MAX_VALUE = 200
FILTER_ARGS = ("scope", "process", "urgency", "channel", "sla", "q")
CHOICE_ATTRIBUTES = ("channel", "urgency")  # case attributes the inbox filters by, offered from the forms' enums


@dataclass(frozen=True)
class InboxQuery:
    filters: InboxFilter
    page: int
    args: dict[str, str]  # the filters that are set, for links that keep them


@dataclass(frozen=True)
class InboxLine:
    row: InboxRow
    choices: TaskChoices


@dataclass(frozen=True)
class FilterOptions:
    processes: list[tuple[str, str]]         # process id, name
    values: dict[str, list[str]]             # attribute -> values its forms allow


def read_query(args: Mapping[str, str]) -> InboxQuery:
    """The inbox filters from the query string; `InvalidInputError` with a message the user can act on."""
    given = {name: (args.get(name) or "").strip() for name in FILTER_ARGS}
    if given["scope"] and given["scope"] not in SCOPES:
        raise InvalidInputError(_("Unknown scope: choose all tasks, mine, or unclaimed ones."))
    if given["sla"] and given["sla"] not in SLA_STANDINGS:
        raise InvalidInputError(_("Unknown deadline standing: choose on track, warning or overdue."))
    if len(given["q"]) > MAX_TEXT:
        raise InvalidInputError(_("The search text is limited to %(n)d characters.", n=MAX_TEXT))
    if any(len(given[name]) > MAX_VALUE for name in ("process", "urgency", "channel")):
        raise InvalidInputError(_("A filter value is limited to %(n)d characters.", n=MAX_VALUE))
    page_text = (args.get("page") or "1").strip()
    if not page_text.isdigit() or not 1 <= int(page_text) <= MAX_PAGE:
        raise InvalidInputError(_("The page number must be a whole number from 1 to %(n)d.", n=MAX_PAGE))
    filters = InboxFilter(scope=given["scope"] or "all", process_id=given["process"] or None,
                          urgency=given["urgency"] or None, channel=given["channel"] or None,
                          sla=given["sla"] or None, text=given["q"] or None)
    return InboxQuery(filters, int(page_text), {name: value for name, value in given.items() if value})


def filter_options(session: Session) -> FilterOptions:
    definitions = runtime.engine().definitions
    processes, values = [], {name: [] for name in CHOICE_ATTRIBUTES}
    for definition in definitions.list_latest(session):
        processes.append((definition.process_id, definition.name or definition.process_id))
        for schema in definitions.specs(definition).forms.values():
            for name in CHOICE_ATTRIBUTES:
                allowed = ((schema.get("properties") or {}).get(name) or {}).get("enum") or []
                values[name].extend(v for v in allowed if isinstance(v, str) and v not in values[name])
    return FilterOptions(processes, values)


@bp.get("/")
@login_required
def index():
    user = current_user()
    desk = runtime.engine().desk
    try:
        query = read_query(request.args)
    except InvalidInputError as problem:
        with runtime.reading() as db:
            options = filter_options(db)
        return render_template("inbox/index.html", problem=str(problem), query=None, args={}, lines=[], total=0,
                               pages=0, options=options, names={}, person=person,
                               process_names=dict(options.processes)), 400
    with runtime.reading() as db:
        total = desk.count(db, user, filters=query.filters)
        rows = desk.inbox(db, user, query.filters, Page(PAGE_SIZE, (query.page - 1) * PAGE_SIZE))
        members = GroupMembers(db)
        lines = [InboxLine(row, choices_for(user, row.task, members)) for row in rows]
        names = people_names(db)
        options = filter_options(db)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("inbox/index.html", problem=None, query=query, args=query.args, lines=lines,
                           total=total, pages=pages, options=options, names=names, person=person,
                           process_names=dict(options.processes))
