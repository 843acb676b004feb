"""Recording contacts, My cases and the team lead's pages over HTTP, on SQLite and PostgreSQL.

The intake pages are read as a browser reads them (lxml's form values: what is sent when nothing is
touched), so "filled by hand" counts what a person must type or choose before the form is accepted.
"""
from __future__ import annotations

import re
from datetime import timedelta

from lxml import html
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from engine.persistence.tables import ProcessInstance
from engine.timers.worker import TimerWorker

from .test_browser import _deploy_complaints
from .test_case_card_browser import _load_policies
from .test_complaint_forms import GOOD_INTAKE

PHONE = "13900001111"


def intake_form(client, path: str):
    """The intake form as served: what a browser would send untouched, and the required fields it shows
    empty (those a person must fill by hand)."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    form = html.fromstring(page.get_data(as_text=True)).get_element_by_id("intake-form")
    shown = [el for el in form.xpath(".//*[@required]") if not el.xpath("ancestor-or-self::*[@hidden]")]
    sent = list(form.form_values())
    empty = [el.name for el in shown if not dict(sent).get(el.name)]
    return sent, empty, form


def _complaints(web) -> list[ProcessInstance]:
    with web.sessions.begin() as db:
        return list(db.scalars(select(ProcessInstance).where(ProcessInstance.process_id == "complaint")
                               .order_by(ProcessInstance.id)))


def _case(web, key: str, by: str = "zhang.min", department: str = "network_dept", phone: str = PHONE):
    with web.sessions.begin() as db:
        user = web.engine.directory.get(db, by)
        view = web.engine.desk.start(db, user, "complaint", business_key=key)
        for element, data in (("intake", {**GOOD_INTAKE, "customer_phone": phone, "category": "billing"}),
                              ("on_the_spot", {"resolved": False}), ("dispatch", {"department": department})):
            view = web.engine.desk.complete(db, user, next(t.id for t in view.open_tasks if t.element_id == element),
                                            data)
    return view


def test_a_hotline_intake_needs_at_most_12_fields_filled_by_hand(web):
    """R-FR-04: a phone complaint is recorded during the call; everything but what only the caller can say
    starts at its usual answer, and the engine accepts the diagram's complete intake built from it."""
    _deploy_complaints(web)
    client = web.client("zhang.min")
    sent, by_hand, _ = intake_form(client, "/cases/new/hotline")
    assert by_hand == ["customer_phone", "customer_name", "category", "description"]
    assert len(by_hand) <= 12
    typed = {"customer_phone": PHONE, "customer_name": "王强", "category": "billing",
             "description": "本月话费比上月多出八十元，没有办理任何新业务"}
    values = MultiDict([(name, value) for name, value in sent if name not in typed] + list(typed.items()))
    answer = client.post("/cases/new/hotline", data=values)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    [case] = _complaints(web)
    with web.sessions.begin() as db:
        data = web.engine.instances.workflow_data(db, case.id)
        detail = web.engine.instances.detail(db, case.id)
    assert re.fullmatch(r"TS-\d{4}-0001", case.business_key) and case.started_by == "zhang.min"
    assert data["channel"] == "hotline_10000" and data["received_by"] == "zhang.min"
    assert data["contact_type"] == "complaint" and data["valid"] is True and data["urgency"] == "一般"
    assert [t.element_id for t in detail.open_tasks] == ["on_the_spot"]
    assert answer.location.endswith(f"/inbox/tasks/{detail.open_tasks[0].id}")


