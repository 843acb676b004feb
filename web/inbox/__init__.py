"""Handlers' task inbox and task pages.

`listing` draws the inbox, `actions` claims, gives back and hands on tasks, `task_page` shows one
task with its case and form and completes it; `forms` draws forms from JSON Schema.
"""
from __future__ import annotations

from flask import Blueprint

from .labels import attribute_label, event_label, standing_label

bp = Blueprint("inbox", __name__, url_prefix="/inbox", template_folder="templates",
               static_folder="static", static_url_path="/static")


@bp.context_processor
def inbox_labels() -> dict:
    return {"standing_label": standing_label, "event_label": event_label, "attribute_label": attribute_label}


from . import actions, listing, task_page  # noqa: E402,F401  (each adds its views to `bp`)
