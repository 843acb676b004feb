"""Managers' instance monitor and dashboard."""
from __future__ import annotations

from flask import Blueprint, render_template

from ..security import role_required

bp = Blueprint("monitor", __name__)


@bp.get("/instances")
@role_required("manager")
def instances():
    return render_template("base.html")


@bp.get("/dashboard")
@role_required("manager")
def dashboard():
    return render_template("base.html")