def test_a_repeat_complaint_asks_the_earlier_ticket_and_why_and_nothing_starts_without_them(web):
    """R-CMP-07: a repeat of a closed complaint names it and the reason for dissatisfaction; the form comes
    back with the problem next to the field and what was typed, and no case is opened."""
    _deploy_complaints(web)
    with web.sessions.begin() as db:  # the earlier complaint, closed (as invalid) at its intake
        earlier = web.engine.instances.start(db, "complaint", started_by="zhang.min", business_key="TS-2026-0009")
        web.engine.instances.complete_task(db, earlier.open_tasks[0].id, by="zhang.min",
                                           data={**GOOD_INTAKE, "customer_phone": "13900002222", "anonymous": True})
    client = web.client("zhang.min")
    sent, _, _ = intake_form(client, "/cases/new/hotline?customer_phone=13900002222&repeat_of=TS-2026-0009")
    values = MultiDict(sent)
    assert values.getlist("is_repeat") == ["false", "true"] and values["repeat_of"] == "TS-2026-0009"
    for name, value in {"customer_name": "赵敏", "category": "service",
                        "description": "上次投诉处理后问题依旧，营业员态度差"}.items():
        values[name] = value
    answer = client.post("/cases/new/hotline", data=values)
    assert answer.status_code == 422
    page = html.fromstring(answer.get_data(as_text=True))
    assert page.xpath("//div[contains(@class,'has-error')]//textarea[@name='repeat_reason']")
    assert page.xpath("//textarea[@name='description']")[0].text == "上次投诉处理后问题依旧，营业员态度差"
    assert [c.business_key for c in _complaints(web)] == ["TS-2026-0009"]
    values["repeat_reason"] = "更换的设备仍然无法上网"
    values["repeat_of"] = "TS-2026-0999"  # a number that names no complaint: told why, next to the field
    answer = client.post("/cases/new/hotline", data=values)
    assert answer.status_code == 422
    page = html.fromstring(answer.get_data(as_text=True))
    [problem] = page.xpath("//div[contains(@class,'has-error')][.//input[@name='repeat_of']]")
    assert "没有编号为 TS-2026-0999 的投诉" in problem.text_content()
    values["repeat_of"] = "TS-2026-0009"
    assert client.post("/cases/new/hotline", data=values).status_code == 302
    [_, case] = _complaints(web)
    with web.sessions.begin() as db:
        data = web.engine.instances.workflow_data(db, case.id)
    assert (data["repeat_of"], data["repeat_reason"]) == ("TS-2026-0009", "更换的设备仍然无法上网")


def test_an_escalated_complaint_carries_the_outside_bodys_deadline(web):
    """R-CMP-09: a complaint passed on by the regulator is recorded with its reference and deadline; without
    the deadline nothing starts."""
    _deploy_complaints(web)
    client = web.client("zhang.min")
    sent, by_hand, _ = intake_form(client, "/cases/new/escalated")
    assert {"public_source", "source_reference", "source_deadline"} <= set(by_hand)
    values = MultiDict(sent)
    for name, value in {"customer_phone": PHONE, "customer_name": "孙伟", "category": "network",
                        "description": "通信管理局转来：小区无信号三个月", "public_source": "regulator",
                        "source_reference": "通管 2026-118"}.items():
        values[name] = value
    answer = client.post("/cases/new/escalated", data=values)
    assert answer.status_code == 422 and _complaints(web) == []
    assert html.fromstring(answer.get_data(as_text=True)).xpath(
        "//div[contains(@class,'has-error')]//input[@name='source_deadline']")
    values["source_deadline"] = "2026-01-20T17:00"
    assert client.post("/cases/new/escalated", data=values).status_code == 302
    [case] = _complaints(web)
    with web.sessions.begin() as db:
        data = web.engine.instances.workflow_data(db, case.id)
    assert data["channel"] == data["source"] == "regulator" and data["source_reference"] == "通管 2026-118"
    assert data["source_deadline"] == "2026-01-20T17:00:00+08:00" and data["regulator_with_deadline"] is True


