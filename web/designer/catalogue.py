"""`/designer/`: every process with all its versions, downloads, and the upload form."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy.orm import Session

from engine.errors import DefinitionError
from engine.reads import VersionFiles, deployed_file, deployed_versions

from .. import runtime, security
from ..security import role_required
from . import bp
from .files import read_uploads, with_companions

CONTENT_TYPES = {".bpmn": "application/xml", ".dmn": "application/xml", ".json": "application/json"}


@dataclass
class Process:
    process_id: str
    name: str
    versions: list[VersionFiles] = field(default_factory=list)

    @property
    def newest(self) -> VersionFiles:
        return self.versions[0]

    @property
    def forms(self) -> list[tuple[str, str]]:
        """(task name, form file) of the newest version's user tasks that have a form."""
        return [(task.name or task.id, task.form) for task in self.newest.definition.tasks_with_forms()]


def max_bytes() -> int:
    return current_app.config["SQFLOW_SETTINGS"].max_diagram_bytes


def catalogue(db: Session) -> list[Process]:
    processes: dict[str, Process] = {}
    for version in deployed_versions(db):
        definition = version.definition
        processes.setdefault(definition.process_id, Process(definition.process_id, definition.name)
                             ).versions.append(version)
    return list(processes.values())


def render_index(problems: list | None = None, status: int = 200, chosen: str = ""):
    with runtime.reading() as db:
        processes = catalogue(db)
    return render_template("designer/index.html", processes=processes, problems=problems or [],
                           chosen=chosen, max_bytes=max_bytes()), status


@bp.get("/")
@role_required("designer")
def index():
    return render_index()


@bp.post("/upload")
@role_required("designer")
def upload():
    """Validate, then deploy the uploaded files; with a process chosen, its other files come along."""
    chosen = request.form.get("process_id", "").strip()
    try:
        files = read_uploads(request.files.getlist("files"), max_bytes())
        with runtime.transaction() as db:
            files = with_companions(db, files, [chosen] if chosen else [], max_bytes())
            outcomes = runtime.engine().definitions.deploy(db, files, security.current_user().login)
    except DefinitionError as error:
        return render_index(error.problems, 422, chosen)
    for outcome in outcomes:
        flash(outcome_message(outcome.process_id, outcome.version, outcome.changed),
              "success" if outcome.changed else "warning")
    return redirect(url_for("designer.index"))


def outcome_message(process_id: str, version: int, changed: bool) -> str:
    if changed:
        return gettext("%(process)s: deployed as version %(version)d", process=process_id, version=version)
    return gettext("%(process)s: identical to version %(version)d, no new version", process=process_id,
                   version=version)


@bp.get("/files/<int:file_id>")
@role_required("designer")
def download(file_id: int):
    with runtime.reading() as db:
        stored = deployed_file(db, file_id)
        name, content = stored.base_name, stored.content.encode("utf-8")
    suffix = "." + name.rsplit(".", 1)[-1].lower()
    response = Response(content, mimetype=CONTENT_TYPES.get(suffix, "application/octet-stream"))
    response.headers.set("Content-Disposition", "attachment", filename=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
