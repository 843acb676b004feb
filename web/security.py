"""Sign-in and the guards every view uses: session cookies, CSRF on every form, the secret key.

The signed-in login is kept in Flask's signed session cookie; the account is read again on every
request, so a disabled account or changed groups take effect at once.
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import Callable

from flask import Flask, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from engine.errors import Forbidden
from engine.people import User

from . import runtime

csrf = CSRFProtect()


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
    app.before_request(_load_user)
    app.context_processor(lambda: {"current_user": current_user()})


def _kept_secret(var_dir: Path) -> str:
    """For the embedded default: a random key generated once and kept under var/ (mode 0600)."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _load_user() -> None:
    g.user = None
    login = session.get("login")
    if login:
        with runtime.reading() as db:
            g.user = runtime.engine().desk.directory.get(db, login)
        if g.user is None:
            session.clear()


def current_user() -> User | None:
    return g.get("user")


def sign_in(user: User) -> None:
    session.clear()  # a fresh session on sign-in: no fixation
    session["login"] = user.login
    session.permanent = True


def sign_out() -> None:
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
                raise Forbidden("this page is for " + " / ".join(roles))
            return view(*args, **kwargs)
        return wrapped
    return decorate
