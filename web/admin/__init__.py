"""People administration for administrators (/admin/...): accounts and groups and departments.

Every change is a POST with the session's CSRF token and is recorded in the audit log by
`engine.people` (who changed whom, and when); each person's page shows that record.
"""
from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext

from engine.errors import Forbidden

from ..security import current_user, login_required
from . import labels

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static",
               static_url_path="/static/admin")
bp.context_processor(labels.template_helpers)
bp.app_template_global("group_label")(labels.group_label)


@bp.before_request
@login_required
def _administrators_only():
    if "admin" not in current_user().roles:
        raise Forbidden(gettext("People administration is for administrators."))


from . import groups, people  # noqa: E402,F401  (their routes)
