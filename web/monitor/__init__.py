"""Managers' instance monitor (`/instances`) and dashboard (`/dashboard`).

The viewer script `static/diagram.js` (bpmn-js, `window.sqflowDiagram.mount`) is shared: the inbox
task page mounts it on `/instances/<id>/diagram.bpmn` and `/instances/<id>/elements.json`, which
anyone who sees a task of the instance may read.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("monitor", __name__, template_folder="templates", static_folder="static",
               static_url_path="/monitor/static")

from . import dashboard, instances  # noqa: E402,F401  (routes register on bp)