def test_a_repeated_call_reminds_the_open_case_of_that_number_only(web):
    """R-CMP-06: any first responder may remind an open case of the number the caller gives (the number must
    match, and only those who record contacts may), and tells the customer its progress; no new ticket."""
    _deploy_complaints(web)
    case = _case(web, "TS-2026-0301")
    other = web.client("wang.fang")
    found = other.get(f"/cases/callers?channel=hotline&customer_phone={PHONE}").get_data(as_text=True)
    assert "TS-2026-0301" in found and "张三" not in found  # not hers: the ticket, not the customer
    assert other.post(f"/cases/{case.id}/called-again", data={"customer_phone": "13900009999"}).status_code == 404
    assert web.client("li.wei").post(f"/cases/{case.id}/called-again",
                                     data={"customer_phone": PHONE}).status_code == 403
    answer = other.post(f"/cases/{case.id}/called-again", data={"customer_phone": PHONE, "channel_form": "hotline"})
    assert answer.status_code == 302
    with web.sessions.begin() as db:
        detail = web.engine.instances.detail(db, case.id)
    told = [t for t in detail.open_tasks if t.element_id == "tell_progress"]
    assert [t.assignee for t in told] == ["wang.fang"]  # who took the call tells the customer how it stands
    assert answer.location.endswith(f"/inbox/tasks/{told[0].id}")
    assert len(_complaints(web)) == 1


def test_the_callers_closed_cases_are_offered_as_repeated_within_the_branchs_repeat_window(database_url, tmp_path):
    """R-CMP-07: the phone number brings up the caller's closed cases for as long as one may be named as
    repeated (the branch's SQFLOW_REPEAT_WINDOW_DAYS, here 30 days), each with a link to record the repeat."""
    from engine.branch_settings import BranchSettings

    from .web_harness import WebHarness
    web = WebHarness(database_url, tmp_path / "var", branch=BranchSettings(repeat_window_days=30))
    try:
        _deploy_complaints(web)
        view = _case(web, "TS-2026-0351")
        with web.sessions.begin() as db:
            for login, element, data in (("li.wei", "sign_for", {}), ("li.wei", "reply", {"answer": "多收的话费已全额退回"}),
                                         ("zhang.min", "callback", {"reached": True, "satisfied": True})):
                user = web.engine.directory.get(db, login)
                view = web.engine.desk.complete(db, user, next(t.id for t in view.open_tasks
                                                                if t.element_id == element), data)
        assert view.state == "completed"
        lookup = f"/cases/callers?channel=hotline&customer_phone={PHONE}"
        web.clock.advance(timedelta(days=29))
        page = html.fromstring(web.client("zhang.min").get(lookup).get_data(as_text=True))
        assert [a.get("data-repeat-of") for a in page.xpath("//a[@class='repeat-of']")] == ["TS-2026-0351"]
        web.clock.advance(timedelta(days=2))
        page = web.client("zhang.min").get(lookup).get_data(as_text=True)
        assert "TS-2026-0351" not in page and 'id="callers-none"' in page
    finally:
        web.close()


def test_the_case_data_names_the_network_complaint_level_in_words(web):
    """R-SLA-07: the level the classification gave a network complaint reads 一级/二级/三级 on the case, not a digit."""
    _deploy_complaints(web)
    view = _case(web, "TS-2026-0361")
    with web.sessions.begin() as db:
        level = web.engine.instances.workflow_data(db, view.id)["network_level"]
    page = html.fromstring(web.client("ma.manager").get(f"/instances/{view.id}").get_data(as_text=True))
    [shown] = page.xpath("//div[@data-field='network_level']/dd")
    assert shown.text_content().strip() == {1: "一级", 2: "二级", 3: "三级"}[level]


