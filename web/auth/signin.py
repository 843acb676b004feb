"""Signing in (the local account or the operator's directory) and the forced password change: a
person whose password an administrator set must choose their own before anything else."""
from __future__ import annotations

from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext

from engine.errors import AuthenticationFailed, Forbidden, InvalidInputError
from engine.people import MIN_PASSWORD, LdapSettings, PeopleAdmin, SignIn, User

from .. import runtime, security
from . import bp, safe_next

SIGN_IN = "sqflow_sign_in"
# What a person who must change their password may still reach (besides static files).
STILL_ALLOWED = {"auth.change_password", "auth.logout", "auth.set_locale", "auth.login", "static", "vendor"}


@bp.record_once
def _set_up(state: BlueprintSetupState) -> None:
    app: Flask = state.app
    settings = app.config.get("SQFLOW_LDAP") or LdapSettings.from_env()
    app.extensions[SIGN_IN] = SignIn(settings, app.extensions["sqflow"].engine.desk.directory)


def authenticate(login: str, password: str) -> User:
    """The person a login and password belong to (local account or directory); `AuthenticationFailed`."""
    with runtime.transaction() as db:
        return current_app.extensions[SIGN_IN].authenticate(db, login, password, runtime.engine().clock.now())


def after_sign_in(user: User, next_url: str | None):
    if user.must_change_password:
        return redirect(url_for("auth.change_password", next=next_url))
    return redirect(next_url or url_for("home"))


@bp.before_app_request
def _password_first():
    user = security.current_user()
    if user is None or not user.must_change_password or request.endpoint in STILL_ALLOWED:
        return None
    if (request.endpoint or "").endswith(".static"):
        return None
    if request.blueprint == "api":
        if "Authorization" in request.headers:  # a token acts for its person, not this browser session
            return None
        raise Forbidden("change your password first (on the page /password)")
    return redirect(url_for("auth.change_password", next=request.full_path if request.method == "GET" else None))


@bp.route("/password", methods=["GET", "POST"])
@security.login_required
def change_password():
    user = security.current_user()
    next_url = safe_next(request.args.get("next"))
    if user.source != "local":
        flash(gettext("Your password is kept by your organisation's directory: change it there."), "warning")
        return redirect(next_url or url_for("home"))
    if request.method == "GET":
        return render_template("auth/change_password.html", next=next_url, error=None, forced=user.must_change_password)
    current, new, again = (request.form.get(name, "") for name in ("current", "new", "again"))
    error = None
    if new != again:
        error = gettext("The two new passwords differ.")
    elif len(new) < MIN_PASSWORD:
        error = gettext("The new password needs at least %(n)d characters.", n=MIN_PASSWORD)
    else:
        try:
            with runtime.transaction() as db:
                PeopleAdmin().change_password(db, user.login, current, new, now=runtime.engine().clock.now())
        except AuthenticationFailed:
            error = gettext("The current password is wrong.")
        except InvalidInputError:
            error = gettext("The new password must differ from the current one.")
    if error:
        return render_template("auth/change_password.html", next=next_url, error=error,
                               forced=user.must_change_password), 422
    flash(gettext("Your password was changed."))
    return redirect(next_url or url_for("home"))
