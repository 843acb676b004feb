"""Operations: `/healthz` (the process answers), `/readyz` (the database answers and its schema is
current), `/metrics` (Prometheus text, see `metrics`), request timing, and JSON request logs when
`SQFLOW_LOG_FORMAT=json`. None of these needs a sign-in; keep `/metrics` off the public network.
"""
from __future__ import annotations

import logging
import time

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from engine import MIGRATIONS, bind_log_context, configure_logging, unbind_log_context

from .. import runtime
from ..security import current_user
from .metrics import DatabaseCollector, RequestMetrics

bp = Blueprint("operations", __name__)
EXTENSION = "sqflow.operations"
request_log = logging.getLogger("sqflow.web.request")


class Operations:
    def __init__(self, app: Flask):
        settings = app.config["SQFLOW_SETTINGS"]
        self.json_logs = settings.log_format == "json"
        self.head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
        self.metrics = RequestMetrics(DatabaseCollector(lambda: app.extensions[runtime.EXTENSION].sessions,
                                                        app.extensions[runtime.EXTENSION].engine.clock))
        configure_logging(settings.log_format)


@bp.record_once
def _install(state) -> None:
    state.app.extensions[EXTENSION] = Operations(state.app)


def _operations() -> Operations:
    return current_app.extensions[EXTENSION]


@bp.before_app_request
def _start_timing() -> None:
    g.sqflow_started = time.perf_counter()
    ids = {k: v for k, v in (request.view_args or {}).items() if k in ("instance_id", "task_id")}
    g.sqflow_log_token = bind_log_context(**ids)


@bp.after_app_request
def _record(response: Response) -> Response:
    started = g.pop("sqflow_started", None)
    if started is None:
        return response
    seconds = time.perf_counter() - started
    endpoint = request.url_rule.endpoint if request.url_rule else "unmatched"
    operations = _operations()
    operations.metrics.observe(endpoint, request.method, response.status_code, seconds)
    if operations.json_logs:
        user = current_user()
        request_log.info("%s %s %s", request.method, request.path, response.status_code, extra={
            "method": request.method, "path": request.path, "endpoint": endpoint, "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1), "user": user.login if user else None})
    return response


@bp.teardown_app_request
def _forget_ids(_error) -> None:
    token = g.pop("sqflow_log_token", None)
    if token is not None:
        unbind_log_context(token)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    ready, checks = readiness()
    return jsonify(status="ready" if ready else "unavailable", checks=checks), 200 if ready else 503


def readiness() -> tuple[bool, dict[str, str]]:
    """The database answers and its schema is at the revision this code expects."""
    head = _operations().head
    try:
        bind = current_app.extensions[runtime.EXTENSION].sessions.kw["bind"]
        with bind.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        return False, {"database": f"unreachable: {reason[0] if reason else type(exc).__name__}"}
    if current != head:
        return False, {"database": "ok", "schema": f"at {current}, this code needs {head}"}
    return True, {"database": "ok", "schema": head}


@bp.get("/metrics")
def metrics():
    registry = _operations().metrics.scrape_registry()
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
