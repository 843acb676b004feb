"""Who am I, and my API tokens: create (shown once), list, revoke."""
from __future__ import annotations

from flask import g

from .. import runtime
from . import bp
from .access import api_tokens, require_session, user
from .framework import Reply, operation, paged
from .params import PageQuery, TokenBody
from .schemas import MeSchema, NewTokenSchema, TokenPageSchema, TokenSchema


@operation(bp, "/me", "GET", tag="tokens", summary="The caller: login, roles and groups", response=MeSchema)
def me():
    caller = user()
    return {"login": caller.login, "name": caller.name, "roles": sorted(caller.roles),
            "groups": sorted(caller.groups), "email": caller.email, "locale": caller.locale,
            "authenticated_by": g.api_auth}


@operation(bp, "/tokens", "GET", tag="tokens", summary="My API tokens, newest first", query=PageQuery,
           response=TokenPageSchema)
def list_tokens(query: dict):
    now = runtime.engine().clock.now()
    with runtime.transaction() as db:
        rows = api_tokens().list(db, user().login)
    return paged([{**vars(row), "status": row.status(now)} for row in rows], query)


@operation(bp, "/tokens", "POST", tag="tokens", summary="Create an API token (web session only)", body=TokenBody,
           response=NewTokenSchema, status=201, errors=(422,),
           description="The token is in the answer this once; sqflow keeps only its hash. Signed in to the web "
                       "app (session and X-CSRFToken): a token cannot create tokens. Rate-limited.")
def create_token(body: dict):
    owner = require_session("create API tokens")
    now = runtime.engine().clock.now()
    with runtime.transaction() as db:
        created = api_tokens().create(db, owner.login, body["name"], now, body["expires_in_days"])
    return Reply({**vars(created.info), "status": created.info.status(now), "token": created.token}, 201,
                 {"Cache-Control": "no-store"})


@operation(bp, "/tokens/<int:token_id>", "DELETE", tag="tokens", summary="Revoke one of my tokens",
           response=TokenSchema)
def revoke_token(token_id: int):
    now = runtime.engine().clock.now()
    with runtime.transaction() as db:
        revoked = api_tokens().revoke(db, user().login, token_id, now)
    return {**vars(revoked), "status": revoked.status(now)}
