"""Disabling a person (from the command line, on the web app's database): their open tasks go back to their
groups' inboxes, recorded on the case; they can no longer sign in, their web session and API token stop
working; enabling them again does not bring the token back."""
from __future__ import annotations

from datetime import timedelta

from .people_support import TEMPORARY, sqflow  # noqa: F401  (the fixture)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed_in_with_new_password(web, login: str, temporary: str, new: str):
    """Sign in with the temporary password; the first thing asked is a password of one's own."""
    person = web.client()
    first = person.post("/login", data={"login": login, "password": temporary})
    assert first.status_code == 302 and first.headers["Location"].startswith("/password")
    changed = person.post("/password", data={"current": temporary, "new": new, "again": new})
    assert changed.status_code == 302
    return person


def inbox_ids(client, **headers) -> list[str]:
    answer = client.get("/api/v1/tasks", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [task["id"] for task in answer.get_json()["items"]]


def test_a_disabled_person_hands_back_their_tasks_and_loses_sign_in_session_and_token(web, sqflow):
    sqflow.use(web.settings.database_url)
    code, out, err = sqflow("user", "add", "zhao.si", "--name", "赵四", "--department", "network_dept",
                            "--group", "network_dept", "--as", "admin")
    assert code == 0, err
    person = signed_in_with_new_password(web, "zhao.si", TEMPORARY.search(out).group(1), "zhao-si-own-pw")
    token = person.post("/api/v1/tokens", json={"name": "desk phone"}).get_json()["token"]

    web.deploy("work_order.bpmn")
    view = web.start("work_order", {"description": "宽带断网", "category": "complaint"}, key="WO-1")
    sign_for = next(t for t in view.open_tasks if t.element_id == "sign_for")
    colleague = web.client("li.wei")  # also of network_dept
    assert sign_for.id in inbox_ids(colleague)
    claimed = web.client().post(f"/api/v1/tasks/{sign_for.id}/claim", headers=bearer(token))
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "zhao.si"
    assert sign_for.id not in inbox_ids(colleague)

    code, out, err = sqflow("user", "disable", "zhao.si", "--as", "admin")
    assert code == 0, err
    assert out.startswith("disabled zhao.si: 1 open task(s) back to their groups, 1 API token(s) and 1 web session(s)")
    web.clock.advance(timedelta(seconds=11))  # past the web app's memory of tokens it found valid

    assert sign_for.id in inbox_ids(colleague)
    taken = colleague.post(f"/inbox/tasks/{sign_for.id}/claim")
    assert taken.status_code == 302
    code, out, _ = sqflow("show", str(view.id))  # the case's history says who gave the task back, and why
    assert "task.unclaimed" in out and "account disabled" in out and "zhao.si" in out

    refused = web.client().get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 401 and "revoked" in refused.get_json()["message"]
    assert person.get("/inbox/").status_code == 302  # the old session is anonymous now
    assert web.client().post("/login", data={"login": "zhao.si", "password": "zhao-si-own-pw"}).status_code == 401

    assert sqflow("user", "enable", "zhao.si", "--as", "admin")[0] == 0
    assert web.client().post("/login", data={"login": "zhao.si", "password": "zhao-si-own-pw"}).status_code == 302
    assert web.client().get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_a_reset_password_replaces_the_old_one_and_must_be_changed_before_anything_else(web, sqflow):
    sqflow.use(web.settings.database_url)
    earlier = web.client("li.wei")
    code, out, _ = sqflow("user", "reset-password", "li.wei", "--as", "admin")
    assert earlier.get("/inbox/").status_code == 302  # the session from before the reset has ended
    assert code == 0
    temporary = TEMPORARY.search(out).group(1)
    assert web.client().post("/login", data={"login": "li.wei", "password": "sqflow-demo"}).status_code == 401

    person = web.client()
    assert person.post("/login", data={"login": "li.wei", "password": temporary}).headers["Location"] == "/password"
    for page in ("/inbox/", "/notifications/", "/"):
        answer = person.get(page)
        assert answer.status_code == 302 and answer.headers["Location"].startswith("/password"), page
    assert person.get("/api/v1/tasks").status_code == 403
    form = person.get("/password").get_data(as_text=True)
    assert "请先设置自己的密码" in form

    same = person.post("/password", data={"current": temporary, "new": temporary, "again": temporary})
    assert same.status_code == 422 and "新密码不能与当前密码相同" in same.get_data(as_text=True)
    differ = person.post("/password", data={"current": temporary, "new": "li-wei-new-1", "again": "li-wei-new-2"})
    assert differ.status_code == 422 and "两次输入的新密码不一致" in differ.get_data(as_text=True)
    wrong = person.post("/password", data={"current": "guess-guess", "new": "li-wei-new-1", "again": "li-wei-new-1"})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.get_data(as_text=True)
    done = person.post("/password", data={"current": temporary, "new": "li-wei-new-1", "again": "li-wei-new-1"})
    assert done.status_code == 302
    assert person.get("/inbox/").status_code == 200
    assert web.client().post("/login", data={"login": "li.wei", "password": "li-wei-new-1"}).headers["Location"] == "/"
