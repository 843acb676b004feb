"""Every answer carries the security headers (Flask-Talisman): a Content-Security-Policy with nothing
inline, no framing, nosniff, a referrer policy; pages and API answers are never stored by a browser or
proxy (they show customers' phone numbers); plain HTTP keeps working unless the operator says HTTPS."""
from __future__ import annotations

import re

import pytest

from engine import Settings
from web import create_app

from .test_api_work import Api, deploy_case, start_case


def _assert_guarded(response) -> None:
    headers = response.headers
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";") if part.strip())
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"
    # Styles from this site, and a <style> element only with this response's nonce (CodeMirror's).
    assert re.fullmatch(r"'self' 'nonce-[A-Za-z0-9_-]{20,}'", policy["style-src"]) and policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and "unsafe" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_with_personal_data_are_guarded_and_never_stored(web):
    deploy_case(web)
    case = start_case(web, "HDR-1")
    browser = web.client("li.wei")
    for path in ("/inbox/", f"/inbox/tasks/{case['open_tasks'][0]['id']}", "/notifications/", "/login"):
        response = browser.get(path)
        assert response.status_code == 200, path
        _assert_guarded(response)
        assert response.headers["Cache-Control"] == "no-store", path
    manager = web.client("admin")
    for path in ("/dashboard", "/instances", f"/instances/{case['id']}"):
        response = manager.get(path)
        assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"], path
        _assert_guarded(response)


def test_api_answers_and_refusals_are_guarded_and_never_stored(web):
    deploy_case(web)
    case = start_case(web, "HDR-2")
    answers = [Api(web, "admin").get(f"/instances/{case['id']}"), Api(web, "li.wei").get("/tasks"),
               web.app.test_client().get("/api/v1/me"), web.client("li.wei").get("/dashboard")]
    assert [a.status_code for a in answers] == [200, 200, 401, 403]
    for answer in answers:
        _assert_guarded(answer)
        assert answer.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached_and_are_still_guarded(web):
    for path in ("/static/app.css", "/static/app.js", "/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js"):
        response = web.app.test_client().get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        response.close()


@pytest.mark.parametrize("secure", ["", "1"])
def test_plain_http_is_served_as_it_is_unless_the_operator_asks_for_secure_cookies(tmp_path, monkeypatch, secure):
    monkeypatch.setenv("SQFLOW_SECURE_COOKIES", secure)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", var_dir=tmp_path / "var")
    app = create_app({"SQFLOW_SETTINGS": settings, "SECRET_KEY": "test-secret"})
    page = app.test_client().get("/login")
    assert page.status_code == 200  # no redirect to https://
    assert "Strict-Transport-Security" not in page.headers
    assert ("Secure" in page.headers["Set-Cookie"]) is bool(secure)
    app.extensions["sqflow"].sessions.kw["bind"].dispose()


def test_a_diagram_download_keeps_its_own_sandbox_policy(web):
    deploy_case(web)
    case = start_case(web, "HDR-3")
    diagram = web.client("admin").get(f"/instances/{case['id']}/diagram.bpmn")
    assert diagram.status_code == 200 and diagram.mimetype == "application/xml"
    assert diagram.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert diagram.headers["X-Frame-Options"] == "DENY" and diagram.headers["Cache-Control"] == "no-store"
