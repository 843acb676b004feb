"""Service-quality supervisors: the public credential check, the roster, supervisors' own reports."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("supervisors", __name__)
