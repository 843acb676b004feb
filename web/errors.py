"""The only place where engine errors become HTTP statuses (for pages and for JSON callers).

    AuthenticationFailed 401 · Forbidden 403 · NotFoundError 404 · StateError 409 (ConflictError,
    TaskNotOpen, InstanceNotActive, CalendarYearUnknown: a deadline in a year not loaded, under the
    `refuse` policy, named in the person's language) · DefinitionError 422 · InvalidInputError 400 ·
    DatabaseUnavailable and a lost or busy database connection 503 (Retry-After) · CSRF failure 400 ·
    anything else 500 (logged, never shown)
"""
from __future__ import annotations

import logging
import re

from flask import Flask, jsonify, render_template, request
from flask_babel import get_locale, gettext, lazy_gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from engine.calendar import CalendarYearUnknown
from engine.errors import (AuthenticationFailed, DatabaseUnavailable, DefinitionError, FormInvalid, Forbidden,
                           InvalidInputError, NotFoundError, SqflowError, StateError)

log = logging.getLogger(__name__)
STATUSES: list[tuple[type[SqflowError], int]] = [
    (AuthenticationFailed, 401), (Forbidden, 403), (NotFoundError, 404), (StateError, 409),
    (DefinitionError, 422), (FormInvalid, 422), (InvalidInputError, 400), (DatabaseUnavailable, 503),
]


# What a Chinese reader is told when the engine's reason is in English only (the API keeps the reason).
READABLE = {
    401: lazy_gettext("Please sign in first."),
    403: lazy_gettext("You may not open this page or do this."),
    404: lazy_gettext("There is no such page, or it is not yours to see."),
    409: lazy_gettext("It changed meanwhile: reload the page and look again."),
    422: lazy_gettext("What was sent has problems: nothing was saved."),
}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def status_of(error: SqflowError) -> int:
    return next((status for kind, status in STATUSES if isinstance(error, kind)), 500)


def wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json")


def problem(status: int, message: str, details: dict | None = None):
    if wants_json():
        body = {"code": status, "message": message}
        if details:
            body["details"] = details
        return jsonify(body), status
    return render_template("error.html", status=status, message=readable(status, message),
                           details=details or {}), status


def readable(status: int, message: str) -> str:
    """The engine's reason for a page, or for a Chinese reader a Chinese sentence when it is English only."""
    if str(get_locale() or "zh_CN").startswith("zh") and not CHINESE.search(message or ""):
        return str(READABLE.get(status, lazy_gettext("That cannot be done.")))
    return message


def calendar_refusal(error: CalendarYearUnknown) -> str:
    return gettext("The official holiday schedule of %(year)d is not loaded, so a deadline that reaches into "
                   "%(year)d cannot be counted and nothing was saved. An administrator loads the State Council's "
                   "notice of the %(year)d holidays; then try again.", year=error.year)


def init_app(app: Flask) -> None:
    @app.errorhandler(SqflowError)
    def engine_error(error: SqflowError):
        if isinstance(error, CalendarYearUnknown):
            return problem(409, calendar_refusal(error))
        status = status_of(error)
        if status == 500:
            log.exception("unexpected engine error")
            return problem(500, gettext("Something went wrong on our side; it has been logged."))
        details = getattr(error, "fields", None)
        if isinstance(error, DefinitionError):
            details = {p.element_id or p.file: p.message for p in error.problems}
        return problem(status, str(error), details)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return problem(400, gettext("The form expired or did not come from this site: reload the page and try again."))

    @app.errorhandler(OperationalError)
    def database_away(error: OperationalError):
        log.warning("database unavailable or busy on %s %s: %s", request.method, request.path, error.orig)
        response, status = problem(503, gettext("The database is not reachable just now: try again in a moment."))
        response = app.make_response((response, status))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return problem(error.code or 500, error.description or error.name)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return problem(500, gettext("Something went wrong on our side; it has been logged."))
