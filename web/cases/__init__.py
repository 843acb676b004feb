"""A first responder's cases: recording a contact by channel (`intake`), My cases until closure
(`mine`), and the team lead's view of their groups' late tasks (`team`).

The navigation asks `may_take_in()` and `leads_team()` which entries to show; `value_label` and
`name_label` show codes and task names in the reader's language on every page.
"""
from __future__ import annotations

import logging

from flask import Blueprint, g, request, session

from engine.reads import leads_team, overseen_department

from ..inbox.labels import name_label, standing_label, value_label
from ..security import current_user
from .complaint import may_take_in

bp = Blueprint("cases", __name__, url_prefix="/cases", template_folder="templates", static_folder="static",
               static_url_path="/static")
bp.app_template_global("value_label")(value_label)
bp.app_template_global("name_label")(name_label)
bp.context_processor(lambda: {"standing_label": standing_label})
log = logging.getLogger(__name__)


@bp.before_app_request
def read_take_in() -> None:
    """Whether the person records contacts, read before the view runs (the navigation asks)."""
    g.may_take_in = False
    endpoint = request.endpoint or ""
    if current_user() is None or endpoint in ("static", "vendor") or endpoint.endswith(".static") \
            or request.blueprint == "api":
        return
    try:
        del g.may_take_in
        may_take_in()
    except Exception:  # the top bar of an error page must still render
        g.may_take_in = False
        log.exception("whether the person records contacts is not known")


@bp.app_context_processor
def navigation() -> dict:
    def takes_in() -> bool:
        return bool(g.get("may_take_in", False))

    def sees_dashboard() -> bool:
        user = current_user()
        return user is not None and (user.has_role("manager") or overseen_department(user) is not None)

    def team_lead() -> bool:
        user = current_user()
        return user is not None and leads_team(user)

    return {"may_take_in": takes_in, "leads_team": team_lead, "sees_dashboard": sees_dashboard,
            "cleared_draft": session.pop("clear_draft", None)}


from . import intake, mine, team  # noqa: E402,F401  (each adds its views to `bp`)
