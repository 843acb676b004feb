"""Deploying safely and trying before deploying: the server side of the modeler (web/designer/ENDPOINTS.md).

All answer JSON; problems are `problem_text.problem_json` rows (file, line, element id and name, code,
parameters, message in the user's language). A draft is `{"xml", "process_id", "forms", "decisions"}`:
the diagram, the process it edits (whose stored forms and decisions come along), and stored files
(ids, or form names) a new diagram uses besides.
"""
from __future__ import annotations

from dataclasses import asdict

from flask import jsonify, request, url_for
from flask_babel import gettext

from engine import SourceFile
from engine.definitions import test_run as run_draft
from engine.errors import (ConflictError, DefinitionError, DefinitionProblem, InvalidInputError, ProcessNotFound,
                           StateError)
from engine.reads import DeployedFile, deployed_file, newest_file_named, version_history

from .. import runtime, security
from ..security import role_required
from . import bp
from .catalogue import max_bytes, outcome_message
from .files import diagram_name, problems_json, with_companions
from .problem_text import refusal_warnings_json, warnings_json


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _draft(db, body: dict) -> tuple[list[SourceFile], str]:
    xml, process_id = body.get("xml"), body.get("process_id") or ""
    if not isinstance(xml, str) or not xml.strip():
        raise DefinitionError(DefinitionProblem("<diagram>", gettext("no diagram XML was sent"), code="draft.no_xml"))
    content = xml.encode("utf-8")
    process_id = process_id.strip() if isinstance(process_id, str) else ""
    given = [SourceFile(diagram_name(db, process_id, content, max_bytes()), content)]
    given += _stored_extras(db, [*(body.get("forms") or []), *(body.get("decisions") or [])])
    return with_companions(db, given, [process_id] if process_id else [], max_bytes()), process_id


def _stored_extras(db, wanted: list) -> list[SourceFile]:
    """Stored files named by id, or (forms) by file name: the newest stored copy."""
    found: dict[str, SourceFile] = {}
    for item in wanted[:50]:
        file: DeployedFile | None = None
        if isinstance(item, int):
            try:
                file = deployed_file(db, item)
            except ProcessNotFound:
                pass
        elif isinstance(item, str) and item.strip():
            file = newest_file_named(db, item.strip())
        if file is not None:
            found.setdefault(file.base_name, file.source())
    return list(found.values())


def _changes_json(changes) -> dict | None:
    return None if changes is None else {"added": [asdict(e) for e in changes.added],
                                         "removed": [asdict(e) for e in changes.removed],
                                         "changed": [asdict(c) for c in changes.changed]}


@bp.post("/deploy/preview")
@role_required("designer")
def deploy_preview():
    """The draft against the version new instances start on now. Answers `{"problems", "process_id",
    "current": {"version", "xml"} | null, "running_instances", "changed", "changes": {"added",
    "removed", "changed"} | null, "warnings": [...], "processes": [...]}`: one entry per process the draft
    declares in `processes`, the edited (or first) one at the top level; `warnings` are the lint rules'
    findings that do not refuse a deployment, shown in the dialog."""
    body = _body()
    try:
        with runtime.reading() as db:
            files, process_id = _draft(db, body)
            previews = runtime.engine().releases.preview(db, files)
    except DefinitionError as error:
        return jsonify({"problems": problems_json(error), "warnings": refusal_warnings_json(error)})
    rows = [{"process_id": p.process_id,
             "current": None if p.current_version is None else {"version": p.current_version, "xml": p.current_xml},
             "running_instances": p.running_instances,
             "changed": p.changes is None or not p.changes.empty, "changes": _changes_json(p.changes)}
            for p in previews]
    top = next((row for row in rows if row["process_id"] == process_id), rows[0])
    return jsonify({**top, "problems": [], "warnings": warnings_json(previews), "processes": rows})


@bp.post("/deploy/confirm")
@role_required("designer")
def deploy_confirm():
    """Deploy the draft with `{"reason"}` (required) and `{"base_version"}` (the version the designer
    compared with; null for a new process). Answers `{"deployed": [{"process_id", "version", "changed",
    "message", "edit_url"}], "problems"}`; 422 with problems; 409 when another version came since."""
    body = _body()
    try:
        with runtime.transaction() as db:
            files, process_id = _draft(db, body)
            base = {process_id: body.get("base_version")} if process_id and "base_version" in body else None
            outcomes = runtime.engine().releases.deploy_confirmed(db, files, security.current_user().login,
                                                                  body.get("reason"), base)
    except DefinitionError as error:
        return jsonify({"deployed": [], "problems": problems_json(error)}), 422
    except InvalidInputError:
        return _refused("deploy.reason_missing", _no_reason(), 400, deployed=[])
    except ConflictError:
        return _refused("deploy.stale", gettext("Another version was deployed since you compared: look at the "
                                                "difference again."), 409, deployed=[])
    return jsonify({"deployed": [
        {"process_id": o.process_id, "version": o.version, "changed": o.changed,
         "message": outcome_message(o.process_id, o.version, o.changed),
         "edit_url": url_for("designer.edit", process_id=o.process_id)} for o in outcomes], "problems": []})


