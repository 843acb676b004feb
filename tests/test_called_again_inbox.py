"""The customer calls again about an open complaint (the complaint's event sub-process `called_again`): the
task it opens, telling the customer the progress, is in the right person's inbox. SpiffWorkflow starts an
event sub-process with the data its process had when it started, before the intake named the first
responder; the engine hands it the case's data as it is when the call comes in.
"""
from __future__ import annotations

from lxml import html

from engine.people.tokens import ApiTokens

from .test_browser import _deploy_complaints
from .test_cases_web import PHONE, _case


def inbox_cases(web, login: str) -> list[tuple[str, str]]:
    """(case number, task name) of every task row in `login`'s inbox."""
    page = html.fromstring(web.client(login).get("/inbox/").get_data(as_text=True))
    return [(row.xpath("string(.//span[@class='case-key'])").strip(),
             row.xpath("string(.//a[@class='task-name'])").strip())
            for row in page.xpath("//tr[contains(@class, 'task-row')]")]


def told(web, instance_id: int) -> list[str | None]:
    with web.sessions.begin() as db:
        return [t.assignee for t in web.engine.instances.detail(db, instance_id).open_tasks
                if t.element_id == "tell_progress"]


def test_a_call_reported_through_the_api_reaches_the_cases_first_responder_not_every_first_responder(web):
    """R-CMP-06, R-FR-01: the call centre's system (with a manager's token) reports the call while the work
    order waits for its sign-for; telling the customer the progress goes to zhang.min, who recorded the case
    and owns it."""
    _deploy_complaints(web)
    case = _case(web, "TS-2026-0401")
    with web.sessions.begin() as db:
        token = ApiTokens().create(db, "ma.manager", "call centre", web.clock.now()).token
    answer = web.client().post("/api/v1/messages", headers={"Authorization": f"Bearer {token}"},
                               json={"business_key": "TS-2026-0401", "message": "customer_called_again"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert told(web, case.id) == ["zhang.min"]
    mine = [name for key, name in inbox_cases(web, "zhang.min") if key == "TS-2026-0401"]
    assert len(mine) == 1 and "告知进展" in mine[0]
    assert [key for key, _ in inbox_cases(web, "wang.fang")] == []  # not a task for the whole group
    assert all("告知进展" not in name for _, name in inbox_cases(web, "li.wei"))  # the department signs for it


def test_who_takes_the_call_tells_the_customer_and_the_first_responder_is_not_asked_to(web):
    """R-CMP-06: wang.fang answers the customer's second call on the hotline; the task is hers, in her inbox,
    and a later call the first responder takes herself is zhang.min's."""
    _deploy_complaints(web)
    case = _case(web, "TS-2026-0402")
    other = web.client("wang.fang")
    assert other.post(f"/cases/{case.id}/called-again", data={"customer_phone": PHONE}).status_code == 302
    assert told(web, case.id) == ["wang.fang"]
    assert [key for key, _ in inbox_cases(web, "wang.fang")] == ["TS-2026-0402"]
    assert all(key != "TS-2026-0402" for key, _ in inbox_cases(web, "zhang.min"))
    owner = web.client("zhang.min")
    assert owner.post(f"/cases/{case.id}/called-again", data={"customer_phone": PHONE}).status_code == 302
    assert sorted(told(web, case.id)) == ["wang.fang", "zhang.min"]
    assert [key for key, _ in inbox_cases(web, "zhang.min")] == ["TS-2026-0402"]
