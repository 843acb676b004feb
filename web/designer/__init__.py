"""Process designers: diagrams, versions, the bpmn-js modeler, form schemas, deployment."""
from __future__ import annotations

from flask import Blueprint, render_template

from ..security import role_required

bp = Blueprint("designer", __name__, url_prefix="/designer")


@bp.get("/")
@role_required("designer")
def index():
    return render_template("base.html")
