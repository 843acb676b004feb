"""The JSON API, `/api/v1`: what the web app does, for other systems (see `openapi.py` for the document).

Registering `bp` on an app also exempts it from the form CSRF check (bearer calls need none;
session calls are checked in `access.authenticate`), and sets up the rate limits on sign-in and on
token creation. Register it after the `auth` blueprint, whose sign-in view it limits.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from marshmallow import ValidationError

from ..errors import problem
from ..security import csrf
from .framework import field_messages
from .openapi import build_spec

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
SPEC = "sqflow_openapi"
PUBLIC = {"api.openapi"}


@bp.errorhandler(ValidationError)
def invalid(error: ValidationError):
    return problem(422, "the request is not valid: see details", field_messages(error.messages))


@bp.get("/openapi.json")
def openapi():
    document = current_app.extensions.get(SPEC)
    if document is None:
        document = current_app.extensions[SPEC] = build_spec(request.script_root + bp.url_prefix)
    return jsonify(document)


from . import clock, definitions, instances, notifications, reports, tasks, tokens  # noqa: E402,F401  (each adds its operations)
from . import customer_messages  # noqa: E402,F401
from .access import authenticate, challenge, init_limits, init_tokens  # noqa: E402

bp.before_request(lambda: authenticate(PUBLIC))
bp.after_request(challenge)
# Recorded after the views' routes, so at registration the token view exists when it is limited.
bp.record_once(lambda state: init_limits(state.app, "api.create_token"))
bp.record_once(lambda state: init_tokens(state.app))
