"""The notifications pages: the unread badge in the top bar, the list, marking read (POST with CSRF),
and mail preferences. Web workers only read and mark; they never send mail."""
from __future__ import annotations

import re

from sqlalchemy import select

from engine import notifications as notes
from engine.notifications.tables import Notification, OutboxMail

BADGE = re.compile(r'id="unread-badge"[^>]*>(\d+)<')


def badge(client) -> int:
    found = BADGE.search(client.get("/notifications/").get_data(as_text=True))
    return int(found.group(1)) if found else 0


def ids_of(web, login: str) -> list[int]:
    with web.sessions.begin() as session:
        return list(session.scalars(select(Notification.id).where(Notification.recipient == login)
                                    .order_by(Notification.id)))


def test_the_unread_count_shows_in_the_top_bar_and_marking_read_clears_it(web):
    web.deploy("dynamic_lane.bpmn")
    zhang = web.client("zhang.min")
    assert badge(zhang) == 0
    web.start("dynamic_lane", key="TS-7")
    web.start("dynamic_lane", key="TS-8")
    assert badge(zhang) == 2
    page = zhang.get("/notifications/").get_data(as_text=True)
    assert "前台受理 新待办：Choose the handling department（TS-7）" in page
    first, second = ids_of(web, "zhang.min")
    assert zhang.post(f"/notifications/{first}/read", csrf=False).status_code == 400  # CSRF on every form
    assert zhang.post(f"/notifications/{first}/read").status_code == 302
    assert badge(zhang) == 1
    assert 'data-unread="1"' in zhang.get("/notifications/?unread=1").get_data(as_text=True)
    assert zhang.post("/notifications/read-all").status_code == 302
    assert badge(zhang) == 0


def test_opening_a_notification_marks_it_read_and_goes_to_the_task(web):
    web.deploy("dynamic_lane.bpmn")
    view = web.start("dynamic_lane")
    zhang = web.client("zhang.min")
    [note] = ids_of(web, "zhang.min")
    response = zhang.post(f"/notifications/{note}/open")
    assert response.status_code == 302 and response.location.endswith(f"/inbox/tasks/{view.open_tasks[0].id}")
    assert badge(zhang) == 0


def test_nobody_reads_or_marks_anothers_notifications(web):
    web.deploy("dynamic_lane.bpmn")
    web.start("dynamic_lane")
    [note] = ids_of(web, "zhang.min")
    other = web.client("wang.fang")
    assert other.post(f"/notifications/{note}/read").status_code == 404
    assert other.post(f"/notifications/{note}/open").status_code == 404
    assert "Choose the handling department" not in other.get("/notifications/").get_data(as_text=True)
    assert web.client().get("/notifications/").status_code == 302  # signed out: to the sign-in page
    with web.sessions.begin() as session:
        assert notes.unread_count(session, "zhang.min") == 1


def test_each_person_chooses_which_kinds_come_by_mail(web):
    li = web.client("li.wei")
    page = li.get("/notifications/preferences").get_data(as_text=True)
    assert 'id="no-email"' in page  # the demo's people have no address
    assert 'value="task.assigned" checked' in page and 'value="task.group" >' in page
    assert li.post("/notifications/preferences", data={"mail": ["task.group", "sla.warning"]}).status_code == 302
    with web.sessions.begin() as session:
        assert notes.mail_choices(session, "li.wei") == {
            "task.assigned": False, "task.group": True, "sla.warning": True, "sla.breached": False,
            "supervisor.answered": False, "case.reminded": False, "case.reminders_piled_up": False,
            "case.reported": False}
        assert notes.mail_choices(session, "wu.lead")["task.group"] is False  # others keep theirs


def test_the_web_app_writes_mail_but_never_sends_it(web):
    """Even with mail enabled, completing work in the web app leaves the mail for the timer worker."""
    web.engine.notifier.mail_enabled = True
    with web.sessions.begin() as session:
        web.engine.desk.directory.save(session, "zhang.min", name="张敏", password=None, roles=["handler"],
                                       groups=["first_responder", "front_desk"], email="zhang@example.cn",
                                       now=web.clock.now())
        notes.set_mail_choices(session, "zhang.min", {notes.TASK_FOR_GROUP: True})
    web.deploy("dynamic_lane.bpmn")
    web.start("dynamic_lane")
    web.client("zhang.min").get("/notifications/")
    with web.sessions.begin() as session:
        assert [(m.recipient, m.state, m.attempts) for m in session.scalars(select(OutboxMail))] == [
            ("zhang.min", "pending", 0)]
