"""The bpmn-js modeler: open the newest version of a diagram (or a new one), validate and deploy it.

Validate and Deploy take the diagram's XML as JSON (`{"xml": ..., "process_id": ...}`) or as form
fields, and answer JSON: the problems (file, line, element id, message) the engine's parser found,
or the versions deployed. `process_id` names the process being edited, whose forms and decisions
are deployed with the diagram.
"""
from __future__ import annotations

from flask import abort, jsonify, render_template, request, url_for
from markupsafe import escape
from flask_babel import get_locale, gettext

from engine import SourceFile
from engine.errors import DefinitionError, DefinitionProblem
from engine.reads import DefinitionVersion, latest_version_files

from .. import runtime, security
from ..vendor import bundle_version
from ..security import role_required
from . import bp
from .catalogue import max_bytes, outcome_message
from .files import MAX_FILES, base_name, diagram_name, problems_json, with_companions
from .editor_api import stored_forms
from .layout import add_layout, has_layout
from .problem_text import refusal_warnings_json, warnings_json

STARTER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="Definitions_new" targetNamespace="http://sqflow/processes">
  <bpmn:process id="new_process" name="New process" isExecutable="true">
    <bpmn:startEvent id="start"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_new">
    <bpmndi:BPMNPlane id="BPMNPlane_new" bpmnElement="new_process">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start">
        <dc:Bounds x="180" y="160" width="36" height="36"/>
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


@bp.get("/processes/new")
@role_required("designer")
def new():
    return _page(None, starter_xml(), None)


def starter_xml() -> str:
    """An empty diagram: one start event in a process named in the designer's language."""
    return STARTER.replace('name="New process"', f'name="{escape(gettext("New process"))}"')


@bp.get("/processes/<process_id>/edit")
@role_required("designer")
def edit(process_id: str):
    with runtime.reading() as db:
        found = latest_version_files(db, process_id)
    if found is None:
        abort(404, gettext("No process %(process)s is deployed.", process=process_id))
    return _page(found.definition, found.diagram.content, process_id)


def _page(definition: DefinitionVersion | None, xml: str, process_id: str | None):
    prefix = url_for("designer.index")
    config = {
        "xml": xml,
        "emptyXml": starter_xml(),
        "processId": process_id or "",
        "openedVersion": definition.version if definition is not None else None,
        "locale": str(get_locale()),
        "layoutMissing": not has_layout(xml),
        "urls": {"validate": url_for("designer.validate"), "deploy": url_for("designer.deploy"),
                 "layout": url_for("designer.layout"), "index": prefix,
                 "catalog": url_for("designer.catalog"), "checkScript": url_for("designer.check_script_view"),
                 "timerPreview": url_for("designer.timer_preview"),
                 # the server side's deployment and test run (ENDPOINTS.md)
                 "deployPreview": prefix + "deploy/preview", "deployConfirm": prefix + "deploy/confirm",
                 "testRun": prefix + "test-run"},
        "text": modeler_text(),
    }
    return render_template("designer/modeler.html", definition=definition, config=config,
                           process_id=process_id, bundle_version=bundle_version())


def modeler_text() -> dict[str, str]:
    return {
        "noLayout": gettext("No layout: auto-layout or start drawing."),
        "autoLayout": gettext("Auto-layout"), "startDrawing": gettext("Start drawing"),
        "startDrawingWarning": gettext("Start drawing replaces the process with an empty diagram. Continue?"),
        "valid": gettext("No problems: the diagram can be deployed."),
        "invalid": gettext("The diagram has problems:"),
        "working": gettext("Working…"),
        "failed": gettext("The request failed:"),
        "importFailed": gettext("The diagram cannot be shown:"),
        "warnings": gettext("Shown with warnings:"),
        "line": gettext("line %(line)d"),
        "lintClean": gettext("Check as you draw: no problems."),
        "lintIssues": gettext("Check as you draw: %(errors)d errors, %(warnings)d warnings."),
        "lintFirst": gettext("The check as you draw still marks %(errors)d errors on the diagram: the server checks "
                             "again before deploying."),
        "notAvailable": gettext("This is not available on the server yet."),
        "againstVersion": gettext("Compared with version %(version)d, the one new cases start on now:"),
        "firstVersion": gettext("A new process: this will be its first version."),
        "running": gettext("%(count)d running cases stay on version %(version)d until they finish."),
        "noChange": gettext("No element changed."),
        "layoutOnly": gettext("Only the layout changed."),
        "reasonNeeded": gettext("Write why you change it: the reason is kept with the new version."),
        "badSample": gettext("The sample data is not valid JSON."),
        "testState": gettext("The test run ended: %(state)s"),
        "noFields": gettext("This form has no fields."),
    }


def _posted() -> tuple[str, str]:
    payload = request.get_json(silent=True) if request.is_json else None
    source = payload if isinstance(payload, dict) else request.form
    xml, process_id = source.get("xml"), source.get("process_id") or ""
    if not isinstance(xml, str) or not xml.strip():
        raise DefinitionError(DefinitionProblem("<diagram>", gettext("no diagram XML was sent"), code="draft.no_xml"))
    if not isinstance(process_id, str):
        process_id = ""
    return xml, process_id.strip()


def _files(db, xml: str, process_id: str) -> list[SourceFile]:
    content = xml.encode("utf-8")
    name = diagram_name(db, process_id, content, max_bytes())
    files = with_companions(db, [SourceFile(name, content)], [process_id] if process_id else [], max_bytes())
    return files + stored_forms(db, _chosen_forms(), {base_name(f.name) for f in files})


def _chosen_forms() -> list[str]:
    """The forms the modeler says the diagram's user tasks chose (from the catalogue's list)."""
    payload = request.get_json(silent=True) if request.is_json else None
    forms = payload.get("forms") if isinstance(payload, dict) else None
    return [f for f in forms if isinstance(f, str)][:MAX_FILES] if isinstance(forms, list) else []


@bp.post("/validate")
@role_required("designer")
def validate():
    try:
        xml, process_id = _posted()
        with runtime.reading() as db:
            parsed = runtime.engine().definitions.validate(_files(db, xml, process_id))
    except DefinitionError as error:
        return jsonify({"valid": False, "problems": problems_json(error), "warnings": refusal_warnings_json(error)})
    return jsonify({"valid": True, "problems": [], "warnings": warnings_json(parsed),
                    "processes": [p.process_id for p in parsed]})


@bp.post("/deploy")
@role_required("designer")
def deploy():
    try:
        xml, process_id = _posted()
        with runtime.transaction() as db:
            outcomes = runtime.engine().definitions.deploy(db, _files(db, xml, process_id),
                                                           security.current_user().login)
    except DefinitionError as error:
        return jsonify({"deployed": [], "problems": problems_json(error)}), 422
    return jsonify({"deployed": [
        {"process_id": o.process_id, "version": o.version, "changed": o.changed,
         "message": outcome_message(o.process_id, o.version, o.changed),
         "edit_url": url_for("designer.edit", process_id=o.process_id)} for o in outcomes], "problems": []})


@bp.post("/layout")
@role_required("designer")
def layout():
    """The posted diagram with a generated layout (for diagrams drawn elsewhere without one)."""
    try:
        xml, _ = _posted()
        laid_out = add_layout(xml.encode("utf-8"), max_bytes())
    except DefinitionError as error:
        return jsonify({"problems": problems_json(error)}), 422
    return jsonify({"xml": laid_out.decode("utf-8"), "problems": []})
