"""Signing in and out, the session cookie, CSRF, the language switch and the kept secret key."""
from __future__ import annotations

from engine import Settings
from web import create_app


def test_sign_in_lands_on_the_users_area_and_sign_out_ends_the_session(web):
    client = web.client()
    assert client.get("/inbox/").status_code == 302  # not signed in: to the sign-in page
    response = client.post("/login", data={"login": "li.wei", "password": "sqflow-demo"})
    assert response.status_code == 302
    assert client.get(response.location).location.endswith("/inbox/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/inbox/").status_code == 200
    client.post("/logout")
    assert client.get("/inbox/").status_code == 302


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(web):
    client = web.client()
    wrong = client.post("/login", data={"login": "li.wei", "password": "nope-nope"})
    unknown = client.post("/login", data={"login": "nobody", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert "账号不存在或密码错误" in wrong.get_data(as_text=True)
    assert wrong.get_data(as_text=True).count("账号不存在或密码错误") == 1


def test_a_form_without_its_csrf_token_is_refused(web):
    client = web.client()
    response = client.post("/login", data={"login": "li.wei", "password": "sqflow-demo"}, csrf=False)
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)


def test_sign_in_never_redirects_to_another_site(web):
    client = web.client()
    response = client.post("/login?next=//evil.example/x", data={"login": "li.wei", "password": "sqflow-demo"})
    assert response.location == "/"
    client = web.client()
    response = client.post("/login?next=/dashboard", data={"login": "ma.manager", "password": "sqflow-demo"})
    assert response.location.endswith("/dashboard")


def test_pages_are_chinese_by_default_and_english_when_chosen(web):
    client = web.client("li.wei")
    assert "待办" in client.get("/inbox/").get_data(as_text=True)
    client.post("/locale", data={"locale": "en", "next": "/inbox/"})
    page = client.get("/inbox/").get_data(as_text=True)
    assert "Inbox" in page and "待办" not in page
    again = web.client("li.wei")  # the choice is kept with the account
    assert "Inbox" in again.get("/inbox/").get_data(as_text=True)


def test_roles_guard_each_area(web):
    handler = web.client("li.wei")
    assert handler.get("/dashboard").status_code == 403
    assert handler.get("/designer/").status_code == 403
    assert web.client("ma.manager").get("/dashboard").status_code == 200
    assert web.client("lin.designer").get("/designer/").status_code == 200


def test_the_embedded_secret_key_is_generated_once_and_kept(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", var_dir=tmp_path / "var")
    first = create_app({"SQFLOW_SETTINGS": settings}).config["SECRET_KEY"]
    second = create_app({"SQFLOW_SETTINGS": settings}).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0


def test_pages_are_read_while_a_step_holds_the_sqlite_write_lock(web):
    """Reading pages never queue behind (or block) a step being saved."""
    import sqlite3
    if not web.settings.database_url.startswith("sqlite"):
        return
    client = web.client("ma.manager")
    writer = sqlite3.connect(web.settings.database_url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        for page in ("/inbox/", "/instances", "/dashboard", "/notifications/"):
            assert client.get(page).status_code == 200, page
    finally:
        writer.rollback()
        writer.close()


def test_a_lost_database_connection_answers_503_with_retry_after_not_500(web):
    from sqlalchemy.exc import OperationalError

    @web.app.get("/api/v1/_lost_connection_probe")
    def probe():
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    response = web.client().get("/api/v1/_lost_connection_probe")
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json()["code"] == 503
