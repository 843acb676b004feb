"""The dashboard: instances by state, each department's month (R-SLA-05) and vendor score (R-MSR-02),
open breaches, provisional deadlines (a year's official schedule not loaded), complaint hot topics
(R-CLS-03), and a heatmap over a process version.

Managers see the branch. Team leads and department heads see their own department: its cases by state,
its month, score and breaches; the branch-wide hot topics and heatmap stay the managers'."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy.orm import Session

from engine.errors import Forbidden, NotFoundError
from engine.people import User
from engine.reads import (ProcessVersion, calendar_outlook, case_keys, cases_by_state, count_by_state, definition_source,
                          department_groups, department_month, month_bounds, open_slas, overseen_department,
                          process_heat, process_versions)
from processes.complaints.analysis import analyse
from processes.complaints.assessment import assess_departments, assessment_date, is_final

from .. import runtime
from ..admin.labels import group_label
from ..inbox.labels import name_label, value_label
from ..security import current_user, login_required, role_required
from . import bp, labels, params
from .instances import xml_response


@bp.get("/dashboard")
@login_required
def dashboard() -> ResponseReturnValue:
    user = current_user()
    department = _scope(user)
    engine = runtime.engine()
    zone, now, rules = engine.settings.zone(), engine.clock.now(), engine.settings.branch
    today = now.astimezone(zone).date()
    month, months, problems = params.month_choice(request.args, today)
    with runtime.reading() as db:
        within = department_groups(db, department) if department else None
        states = cases_by_state(db, user) if department else count_by_state(db)
        departments = [d for d in department_month(db, month, zone, rules.handling_hours_limit)
                       if within is None or d.department in within]
        breaches = [sla for sla in open_slas(db, now, standing_is="breached")
                    if within is None or sla.department in within]
        keys = case_keys(db, [sla.instance_id for sla in breaches])
        outlook = calendar_outlook(db, engine.calendar, now)
        topics = analyse(db, *month_bounds(month, zone)) if not department else None
        versions = process_versions(db) if not department else []
        chosen = _chosen_version(request.args.get("definition"), versions, problems)
        heat = process_heat(db, chosen.definition_id) if chosen else {}
        names = _element_names(db, chosen.definition_id) if chosen else {}
    scores = assess_departments(departments, rules)
    charts = {
        "states": {"labels": [labels.label(labels.STATES, s) for s in states], "keys": list(states),
                   "values": list(states.values())},
        "departments": {"labels": [group_label(d.department) for d in departments],
                        "on_time_rate": [round(d.on_time_rate * 100, 1) for d in departments],
                        "average_hours": [round(d.average_hours, 2) for d in departments], "limit": rules.handling_hours_limit},
        "scores": {"labels": [group_label(s.department) for s in scores], "values": [s.score for s in scores]},
        "categories": _topic_chart("category", topics.by_category if topics else []),
        "channels": _topic_chart("channel", topics.by_channel if topics else []),
    }
    heat_rows = sorted(((element, name_label(names[element]) if element in names else None, counts)
                        for element, counts in heat.items()),
                       key=lambda row: (-row[2].passed - row[2].waiting, row[0]))
    return render_template(
        "monitor/dashboard.html", month=month, months=months, problems=problems, states=states,
        departments=departments, scores=scores, breaches=breaches, outlook=outlook, topics=topics, charts=charts,
        versions=versions, chosen=chosen, heat_rows=heat_rows, limit=rules.handling_hours_limit, department=department, keys=keys,
        assessed_on=assessment_date(month, rules), final=is_final(month, today, rules)), 400 if problems else 200


def _scope(user: User) -> str | None:
    """None for a manager (the branch); a team lead's or department head's department; else refused."""
    if user.has_role("manager"):
        return None
    department = overseen_department(user)
    if department is None:
        raise Forbidden(gettext("The dashboard is for managers, team leads and department heads."))
    return department


def _topic_chart(field: str, counts: list[tuple[str, int]]) -> dict:
    return {"labels": [value_label(field, code) for code, _ in counts], "values": [n for _, n in counts]}


def _chosen_version(value: str | None, versions: list[ProcessVersion], problems: list[str]) -> ProcessVersion | None:
    if not versions:
        return None
    if value:
        match = next((v for v in versions if str(v.definition_id) == value.strip()), None)
        if match is not None:
            return match
        problems.append(gettext("There is no process version “%(value)s”.", value=value[:50]))
    return versions[0]


def _element_names(db: Session, definition_id: int) -> dict[str, str]:
    definitions = runtime.engine().definitions
    try:
        loaded = definitions.specs(definitions.get(db, definition_id))
    except NotFoundError:
        return {}
    calls = definitions.resolve_calls(db, definitions.get(db, definition_id))
    called = [definitions.specs_of(db, each) for each in calls.values()]
    names: dict[str, str] = {}
    for specs in [loaded, *called]:  # the heat counts what waits inside a called process at its own elements
        for spec in [specs.spec, *specs.embedded.values()]:
            for task_spec in spec.task_specs.values():
                bpmn_id, name = getattr(task_spec, "bpmn_id", None), getattr(task_spec, "bpmn_name", None)
                if bpmn_id and name:
                    names.setdefault(bpmn_id, name)
    return names


@bp.get("/dashboard/diagram/<int:definition_id>.bpmn")
@role_required("manager")
def version_diagram(definition_id: int) -> ResponseReturnValue:
    with runtime.reading() as db:
        return xml_response(definition_source(db, definition_id))


@bp.get("/dashboard/heat/<int:definition_id>.json")
@role_required("manager")
def version_heat(definition_id: int) -> ResponseReturnValue:
    with runtime.reading() as db:
        definition_source(db, definition_id)  # 404 for an unknown version
        heat = process_heat(db, definition_id)
    return jsonify({element: {"passed": h.passed, "waiting": h.waiting} for element, h in heat.items()})
