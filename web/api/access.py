"""Who calls the API: a bearer token or the web session, and the rate limits on sign-in and token creation.

A request with `Authorization: Bearer <token>` acts as the token's user, needs no CSRF token and
ignores any session cookie. Without it, the web session's user acts, and changes need the session's
CSRF token in `X-CSRFToken`, as the pages' own requests do.
"""
from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask_babel import gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from engine.errors import AuthenticationFailed, Forbidden
from engine.people import ApiTokens, User

from .. import runtime
from ..rate_limits import storage_options
from ..security import csrf, current_user

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
LIMITER = "sqflow_limiter"
TOKENS = "sqflow_api_tokens"
DEFAULTS = {
    "SQFLOW_LOGIN_RATE_LIMIT": "10 per minute",        # failed sign-ins per address and login
    "SQFLOW_LOGIN_ADDRESS_RATE_LIMIT": "100 per hour",  # failed sign-ins per address, whatever the login
    "SQFLOW_TOKEN_RATE_LIMIT": "10 per hour",          # token creations per user
    "RATELIMIT_STORAGE_URI": "sqflow-database://",     # the app's database: every worker counts the same hits
}


def init_tokens(app: Flask) -> None:
    """The app's API tokens, remembering valid ones for `Settings.token_cache_seconds`."""
    app.extensions[TOKENS] = ApiTokens(cache_seconds=app.config["SQFLOW_SETTINGS"].token_cache_seconds)


def api_tokens() -> ApiTokens:
    return current_app.extensions[TOKENS]


def authenticate(public_endpoints: set[str]) -> None:
    """Before each API request: find the caller (raises AuthenticationFailed for a bad token)."""
    g.api_auth, g.api_token = None, None
    if request.endpoint in public_endpoints:
        return
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise AuthenticationFailed("use the header Authorization: Bearer <token>")
        secret, now, tokens = secret.strip(), runtime.engine().clock.now(), api_tokens()
        known = tokens.recall(secret, now)
        if known is None:
            with runtime.transaction() as db:
                known = tokens.authenticate(db, secret, now)
        g.user, g.api_token = known
        g.api_auth = "token"
    elif current_user() is not None:
        g.api_auth = "session"
        if request.method not in SAFE_METHODS:
            csrf.protect()


def challenge(response: Response) -> Response:
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="sqflow"'
    return response


def user() -> User:
    return g.user


def require_role(*roles: str) -> User:
    """The caller, if they have one of `roles` (admins have all); otherwise `Forbidden`."""
    caller = user()
    if not caller.has_role(*roles):
        raise Forbidden("this is for " + " / ".join(roles))
    return caller


def require_session(what: str) -> User:
    if g.get("api_auth") != "session":
        raise Forbidden(f"{what} needs the web session: a token cannot {what}")
    return user()


# --- rate limits ----------------------------------------------------------------------------------

def init_limits(app: Flask, token_endpoint: str) -> Limiter:
    """One limiter per app (its counts in `RATELIMIT_STORAGE_URI`), on sign-in and token creation."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    storage_uri = app.config["RATELIMIT_STORAGE_URI"]
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage_uri, strategy="fixed-window",
                      storage_options=storage_options(app, storage_uri), headers_enabled=True, key_prefix="sqflow")
    app.extensions[LIMITER] = limiter
    # Only these endpoints have limits: every other request skips the limiter's per-request lookup.
    limited = {"auth.login", token_endpoint}
    limiter.request_filter(lambda: request.endpoint not in limited)
    too_many = _too_many_message
    login = app.view_functions.get("auth.login")
    if login is not None:
        # Only failed attempts count, so people signing in and out all day never meet the limits.
        failed = dict(methods=["POST"], deduct_when=lambda response: response.status_code != 302,
                      error_message=too_many)
        login = limiter.limit(lambda: current_app.config["SQFLOW_LOGIN_RATE_LIMIT"], key_func=_login_key,
                              **failed)(login)
        app.view_functions["auth.login"] = limiter.limit(
            lambda: current_app.config["SQFLOW_LOGIN_ADDRESS_RATE_LIMIT"], key_func=get_remote_address,
            **failed)(login)
    app.view_functions[token_endpoint] = limiter.limit(
        lambda: current_app.config["SQFLOW_TOKEN_RATE_LIMIT"], key_func=_user_key,
        error_message=too_many)(app.view_functions[token_endpoint])
    return limiter


def _too_many_message() -> str:
    return gettext("Too many attempts: wait a little and try again.")


def _login_key() -> str:
    return f"{get_remote_address()}|{request.form.get('login', '').strip()[:200]}"


def _user_key() -> str:
    caller = g.get("user")
    return f"user|{caller.login}" if caller is not None else f"address|{get_remote_address()}"

