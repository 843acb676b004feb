"""Handlers' task inbox and task pages."""
from __future__ import annotations

from flask import Blueprint, render_template

from ..security import login_required

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


@bp.get("/")
@login_required
def index():
    return render_template("base.html")
