"""The web app: `create_app(config)` builds it; nothing runs at import.

Parts, each with `init_app(app)`: `runtime` (engine and database sessions), `security` (sign-in,
session cookies, CSRF, the secret key), `i18n` (zh-CN by default, English; Asia/Shanghai times),
`errors` (the only place engine errors become HTTP statuses), `vendor` (front-end packages from
npm), then one blueprint per area: auth, inbox, cases (intake, my cases, the team lead's view), monitor
(instances and dashboard), designer.
"""
from __future__ import annotations

from typing import Any, Mapping

from flask import Flask, redirect, url_for

from . import errors, i18n, runtime, security, vendor


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """`config` may carry `SQFLOW_SETTINGS` (engine Settings) and `SQFLOW_CLOCK` (tests move time)."""
    app = Flask(__name__)
    app.config.from_mapping(config or {})
    runtime.init_app(app)
    if not app.config.get("MAX_CONTENT_LENGTH"):  # a request body; the designer uploads several diagrams
        app.config["MAX_CONTENT_LENGTH"] = 8 * app.config["SQFLOW_SETTINGS"].max_diagram_bytes
    security.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    vendor.init_app(app)

    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .cases import bp as cases_bp
    from .designer import bp as designer_bp
    from .inbox import bp as inbox_bp
    from .monitor import bp as monitor_bp
    from .notifications import bp as notifications_bp
    from .operations import bp as operations_bp
    from .supervisors import bp as supervisors_bp
    for blueprint in (auth_bp, inbox_bp, cases_bp, monitor_bp, designer_bp, supervisors_bp, notifications_bp,
                      operations_bp, admin_bp):
        app.register_blueprint(blueprint)
    from .api import bp as api_bp
    app.register_blueprint(api_bp)  # after auth: it rate-limits the sign-in view

    @app.get("/")
    def home():
        user = security.current_user()
        if user is None:
            return redirect(url_for("auth.login"))
        if user.has_role("handler", "team_lead") and user.groups:
            return redirect(url_for("inbox.index"))
        if user.has_role("manager"):
            return redirect(url_for("monitor.dashboard"))
        if user.has_role("designer"):
            return redirect(url_for("designer.index"))
        return redirect(url_for("inbox.index"))

    return app
