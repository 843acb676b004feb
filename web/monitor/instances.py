"""The instance list, one instance's page, its diagram and element status, and managers' actions."""
from __future__ import annotations

import json

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from engine.calendar.working_days import CalendarYearUnknown
from engine.errors import ConflictError, StateError
from engine.people.visibility import case_condition, require_case
from engine.runtime.element_stats import has_layout, instance_elements, instance_source
from engine.runtime.instance_search import instance_state, process_versions, search_instances
from engine.sla.reports import open_slas

from .. import runtime
from ..errors import calendar_refusal, problem
from ..security import current_user, login_required, role_required
from . import bp, labels, params

bp.context_processor(labels.template_helpers)
PER_PAGE = 25
FINAL_STATES = ("completed", "terminated")


@bp.get("/instances")
@role_required("manager")
def instances() -> ResponseReturnValue:
    filters, page, problems = params.instance_filter(request.args)
    engine = runtime.engine()
    result = None
    with runtime.reading() as db:
        versions = process_versions(db)
        if not problems:
            result = search_instances(db, engine.clock.now(), engine.settings.zone(), filters, page, PER_PAGE,
                                      visible=case_condition(current_user()))
    processes = sorted({v.process_id for v in versions})
    return render_template("monitor/instances.html", result=result, problems=problems, filters=filters,
                           processes=processes, args=params.filter_args(request.args)), 400 if problems else 200


@bp.get("/instances/<int:instance_id>")
@role_required("manager")
def instance(instance_id: int) -> ResponseReturnValue:
    engine = runtime.engine()
    now = engine.clock.now()
    with runtime.reading() as db:
        require_case(db, current_user(), instance_id)
        view = engine.instances.detail(db, instance_id)
        slas = open_slas(db, now, instance_id=instance_id)
        layout = has_layout(instance_source(db, instance_id))
    data = json.dumps(view.data or {}, ensure_ascii=False, indent=2, sort_keys=True)
    history = [(entry, json.dumps(entry.details, ensure_ascii=False, sort_keys=True) if entry.details else "")
               for entry in reversed(view.history or [])]
    return render_template("monitor/instance.html", instance=view, slas=slas, data=data, history=history,
                           has_layout=layout, final=view.state in FINAL_STATES)


def xml_response(xml: str) -> Response:
    response = Response(xml, mimetype="application/xml")
    # Opened directly, a diagram is data: nothing in it may run.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/instances/<int:instance_id>/diagram.bpmn")
@login_required
def instance_diagram(instance_id: int) -> ResponseReturnValue:
    with runtime.reading() as db:
        require_case(db, current_user(), instance_id)
        xml = instance_source(db, instance_id)
    return xml_response(xml)


@bp.get("/instances/<int:instance_id>/elements.json")
@login_required
def instance_elements_json(instance_id: int) -> ResponseReturnValue:
    engine = runtime.engine()
    with runtime.reading() as db:
        require_case(db, current_user(), instance_id)
        status = instance_elements(db, instance_id, engine.clock.now())
    return jsonify(status.as_dict())


@bp.post("/instances/<int:instance_id>/<any(suspend, resume, terminate, retry):action>")
@role_required("manager")
def act(instance_id: int, action: str) -> ResponseReturnValue:
    service = runtime.engine().instances
    by = current_user().login
    back = url_for(".instance", instance_id=instance_id)
    reason, data = None, None
    if action == "terminate":
        reason = (request.form.get("reason") or "").strip()[:1000]
        if not reason:
            flash(gettext("Give a reason to terminate the instance."), "error")
            return redirect(back)
    if action == "retry":
        data = _retry_data(request.form.get("data") or "")
        if data is None:
            return problem(400, gettext("The data to retry with must be a JSON object, e.g. {\"divisor\": 4}."))
    try:
        with runtime.transaction() as db:
            if action == "terminate":
                service.terminate(db, instance_id, by=by, reason=reason)
            elif action == "retry":
                service.retry(db, instance_id, by=by, data=data)
            else:
                getattr(service, action)(db, instance_id, by=by)
    except StateError as error:
        return _refused(instance_id, action, error)
    flash(gettext("Instance #%(id)d: %(action)s done.", id=instance_id, action=labels.label(labels.ACTIONS, action)))
    return redirect(back)


def _retry_data(text: str) -> dict | None:
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _refused(instance_id: int, action: str, error: StateError) -> ResponseReturnValue:
    if isinstance(error, CalendarYearUnknown):
        return problem(409, calendar_refusal(error))
    if isinstance(error, ConflictError):
        return problem(409, gettext("Someone changed instance #%(id)d at the same moment: reload the page and "
                                    "try again.", id=instance_id))
    with runtime.reading() as db:
        state = instance_state(db, instance_id)
    hints = {"suspended": gettext("Resume it first."), "error": gettext("Fix the cause, then retry it."),
             "active": gettext("Only an instance in error can be retried.") if action == "retry" else ""}
    message = gettext("Cannot %(action)s instance #%(id)d: it is %(state)s.", id=instance_id,
                      action=labels.label(labels.ACTIONS, action), state=labels.label(labels.STATES, state))
    hint = hints.get(state or "", "")
    return problem(409, f"{message} {hint}".strip())