def test_my_cases_lists_what_the_person_received_until_it_is_closed(web):
    """R-FR-01, R-FR-03: the first responder follows her cases wherever they are handled, and sees the
    answer; another first responder's cases are not hers."""
    _deploy_complaints(web)
    mine = _case(web, "TS-2026-0401")
    _case(web, "TS-2026-0402", by="wang.fang")
    with web.sessions.begin() as db:
        handler = web.engine.directory.get(db, "li.wei")
        sign_for = next(t for t in mine.open_tasks if t.element_id == "sign_for")
        view = web.engine.desk.complete(db, handler, sign_for.id, {})
        reply = next(t for t in view.open_tasks if t.element_id == "reply")
        view = web.engine.desk.complete(db, handler, reply.id, {"answer": "已调整基站天线，信号恢复"})
    client = web.client("zhang.min")
    page = client.get("/cases/").get_data(as_text=True)
    assert "TS-2026-0401" in page and "TS-2026-0402" not in page
    assert "已调整基站天线，信号恢复" in page and "回访客户并结案" in page
    callback = next(t for t in view.open_tasks if t.element_id == "callback")
    assert f"/inbox/tasks/{callback.id}" in page
    with web.sessions.begin() as db:
        web.engine.desk.complete(db, web.engine.directory.get(db, "zhang.min"), callback.id,
                                 {"reached": True, "satisfied": True})
    assert "TS-2026-0401" not in client.get("/cases/").get_data(as_text=True)
    assert "TS-2026-0401" in client.get("/cases/?show=closed").get_data(as_text=True)


def test_a_case_the_customer_keeps_chasing_reaches_the_team_leads_page_at_the_branchs_count(web):
    """R-CMP-06: once the customer has called again as often as the branch escalates (3 by default), the
    team lead finds the department's task of that case on their page, how often it was chased and who holds
    it, with the reassign at hand; a case chased less is not there."""
    _deploy_complaints(web)
    often, once = _case(web, "TS-2026-0371"), _case(web, "TS-2026-0372", phone="13900002233")
    with web.sessions.begin() as db:
        for key, times in (("TS-2026-0371", 3), ("TS-2026-0372", 1)):
            for _ in range(times):
                web.engine.instances.send_message(db, key, "customer_called_again", by="zhang.min",
                                                  payload={"taken_by": "zhang.min"}, process_id="complaint")
    page = html.fromstring(web.client("wu.lead").get("/cases/team").get_data(as_text=True))
    rows = page.xpath("//section[@id='reminded']//tr[@data-task-id]")
    assert [(r.get("data-case-key"), r.get("data-reminders")) for r in rows] == [("TS-2026-0371", "3")]
    assert "已催办 3 次" in rows[0].text_content() and "签收工单" in rows[0].text_content()
    assert rows[0].xpath(".//form")  # reassign or claim, right there
    assert web.client("li.wei").get("/cases/team").status_code == 403


