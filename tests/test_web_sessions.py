"""Sessions end on the server: after sign-out, a replayed session cookie is anonymous on the pages and
the API, in this worker and any other (each request reads the session's row)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from engine.persistence.tables import UserAccount, WebSession
from web import create_app


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(web, cookie: str, app=None):
    """A fresh client (a browser, a script) that sends a copied session cookie."""
    client = (app or web.app).test_client()
    client.set_cookie("session", cookie)
    return client


def test_a_session_cookie_replayed_after_sign_out_is_anonymous_on_pages_and_api(web):
    browser = web.client("li.wei")
    stolen = _cookie(browser)
    assert _replay(web, stolen).get("/inbox/").status_code == 200
    assert _replay(web, stolen).get("/api/v1/me").get_json()["login"] == "li.wei"

    assert browser.post("/logout").status_code == 302

    page = _replay(web, stolen).get("/inbox/")
    assert page.status_code == 302 and "/login" in page.location
    api = _replay(web, stolen).get("/api/v1/me")
    assert api.status_code == 401 and api.headers["WWW-Authenticate"].startswith("Bearer")
    with web.sessions.begin() as db:
        assert db.scalar(select(func.count()).select_from(WebSession)
                         .where(WebSession.login == "li.wei", WebSession.revoked_at.is_not(None))) == 1


def test_signing_out_ends_the_session_in_every_worker(web):
    """A second app on the same database stands for another gunicorn worker."""
    other_worker = create_app({"SQFLOW_SETTINGS": web.settings, "SQFLOW_CLOCK": web.clock, "TESTING": True,
                               "SECRET_KEY": "test-secret"})
    browser = web.client("ma.manager")
    cookie = _cookie(browser)
    assert _replay(web, cookie, other_worker).get("/dashboard").status_code == 200
    browser.post("/logout")
    assert _replay(web, cookie, other_worker).get("/dashboard").status_code == 302
    other_worker.extensions["sqflow"].sessions.kw["bind"].dispose()


def test_each_sign_in_is_its_own_session_and_signing_out_of_one_keeps_the_other(web):
    office, phone = web.client("zhang.min"), web.client("zhang.min")
    assert _cookie(office) != _cookie(phone)
    office.post("/logout")
    assert phone.get("/inbox/").status_code == 200
    assert office.get("/inbox/").status_code == 302


def test_a_disabled_account_loses_its_open_session_at_once(web):
    browser = web.client("sun.li")
    with web.sessions.begin() as db:
        db.execute(update(UserAccount).where(UserAccount.login == "sun.li").values(active=False))
    assert browser.get("/inbox/").status_code == 302
    assert browser.get("/api/v1/me").status_code == 401


def test_a_session_left_unused_for_its_lifetime_ends_even_if_the_cookie_is_kept(web):
    """The cookie's 12 hours count from the last request; a copied cookie that outlives them is refused."""
    browser = web.client("wang.fang")
    cookie = _cookie(browser)
    for _ in range(3):  # a long day of work: the session goes on
        web.clock.advance(timedelta(hours=11, minutes=50))
        assert _replay(web, cookie).get("/inbox/").status_code == 200
    web.clock.advance(timedelta(hours=12, minutes=1))
    assert _replay(web, cookie).get("/inbox/").status_code == 302


def test_a_cookie_signed_in_before_sessions_were_recorded_is_anonymous(web):
    """A cookie from before this version carries a login and no session id."""
    client = web.app.test_client()
    with client.session_transaction() as cookie_session:
        cookie_session["login"] = "admin"
    assert client.get("/inbox/").status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_a_session_records_when_it_was_last_seen_every_few_minutes(web):
    browser = web.client("chen.jing")
    with web.sessions.begin() as db:
        signed_in = db.scalar(select(WebSession.last_seen_at).where(WebSession.login == "chen.jing"))
    web.clock.advance(timedelta(minutes=2))
    browser.get("/inbox/")
    web.clock.advance(timedelta(minutes=4))
    browser.get("/inbox/")
    with web.sessions.begin() as db:
        seen = db.scalar(select(WebSession.last_seen_at).where(WebSession.login == "chen.jing"))
    assert seen - signed_in == timedelta(minutes=6)


def test_signing_in_again_clears_the_persons_sessions_that_ended_long_ago(web):
    web.client("zhou.qiang").post("/logout")
    web.clock.advance(timedelta(hours=13))
    web.client("zhou.qiang")
    with web.sessions.begin() as db:
        assert db.scalars(select(WebSession.revoked_at).where(WebSession.login == "zhou.qiang")).all() == [None]
