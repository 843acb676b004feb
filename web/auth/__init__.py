"""Sign in, sign out, and the language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext

from engine.errors import AuthenticationFailed

from .. import runtime, security
from ..i18n import LOCALES

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (open redirect) or a scheme."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.args.get("next"))
    if request.method == "GET":
        return render_template("auth/login.html", next=next_url, login="", error=None)
    login_name = request.form.get("login", "").strip()[:200]
    try:
        user = signin.authenticate(login_name, request.form.get("password", ""))
    except AuthenticationFailed:
        return render_template("auth/login.html", next=next_url, login=login_name,
                               error=gettext("Unknown login or wrong password.")), 401
    security.sign_in(user)
    return signin.after_sign_in(user, next_url)


@bp.post("/logout")
def logout():
    security.sign_out()
    return redirect(url_for("auth.login"))


@bp.post("/locale")
def set_locale():
    chosen = request.form.get("locale")
    if chosen in LOCALES:
        session["locale"] = chosen
        user = security.current_user()
        if user is not None:
            with runtime.transaction() as db:
                runtime.engine().desk.directory.set_locale(db, user.login, chosen)
    return redirect(safe_next(request.form.get("next")) or url_for("home"))


from . import signin  # noqa: E402  (directory sign-in and the forced password change)
