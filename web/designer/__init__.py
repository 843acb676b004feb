"""Process designers: diagrams, versions, the bpmn-js modeler, form schemas, deployment.

`catalogue` lists every version and takes uploads and downloads, `modeler` edits a diagram in the
browser and validates or deploys it, `schemas` edits the form of a user task. Each deployment goes
through the engine's own parser, so what the designer accepts is exactly what the engine runs.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("designer", __name__, url_prefix="/designer", template_folder="templates",
               static_folder="static", static_url_path="/static")

from . import catalogue, decision_editor, deployments_api, editor_api, modeler, schemas  # noqa: E402,F401
# (the modules register their routes on bp)
