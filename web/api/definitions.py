"""Process definitions: list them, deploy files (designers)."""
from __future__ import annotations

from dataclasses import asdict

from flask import current_app, request

from engine.errors import DefinitionError, DefinitionProblem
from engine.reads import DefinitionVersion, definition_versions, latest_definitions

from .. import runtime
from ..designer.files import read_uploads, with_companions
from . import bp
from .access import require_role
from .framework import Reply, operation, paged
from .params import DEPLOY_FORM, DefinitionQuery
from .schemas import DefinitionPageSchema, DeploymentSchema

READERS = ("handler", "team_lead", "manager", "designer")


@operation(bp, "/definitions", "GET", tag="definitions", summary="List deployed processes (newest versions)",
           query=DefinitionQuery, response=DefinitionPageSchema)
def list_definitions(query: dict):
    require_role(*READERS)
    with runtime.transaction() as db:
        if query["all_versions"]:
            rows = definition_versions(db, query.get("process_id"))
        else:
            rows = [d for d in latest_definitions(db) if query.get("process_id") in (None, d.process_id)]
    return paged([_definition(row) for row in rows], query)


def _definition(row: DefinitionVersion) -> dict:
    return {"id": row.id, "process_id": row.process_id, "version": row.version, "name": row.name,
            "deployed_at": row.deployed_at, "user_tasks": [asdict(task) for task in row.user_tasks]}


@operation(bp, "/definitions", "POST", tag="definitions", summary="Deploy .bpmn, .dmn and form files",
           multipart=DEPLOY_FORM, response=DeploymentSchema, status=201, errors=(409, 422),
           also={200: "Identical to the newest versions: nothing deployed"},
           description="Files are validated together; every problem is listed in `details` "
                       "(by element id or file). A diagram's stored forms and decisions come along "
                       "unless given again, so a deployment never loses them.")
def deploy():
    designer = require_role("designer")
    if request.mimetype != "multipart/form-data":
        raise DefinitionError(DefinitionProblem("<upload>", "send the files as multipart/form-data, field 'files'",
                                                code="upload.not_multipart"))
    max_bytes = current_app.config["SQFLOW_SETTINGS"].max_diagram_bytes
    files = read_uploads(request.files.getlist("files"), max_bytes)
    with runtime.transaction() as db:
        outcomes = runtime.engine().definitions.deploy(db, with_companions(db, files, [], max_bytes), designer.login)
    body = {"processes": outcomes}
    return Reply(body, 201) if any(o.changed for o in outcomes) else Reply(body, 200)
