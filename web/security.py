"""Sign-in and the guards every view uses: session cookies, CSRF on every form, the secret key.

Each sign-in opens a row in `web_sessions`; Flask's signed cookie carries its id and the login.
Every request reads that row and the account again (no cache), so signing out, a session left
unused for PERMANENT_SESSION_LIFETIME (as its cookie would be), a disabled account or changed groups take effect at once in
every worker: a replayed cookie is anonymous.
"""
from __future__ import annotations

import logging
import os
import secrets
from datetime import datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Callable

from flask import Flask, Response, current_app, g, redirect, request, session, url_for
from flask_babel import gettext
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import OperationalError

from engine.errors import Forbidden
from engine.people import User, mark_session_seen, open_session, revoke_session, session_last_seen

from . import runtime

csrf = CSRFProtect()
log = logging.getLogger(__name__)
SEEN_EVERY = timedelta(minutes=5)  # how stale `last_seen_at` may get before a request records it
# Everything from this site, nothing inline (bpmn-js, Chart.js and the pages' scripts are files; data:
# images are bpmn-js's own icons), and no page of this site inside another's frame.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"], "connect-src": "'self'", "object-src": "'none'", "base-uri": "'self'",
    "form-action": "'self'", "frame-ancestors": "'none'",
}


def init_app(app: Flask) -> None:
    settings = app.config["SQFLOW_SETTINGS"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("SQFLOW_SECRET_KEY") or _kept_secret(settings.var_dir)
    # Flask's defaults exist as keys, so these are set unless the given config chose otherwise.
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    app.config["SESSION_COOKIE_SECURE"] = app.config.get("SESSION_COOKIE_SECURE") or (
        os.environ.get("SQFLOW_SECURE_COOKIES", "") in ("1", "true"))
    if app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(days=31):
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=12)  # one working day
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid as long as the session
    csrf.init_app(app)
    # After-request hooks run last-registered first: the view's own policy is noted before Talisman
    # sets the site's, and put back after.
    app.after_request(_restore_views_policy)
    # HTTPS redirects and HSTS are left to the operator's TLS proxy; cookies keep the settings above.
    Talisman(app, force_https=False, strict_transport_security=False, frame_options="DENY",
             content_security_policy=CONTENT_SECURITY_POLICY, content_security_policy_nonce_in=["style-src"],
             referrer_policy="same-origin",
             session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
             session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"])
    app.after_request(_note_views_policy)
    app.after_request(_not_stored)
    app.before_request(_load_user)
    app.context_processor(lambda: {"current_user": current_user()})


def _note_views_policy(response: Response) -> Response:
    """A view may set a stricter policy of its own (a diagram download: `sandbox`): it is kept."""
    g.views_policy = response.headers.get("Content-Security-Policy")
    return response


def _restore_views_policy(response: Response) -> Response:
    if g.get("views_policy"):
        response.headers["Content-Security-Policy"] = g.views_policy
    return response


def _not_stored(response: Response) -> Response:
    """Pages and API answers may carry personal data: no browser or proxy keeps them. Only the
    static files (the same for everyone) may be cached."""
    endpoint = request.endpoint or ""
    if not (endpoint in ("static", "vendor") or endpoint.endswith(".static")):
        response.headers["Cache-Control"] = "no-store"
    return response


def _kept_secret(var_dir: Path) -> str:
    """For the embedded default: a random key generated once and kept under var/ (mode 0600)."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    # Web workers start together: each writes a key aside and links it in place; the first link wins.
    draft = var_dir / f".secret_key.{os.getpid()}"
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()


def _load_user() -> None:
    g.user = None
    login, session_id = session.get("login"), session.get("session_id")
    if not login:
        return
    now = runtime.engine().clock.now()
    with runtime.reading() as db:
        seen = session_last_seen(db, session_id, login, now, current_app.permanent_session_lifetime)
        g.user = runtime.engine().desk.directory.get(db, login) if seen is not None else None
    if g.user is None:
        session.clear()
    elif now - seen >= SEEN_EVERY:
        _record_seen(session_id, now)


def _record_seen(session_id: str, now: datetime) -> None:
    try:
        with runtime.transaction() as db:
            mark_session_seen(db, session_id, now)
    except OperationalError as busy:  # the database is busy: the next request records it
        log.debug("last_seen_at of a session not recorded: %s", busy.orig)


def current_user() -> User | None:
    return g.get("user")


def sign_in(user: User) -> None:
    """Open a new server-side session for `user` (its row, and the cookie carrying its id)."""
    session.clear()  # a fresh session on sign-in: no fixation
    now = runtime.engine().clock.now()
    with runtime.transaction() as db:
        session_id = open_session(db, user.login, now, current_app.permanent_session_lifetime)
    session["session_id"], session["login"] = session_id, user.login
    session.permanent = True


def sign_out() -> None:
    """End the session on the server too: its cookie, replayed later, is anonymous."""
    session_id = session.get("session_id")
    if session_id:
        with runtime.transaction() as db:
            revoke_session(db, session_id, runtime.engine().clock.now())
    session.clear()


def login_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
        return view(*args, **kwargs)
    return wrapped


def role_required(*roles: str) -> Callable[[Callable], Callable]:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user().has_role(*roles):
                from .admin.labels import role_label  # the admin pages import this module
                raise Forbidden(gettext("This page is for: %(roles)s.",
                                        roles="、".join(role_label(role) for role in roles)))
            return view(*args, **kwargs)
        return wrapped
    return decorate
