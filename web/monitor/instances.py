"""The instance list, one instance's page, its diagram and element status, and managers' actions."""
from __future__ import annotations

import json

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from engine.calendar import CalendarYearUnknown
from engine.errors import ConflictError, StateError
from engine.reads import has_layout, instance_state, people_names, process_versions

from .. import case_history, runtime
from ..errors import calendar_refusal, problem
from ..inbox.labels import attribute_label
from ..security import current_user, login_required, role_required
from . import bp, labels, params
from .diagram_names import in_reader_language

bp.context_processor(labels.template_helpers)
bp.context_processor(case_history.template_helpers)
PER_PAGE = 25
FINAL_STATES = ("completed", "terminated")


@bp.get("/instances")
@role_required("manager")
def instances() -> ResponseReturnValue:
    filters, page, problems = params.instance_filter(request.args)
    result, names = None, {}
    with runtime.reading() as db:
        versions = process_versions(db)
        if not problems:
            result = runtime.engine().reads.instances(db, current_user(), filters, page, PER_PAGE)
            names = people_names(db, [row.instance.started_by for row in result.rows])
    processes = sorted({v.process_id for v in versions})
    process_names = {v.process_id: v.name for v in sorted(versions, key=lambda v: v.version) if v.name}
    return render_template("monitor/instances.html", result=result, problems=problems, filters=filters,
                           processes=processes, process_names=process_names, names=names,
                           args=params.filter_args(request.args)), 400 if problems else 200


@bp.get("/instances/<int:instance_id>")
@login_required
def instance(instance_id: int) -> ResponseReturnValue:
    """The case for whoever may see it (engine.people.visibility: managers, those who worked it, those it
    was escalated or reported to); the actions are the managers'."""
    reads = runtime.engine().reads
    with runtime.reading() as db:
        read = reads.instance(db, current_user(), instance_id)
        layout = has_layout(reads.diagram(db, current_user(), instance_id))
    return render_template("monitor/instance.html", read=read, instance=read.instance, has_layout=layout, final=read.instance.state in FINAL_STATES,
                           attribute_label=attribute_label)


def xml_response(xml: str) -> Response:
    """A deployed diagram for the viewer, its names in the reader's language."""
    response = Response(in_reader_language(xml), mimetype="application/xml")
    # Opened directly, a diagram is data: nothing in it may run.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/instances/<int:instance_id>/diagram.bpmn")
@login_required
def instance_diagram(instance_id: int) -> ResponseReturnValue:
    with runtime.reading() as db:
        xml = runtime.engine().reads.diagram(db, current_user(), instance_id, request.args.get("element"))
    return xml_response(xml)


@bp.get("/instances/<int:instance_id>/elements.json")
@login_required
def instance_elements_json(instance_id: int) -> ResponseReturnValue:
    with runtime.reading() as db:
        status = runtime.engine().reads.elements(db, current_user(), instance_id)
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
