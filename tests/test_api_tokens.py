"""API authentication: per-user tokens (shown once, hashed at rest, expiring, revocable), the web session
with its CSRF token, and the rate limits on sign-in and token creation."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.people.token_table import ApiToken
from engine.people.tokens import ApiTokens, hash_token
from processes.demo_people import DEMO_PASSWORD
from web import create_app


def send(client, method: str, url: str, body: dict | None = None, *, headers: dict | None = None,
         csrf: bool = True):
    """A JSON call from the browser's session, with its CSRF token in X-CSRFToken (as the pages' scripts do)."""
    headers = dict(headers or {})
    if csrf:
        headers["X-CSRFToken"] = client.csrf_token()
    return client.open(url, method=method, json=body, headers=headers)


def create_token(client, name: str = "call centre", **extra):
    """Create a token the way a person does: signed in to the web app."""
    return send(client, "POST", "/api/v1/tokens", {"name": name, **extra})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_is_shown_once_stored_hashed_and_acts_as_its_user(web):
    session = web.client("li.wei")
    created = create_token(session, expires_in_days=30)
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    body = created.get_json()
    token = body["token"]
    assert token.startswith("sqf_") and len(token) >= 40 and body["prefix"] == token[:10]
    assert body["status"] == "active" and body["expires_at"].startswith("2026-02-04")
    with web.sessions.begin() as db:
        row = db.scalars(select(ApiToken)).one()
        assert row.token_hash == hash_token(token) and token not in (row.token_hash, row.prefix, row.name)

    api = web.client()
    me = api.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200
    assert me.get_json() | {} == {"login": "li.wei", "name": "李伟", "roles": ["handler"], "groups": ["network_dept"],
                                  "email": None, "locale": "zh_CN", "authenticated_by": "token"}
    listed = session.get("/api/v1/tokens").get_json()
    assert listed["total"] == 1 and "token" not in listed["items"][0]
    assert listed["items"][0]["last_used_at"] is not None


def test_unknown_expired_and_revoked_tokens_are_refused_with_401(web):
    session = web.client("li.wei")
    token = create_token(session).get_json()
    api = web.client()
    for header in ({"Authorization": "Bearer sqf_not-a-real-token"}, {"Authorization": "Basic bGk6d2Vp"},
                   {"Authorization": "Bearer "}, {}):
        refused = api.get("/api/v1/tasks", headers=header)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert set(refused.get_json()) == {"code", "message"} and refused.get_json()["code"] == 401

    assert send(session, "DELETE", f"/api/v1/tokens/{token['id']}").get_json()["status"] == "revoked"
    revoked = api.get("/api/v1/me", headers=bearer(token["token"]))
    assert revoked.status_code == 401 and "revoked" in revoked.get_json()["message"]

    short = create_token(session, "short", expires_in_days=1).get_json()
    assert api.get("/api/v1/me", headers=bearer(short["token"])).status_code == 200
    web.clock.advance(timedelta(days=1, seconds=1))
    expired = api.get("/api/v1/me", headers=bearer(short["token"]))
    assert expired.status_code == 401 and "expired" in expired.get_json()["message"]
    session = web.client("li.wei")  # a day later the browser session has ended too: sign in again
    statuses = {t["name"]: t["status"] for t in session.get("/api/v1/tokens").get_json()["items"]}
    assert statuses == {"call centre": "revoked", "short": "expired"}


def test_a_disabled_account_loses_its_tokens(web):
    with web.sessions.begin() as db:
        token = ApiTokens().create(db, "zhao.lei", "t", web.clock.now()).token
    assert web.client().get("/api/v1/me", headers=bearer(token)).status_code == 200  # now remembered as valid
    with web.sessions.begin() as db:
        web.engine.desk.directory.save(db, "zhao.lei", name="赵磊", password=None, roles=["handler"],
                                       groups=["wireless_dept"], now=web.clock.now(), active=False)
    assert web.client().get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_people_manage_only_their_own_tokens_and_a_token_cannot_create_tokens(web):
    mine = create_token(web.client("li.wei")).get_json()
    other = web.client("zhao.lei")
    assert send(other, "DELETE", f"/api/v1/tokens/{mine['id']}").status_code == 404
    assert other.get("/api/v1/tokens").get_json()["total"] == 0
    api = web.client()
    refused = send(api, "POST", "/api/v1/tokens", {"name": "more"}, headers=bearer(mine["token"]), csrf=False)
    assert refused.status_code == 403
    assert send(api, "DELETE", f"/api/v1/tokens/{mine['id']}", headers=bearer(mine["token"]), csrf=False).status_code == 200


def test_token_requests_are_validated_by_field(web):
    session = web.client("li.wei")
    bad = create_token(session, "", expires_in_days=400)
    assert bad.status_code == 422
    assert set(bad.get_json()["details"]) == {"name", "expires_in_days"}
    extra = create_token(session, "x", admin=True)
    assert extra.status_code == 422 and set(extra.get_json()["details"]) == {"admin"}


def test_session_calls_that_change_something_need_the_csrf_token_bearer_calls_do_not(web):
    session = web.client("li.wei")
    assert session.get("/api/v1/me").get_json()["authenticated_by"] == "session"
    forged = send(session, "POST", "/api/v1/tokens", {"name": "x"}, csrf=False)
    assert forged.status_code == 400 and forged.get_json()["code"] == 400
    token = create_token(session).get_json()["token"]
    # A bearer call needs no CSRF token, and a session cookie alongside does not change who acts.
    wei_with_cookie = send(session, "DELETE", "/api/v1/tokens/1", headers=bearer(token), csrf=False)
    assert wei_with_cookie.status_code == 200


def test_the_openapi_document_is_public_and_names_the_bearer_scheme(web):
    document = web.client().get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "sqf_..."}
    assert set(document["components"]["schemas"]["Error"]["properties"]) == {"code", "message", "details"}
    start = document["paths"]["/instances"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in start["parameters"])
    assert start["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/StartBody"}


@pytest.fixture
def limited(web):
    """The same database, in an app whose limits are small: 3 failed sign-ins per login and 6 per
    address, 2 new tokens."""
    app = create_app({"SQFLOW_SETTINGS": web.settings, "SQFLOW_CLOCK": web.clock, "TESTING": True,
                      "SECRET_KEY": "test-secret", "SQFLOW_LOGIN_RATE_LIMIT": "3 per minute",
                      "SQFLOW_LOGIN_ADDRESS_RATE_LIMIT": "6 per hour", "SQFLOW_TOKEN_RATE_LIMIT": "2 per hour"})
    yield app
    app.extensions["sqflow"].sessions.kw["bind"].dispose()


def test_failed_sign_ins_are_rate_limited_per_address_and_login(web, limited):
    from .web_harness import WebClient
    client = WebClient(limited)
    for _ in range(3):
        assert client.post("/login", data={"login": "li.wei", "password": "wrong-one"}).status_code == 401
    blocked = client.post("/login", data={"login": "li.wei", "password": DEMO_PASSWORD})
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
    assert client.post("/login", data={"login": "sun.li", "password": DEMO_PASSWORD}).status_code == 302
    for _ in range(8):  # successful sign-ins do not count
        assert WebClient(limited).post("/login", data={"login": "zhou.qiang", "password": DEMO_PASSWORD}
                                       ).status_code == 302
    for login in ("a", "b", "c"):  # trying many logins from one address meets the address's limit
        assert client.post("/login", data={"login": login, "password": "guess"}).status_code == 401
    assert client.post("/login", data={"login": "d", "password": "guess"}).status_code == 429
    assert client.post("/login", data={"login": "sun.li", "password": DEMO_PASSWORD}).status_code == 429


def test_token_creation_is_rate_limited_per_user(web, limited):
    from .web_harness import WebClient
    client = WebClient(limited)
    assert client.post("/login", data={"login": "li.wei", "password": DEMO_PASSWORD}).status_code == 302
    assert [create_token(client, f"t{i}").status_code for i in range(3)] == [201, 201, 429]
    blocked = create_token(client, "t4")
    assert blocked.get_json()["code"] == 429 and blocked.headers["Retry-After"]
    other = WebClient(limited)
    other.post("/login", data={"login": "sun.li", "password": DEMO_PASSWORD})
    assert create_token(other).status_code == 201


def test_operators_manage_tokens_from_the_command_line(web, capsys):
    import argparse
    import json
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from cli.output import Printer
    from cli.tokens import add_token_arguments, cmd_token

    parser = argparse.ArgumentParser()
    add_token_arguments(parser.add_subparsers(dest="command").add_parser("token"))

    def run(*argv: str, as_json: bool = False) -> str:
        ctx = SimpleNamespace(engine=web.engine, sessions=web.sessions, out=Printer(as_json, ZoneInfo("Asia/Shanghai")))
        assert cmd_token(ctx, parser.parse_args(["token", *argv])) == 0
        return capsys.readouterr().out

    token = run("create", "--for", "sun.li", "--name", "billing system", "--days", "7").splitlines()[0]
    assert web.client().get("/api/v1/me", headers=bearer(token)).get_json()["login"] == "sun.li"
    listed = json.loads(run("list", "--for", "sun.li", as_json=True))
    assert [(t["name"], t["status"]) for t in listed] == [("billing system", "active")] and "token" not in listed[0]
    assert "revoked" in run("revoke", str(listed[0]["id"]), "--for", "sun.li", as_json=True)
    # The command is another process to the web app, which trusts a token it checked for token_cache_seconds.
    assert web.client().get("/api/v1/me", headers=bearer(token)).status_code == 200
    web.clock.advance(timedelta(seconds=web.settings.token_cache_seconds))
    refused = web.client().get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 401 and "revoked" in refused.get_json()["message"]
