"""`/designer/decisions/<file id>/edit`: a stored decision (.dmn) in dmn-js, saved back as JSON.

Saving deploys a new version of every process whose newest version uses a decision file of that
name, with the edited decision and every other file as it was (as the form editor does). The
engine's parser checks the decision first: nothing is deployed if any process refuses it.
"""
from __future__ import annotations

from flask import abort, jsonify, render_template, request, url_for
from flask_babel import get_locale, gettext

from engine import SourceFile
from engine.errors import DefinitionError, DefinitionProblem
from engine.reads import DeployedFile, deployed_file, latest_versions_using

from .. import runtime, security
from ..vendor import bundle_version
from ..security import role_required
from . import bp
from .catalogue import max_bytes, outcome_message
from .files import problems_json


def _decision(db, file_id: int) -> DeployedFile:
    stored_file = deployed_file(db, file_id)
    if not stored_file.name.lower().endswith(".dmn"):
        abort(404)
    return stored_file


@bp.get("/decisions/<int:file_id>/edit")
@role_required("designer")
def decision(file_id: int):
    with runtime.reading() as db:
        stored_file = _decision(db, file_id)
        name, xml = stored_file.base_name, stored_file.content
        users = [(v.definition.process_id, v.definition.name, v.definition.version)
                 for v in latest_versions_using(db, name)]
    config = {
        "xml": xml, "locale": str(get_locale()),
        "urls": {"save": url_for("designer.save_decision", file_id=file_id)},
        "text": {"working": gettext("Working…"), "failed": gettext("The request failed:"),
                 "importFailed": gettext("The diagram cannot be shown:"), "invalid": gettext("The diagram has problems:"),
                 "reasonNeeded": gettext("Write why you change it: the reason is kept with the new version.")},
    }
    return render_template("designer/decision.html", name=name, users=users, config=config,
                           bundle_version=bundle_version())


@bp.post("/decisions/<int:file_id>/edit")
@role_required("designer")
def save_decision(file_id: int):
    payload = request.get_json(silent=True) if request.is_json else None
    xml = payload.get("xml") if isinstance(payload, dict) else None
    try:
        if not isinstance(xml, str) or not xml.strip():
            raise DefinitionError(DefinitionProblem("<decision>", gettext("no diagram XML was sent"),
                                                    code="draft.no_xml"))
        content = xml.encode("utf-8")
        if len(content) > max_bytes():
            raise DefinitionError(DefinitionProblem("<decision>", gettext(
                "the file is larger than the limit of %(limit)s bytes", limit=f"{max_bytes():,}"),
                code="upload.too_large"))
        with runtime.transaction() as db:
            name = _decision(db, file_id).base_name
            outcomes, deployed_sets = [], set()
            for version in latest_versions_using(db, name):
                if (file_set := frozenset(f.id for f in version.files)) in deployed_sets:
                    continue  # processes deployed together share their files: one deployment for them
                deployed_sets.add(file_set)
                sources = [SourceFile(f.name, content) if f.base_name == name else f.source() for f in version.files]
                outcomes += runtime.engine().definitions.deploy(db, sources, security.current_user().login)
    except DefinitionError as error:
        return jsonify({"deployed": [], "problems": problems_json(error)}), 422
    return jsonify({"problems": [], "deployed": [
        {"process_id": o.process_id, "version": o.version, "changed": o.changed,
         "message": outcome_message(o.process_id, o.version, o.changed)} for o in outcomes]})