def _no_reason() -> str:
    return gettext("Write why you change it: the reason is kept with the new version.")


def _refused(code: str, message: str, status: int, **body):
    """A refusal that is not the diagram's: one problem with its code and message, like the diagram's."""
    return jsonify({**body, "problems": [{"file": "", "line": None, "element_id": None, "element_name": None,
                                          "code": code, "params": {}, "message": message}]}), status


@bp.get("/processes/<process_id>/versions")
@role_required("designer")
def versions(process_id: str):
    """`{"current", "versions": [{"version", "deployed_at", "deployed_by", "reason", "content_of",
    "running_instances", "xml_url"}]}`, newest first; `content_of` names the version a rollback copied."""
    try:
        with runtime.reading() as db:
            records = version_history(db, process_id)
    except ProcessNotFound:
        return jsonify({"message": gettext("No process %(process)s is deployed.", process=process_id)}), 404
    return jsonify({"current": records[0].version, "versions": [
        {"version": r.version, "deployed_at": r.deployed_at.isoformat(), "deployed_by": r.deployed_by,
         "reason": r.reason, "content_of": r.content_of, "running_instances": r.running_instances,
         "xml_url": url_for("designer.download", file_id=r.bpmn_file_id)} for r in records]})


@bp.post("/processes/<process_id>/versions/<int:version>/make-current")
@role_required("designer")
def make_current(process_id: str, version: int):
    """Roll back: `{"reason"}` (required). New instances start on version `version`'s content, deployed
    as the next version. Answers `{"current": the new version, "content_of": version, "message", "problems":
    []}`; refused with `{"problems": [one]}` and 404 (no such process or version), 400 (no reason), 409
    (new instances already start on that content) or 422 (its files no longer deploy, problems listed)."""
    body = _body()
    try:
        with runtime.transaction() as db:
            outcome = runtime.engine().releases.roll_back(db, process_id, version, security.current_user().login,
                                                          body.get("reason"))
    except ProcessNotFound:
        return _refused("rollback.no_version", gettext("%(process)s has no version %(version)d.",
                                                       process=process_id, version=version), 404)
    except InvalidInputError:
        return _refused("deploy.reason_missing", _no_reason(), 400)
    except StateError:
        return _refused("rollback.already_current", gettext("New cases already start on this content."), 409)
    except DefinitionError as error:
        return jsonify({"problems": problems_json(error)}), 422
    return jsonify({"current": outcome.version, "content_of": version, "problems": [],
                    "message": gettext("%(process)s: version %(version)d is current again, as version %(new)d",
                                       process=process_id, version=version, new=outcome.version)})


@bp.post("/test-run")
@role_required("designer")
def test_run():
    """Run the draft on a scratch database: `{"data": {...}, "task_data": {element id: {...}}}` besides the
    draft. Answers `{"problems", "state": completed|waiting|error|stopped, "message", "path":
    [{"element_id", "name", "kind"}], "forms": [{"element_id", "name", "schema", "data"}]}`."""
    body = _body()
    data = body.get("data") if isinstance(body.get("data"), dict) else {}
    task_data = body.get("task_data") if isinstance(body.get("task_data"), dict) else {}
    try:
        with runtime.reading() as db:
            files, process_id = _draft(db, body)
        trial = run_draft(runtime.engine(), files, process_id or None, data, task_data)
    except DefinitionError as error:
        return jsonify({"problems": problems_json(error), "path": [], "forms": []})
    label = _STATE_LABELS.get(trial.state, _STATE_LABELS["stopped"])
    return jsonify({"problems": [], "state": trial.state, "state_label": label(),
                    "message": trial.message, "path": trial.path, "forms": trial.forms})


_STATE_LABELS = {"completed": lambda: gettext("completed"), "waiting": lambda: gettext("waiting at a task"),
                 "error": lambda: gettext("stopped with an error"), "stopped": lambda: gettext("stopped early")}
