"""`/designer/processes/<id>/forms/<name>`: the JSON Schema of a user task's form, edited as text.

Saving checks the JSON (with line and column) and the schema itself, then deploys a new version of
the process with the changed form and every other file as it was.
"""
from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from engine.definitions import is_form, read_form
from engine.errors import DefinitionError, DefinitionProblem
from engine.reads import DefinitionVersion, DeployedFile, UserTask, VersionFiles, latest_version_files

from .. import runtime, security
from ..security import role_required
from . import bp
from .catalogue import max_bytes, outcome_message
from .files import replace_form


def _current(process_id: str, name: str) -> tuple[VersionFiles, DeployedFile]:
    """The newest version of the process with its files, and the stored form called `name`."""
    with runtime.reading() as db:
        found = latest_version_files(db, process_id)
    if found is None:
        abort(404, gettext("No process %(process)s is deployed.", process=process_id))
    form = next((f for f in found.files if is_form(f.name) and f.base_name == name), None)
    if form is None:
        abort(404, gettext("Version %(version)d of %(process)s has no form %(name)s.",
                           version=found.definition.version, process=process_id, name=name))
    return found, form


def syntax_problems(name: str, text: str) -> list[DefinitionProblem]:
    """JSON syntax first (with line and column), then what the engine's schema check says."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return [DefinitionProblem(name, gettext("not valid JSON at line %(line)d, column %(column)d: %(reason)s",
                                                line=exc.lineno, column=exc.colno, reason=exc.msg),
                                  line=exc.lineno, code="form.not_json_at")]
    _, problems = read_form(name, text.encode("utf-8"), max_bytes())
    return problems


@bp.route("/processes/<process_id>/forms/<name>", methods=["GET", "POST"])
@role_required("designer")
def form(process_id: str, name: str):
    current, stored_form = _current(process_id, name)
    definition = current.definition
    tasks = definition.tasks_using(name)
    if request.method == "GET":
        return _page(definition, name, tasks, stored_form.content, [])
    text = request.form.get("schema", "")
    problems = syntax_problems(name, text)
    if not problems:
        sources = replace_form([f.source() for f in current.files], name, text.encode("utf-8"))
        try:
            with runtime.transaction() as db:
                outcomes = runtime.engine().definitions.deploy(db, sources, security.current_user().login)
        except DefinitionError as error:
            problems = error.problems
        else:
            for outcome in outcomes:
                flash(outcome_message(outcome.process_id, outcome.version, outcome.changed),
                      "success" if outcome.changed else "warning")
            return redirect(url_for("designer.form", process_id=process_id, name=name))
    return _page(definition, name, tasks, text, problems), 422


def _page(definition: DefinitionVersion, name: str, tasks: tuple[UserTask, ...], text: str,
          problems: list[DefinitionProblem]):
    return render_template("designer/form.html", definition=definition, name=name, tasks=tasks, text=text,
                           problems=problems)