def test_those_a_case_is_reported_or_escalated_to_open_it_from_their_notification(web):
    """R-CMP-05, R-CMP-06: the branch leader told of a major complaint, and the team lead told that a case was
    chased again and again, open the case from the notification (card, history, data; no manager's actions);
    a case never reported to them stays out of their reach."""
    _deploy_complaints(web)
    with web.sessions.begin() as db:
        user = web.engine.directory.get(db, "zhang.min")
        major = web.engine.desk.start(db, user, "complaint")
        major = web.engine.desk.complete(db, user, major.open_tasks[0].id,
                                         {**GOOD_INTAKE, "customer_phone": "13900004444", "major": True})
        major = web.engine.desk.complete(db, user, next(t.id for t in major.open_tasks
                                                        if t.element_id == "on_the_spot"), {"resolved": False})
    other = _case(web, "TS-2026-0381")
    leader = web.client("gao.leader")
    assert leader.get(f"/instances/{other.id}").status_code == 404
    notes = html.fromstring(leader.get("/notifications/").get_data(as_text=True))
    [note] = notes.xpath("//tr[@data-kind='case.reported']//form[contains(@action,'/open')]/@action")
    opened = leader.post(note)
    assert opened.status_code == 302 and opened.location.endswith(f"/instances/{major.id}")
    page = leader.get(f"/instances/{major.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert major.business_key in text and 'id="case-card"' in text and 'id="actions"' not in text
    assert not html.fromstring(text).xpath("//a[@href='/instances']")  # no link to the managers' list
    assert "系统：已逐级上报第 3 级，已告知分公司领导" in text  # the history tells each report, in words
    assert "branch_leadership" not in text and "reported_upward" not in text

    with web.sessions.begin() as db:
        for _ in range(3):
            web.engine.instances.send_message(db, "TS-2026-0381", "customer_called_again", by="zhang.min",
                                              process_id="complaint")
    lead = web.client("wu.lead")
    notes = html.fromstring(lead.get("/notifications/").get_data(as_text=True))
    [note] = notes.xpath("//tr[@data-kind='case.reminders_piled_up']//form[contains(@action,'/open')]/@action")
    assert lead.post(note).location.endswith(f"/instances/{other.id}")


def test_team_leads_see_their_departments_dashboard_and_late_tasks(web):
    """R-SLA-09, R-SLA-10: the team lead sees the overdue sign-for of their department (with the chase it
    opened, naming who holds it), not another department's; the dashboard shows their department only."""
    _deploy_complaints(web)
    _load_policies(web)
    _case(web, "TS-2026-0501", department="network_dept")
    _case(web, "TS-2026-0502", by="wang.fang", department="billing_dept", phone="13900003333")
    web.clock.advance(timedelta(hours=3))
    TimerWorker(web.engine, web.sessions, name="test").run_due()
    lead = web.client("wu.lead")
    team = html.fromstring(lead.get("/cases/team").get_data(as_text=True))
    assert [row.get("data-case-key") for row in team.xpath("//table[contains(@class,'late')]//tbody/tr")] == [
        "TS-2026-0501"]
    chases = {row.xpath("string(.//span[@class='case-key'])"): row.xpath("string(.//td[@class='late-task'])")
              for row in team.xpath("//table[contains(@class,'chases')]//tbody/tr")}
    assert set(chases) == {"TS-2026-0501", "TS-2026-0502"}  # every team lead chases unsigned work orders
    assert all("签收工单" in late for late in chases.values())
    board = html.fromstring(lead.get("/dashboard").get_data(as_text=True))
    assert "网络部" in board.xpath("string(//h1)")
    breached = board.xpath("string(//*[@id='breaches'])")
    assert "网络部" in breached and "计费部" not in breached
    assert not board.xpath("//*[@id='heatmap-card']")  # the branch's heatmap is the managers'
    assert web.client("li.wei").get("/dashboard").status_code == 403
    manager = web.client("ma.manager").get("/dashboard").get_data(as_text=True)
    assert "网络部" in manager and "计费部" in manager


def test_the_case_pages_speak_chinese_without_codes_or_requirement_ids(web):
    """Every page of recording, My cases and the team lead's view, in zh-CN: no English word, no code such
    as hotline_10000 or network_dept, no requirement id (complaint numbers and logins aside)."""
    _deploy_complaints(web)
    _load_policies(web)
    _case(web, "TS-2026-0601")
    web.clock.advance(timedelta(hours=3))
    TimerWorker(web.engine, web.sessions, name="test").run_due()
    from .test_cases_browser import ENGLISH, IDENTIFIERS
    pages = {"zhang.min": ["/cases/new", "/cases/", "/cases/?show=closed", "/inbox/",
                           f"/cases/callers?channel=hotline&customer_phone={PHONE}"]
             + [f"/cases/new/{slug}" for slug in ("hotline", "hall", "web", "app", "chat", "group", "escalated")],
             "wu.lead": ["/cases/team", "/dashboard"]}
    found = {}
    for login, paths in pages.items():
        client = web.client(login)
        for path in paths:
            document = html.fromstring(client.get(path).get_data(as_text=True))
            main = (document.xpath("//main") or [document])[0]
            for hidden in main.xpath(".//script|.//style|.//noscript"):
                hidden.getparent().remove(hidden)
            words = ENGLISH.findall(IDENTIFIERS.sub("", main.text_content()))
            if words:
                found[path] = words
    assert found == {}
