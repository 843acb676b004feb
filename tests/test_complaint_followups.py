"""What follows a complaint once it is recorded, as the people concerned see it through the HTTP API of a
served sqflow on a controlled clock: reminders (催办) reach the handling department and pile up to the team
lead, a second intake for an open case is not a second ticket, a dissatisfied customer gets a linked
ticket, an outside body's deadline is watched by the duty desk, and a major complaint is reported up
the chain before its work order opens."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from engine import SourceFile
from engine.people.directory import hash_password
from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies

from .served_app import ServedApp
from .test_complaint_forms import GOOD_INTAKE

BPMN = Path(__file__).resolve().parents[1] / "bpmn" / "complaints"
POLICIES = BPMN / "complaint.sla.json"
PEOPLE = ("admin", "zhang.min", "li.wei", "wu.lead", "huang.head", "duty.zhou", "ma.manager", "qin.lead",
          "gao.leader")


def _prepare(harness) -> None:
    """The complaint diagrams and their deadlines; a duty desk lead and a branch leader besides the demo people."""
    files = [SourceFile(p.relative_to(BPMN).as_posix(), p.read_bytes()) for p in sorted(BPMN.rglob("*"))
             if p.is_file() and p.name.endswith((".bpmn", ".dmn", ".schema.json"))]
    now = harness.clock.now()
    with harness.sessions.begin() as db:
        harness.engine.definitions.deploy(db, files, "lin.designer")
        process_id, policies = parse_policies(POLICIES.name, POLICIES.read_bytes())
        save_policies(db, process_id, policies, POLICIES.name, "ops", now)
        for login, name, group in (("qin.lead", "秦值班长", "duty_desk_lead"), ("gao.leader", "高总", "branch_leadership")):
            harness.engine.directory.save(db, login, name=name, password=None, password_hash=hash_password("x-pass-1"),
                                          roles=("handler",), groups=(group,), now=now)


@pytest.fixture
def app(tmp_path):
    with ServedApp(tmp_path, logins=PEOPLE, controlled_clock=True, prepare=_prepare) as served:
        yield served


class Desk:
    """The people of the branch working complaints through the API."""

    def __init__(self, app: ServedApp):
        self.app = app
        self.keys = 0

    def ok(self, login: str, method: str, path: str, body: dict | None = None, expect: int = 200, key=None):
        code, answer = self.app.call(login, method, path, body, key=key)
        assert code == expect, (code, answer)
        return answer

    def start(self, **intake) -> dict:
        """A complaint started through the API without a number gets the next case number, as at the intake page."""
        self.keys += 1
        case = self.ok("zhang.min", "POST", "/instances", {"process_id": "complaint"}, 201, key=f"k-{self.keys}")
        assert re.fullmatch(r"TS-20\d\d-\d{4}", case["business_key"] or ""), case["business_key"]
        [task] = case["open_tasks"]
        return self.ok("zhang.min", "POST", f"/tasks/{task['id']}/complete",
                       {"data": {**GOOD_INTAKE, **intake}})["instance"]

    def task(self, login: str, case: dict, element: str) -> dict:
        found = [t for t in self.ok(login, "GET", "/tasks?per_page=100")["items"]
                 if t["instance_id"] == case["id"] and t["element_id"] == element]
        assert found, f"{element} of {case['business_key']} is not in the inbox of {login}"
        return found[0]

    def do(self, login: str, case: dict, element: str, **data) -> dict:
        task = self.task(login, case, element)
        return self.ok(login, "POST", f"/tasks/{task['id']}/complete", {"data": data})["instance"]

    def notes(self, login: str, kind: str) -> list[dict]:
        return [n for n in self.ok(login, "GET", "/notifications?per_page=100")["items"] if n["kind"] == kind]

    def case(self, login: str, case: dict) -> dict:
        return self.ok(login, "GET", f"/instances/{case['id']}")


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def dispatched(desk: Desk, phone: str, department: str = "network_dept", **intake) -> dict:
    case = desk.start(customer_phone=phone, category="billing", **intake)
    desk.do("zhang.min", case, "on_the_spot", resolved=False)
    return desk.do("zhang.min", case, "dispatch", department=department)


def test_R_CMP_06_reminders_reach_the_department_are_counted_on_the_work_order_and_pile_up_to_the_team_lead(app):
    """R-CMP-06: the customer calls again about an open case: no new ticket; the handling department is told
    and its inbox shows how often the case was chased; at the set number of reminders the team lead is told."""
    desk = Desk(app)
    case = dispatched(desk, "13900000601")
    remind = {"business_key": case["business_key"], "message": "customer_called_again"}
    desk.ok("zhang.min", "POST", "/messages", remind)
    [told] = desk.notes("li.wei", "case.reminded")
    assert case["business_key"] in told["title"] and told["details"]["count"] == 1
    assert desk.task("li.wei", case, "sign_for")["attributes"]["reminders"] == 1
    assert desk.notes("huang.head", "case.reminded") == []  # not of the handling department

    again = desk.ok("zhang.min", "POST", "/instances", {"process_id": "complaint",
                                                        "data": {"customer_phone": "139-0000-0601"}}, key="again")
    assert again["id"] == case["id"] and again["reminded"] is True  # the open case, reminded: no second ticket
    assert desk.task("li.wei", case, "sign_for")["attributes"]["reminders"] == 2
    assert desk.notes("wu.lead", "case.reminders_piled_up") == []

    second = desk.ok("zhang.min", "POST", "/instances", {"process_id": "complaint"}, 201, key="second")
    refused = desk.ok("zhang.min", "POST", f"/tasks/{second['open_tasks'][0]['id']}/complete",
                      {"data": {**GOOD_INTAKE, "customer_phone": "13900000601"}}, 409)
    assert refused["details"]["open_case"] == case["business_key"] and "remind" in refused["message"]

    desk.ok("zhang.min", "POST", "/messages", remind)
    assert [n["details"]["count"] for n in desk.notes("li.wei", "case.reminded")] == [3, 2, 1]
    [piled] = desk.notes("wu.lead", "case.reminders_piled_up")
    assert case["business_key"] in piled["title"] and piled["details"] == {"count": 3, "limit": 3}
    assert desk.task("li.wei", case, "sign_for")["attributes"]["reminders"] == 3
    assert [e["details"]["count"] for e in desk.case("ma.manager", case)["history"]
            if e["event"] == "case.reminded"] == [1, 2, 3]


def test_R_CMP_07_a_dissatisfied_customer_gets_a_linked_ticket_and_a_wrong_repeat_of_is_refused(app):
    """R-CMP-07: dissatisfied at the callback, the process opens a new ticket linked to the closed one with the
    reason, visible on both; a repeat naming no complaint, or an open one, is refused with the reason.
    R-SLA-02: the dissatisfied customer may appeal: the case is marked appealable and an SMS tells them how."""
    desk = Desk(app)
    case = dispatched(desk, "13900000701")
    desk.ok("li.wei", "POST", f"/tasks/{desk.task('li.wei', case, 'sign_for')['id']}/claim")
    desk.do("li.wei", case, "sign_for", signed_by="li.wei")
    desk.do("li.wei", case, "reply", answer="账单已核对，多收费用已退回")
    desk.do("zhang.min", case, "callback", reached=True, satisfied=False, dissatisfaction_reason="退费金额不对，仍然多收")

    old = desk.case("ma.manager", case)
    assert old["state"] == "completed" and old["data"]["appealable"] is True
    new_key = old["data"]["repeated_by"]
    assert new_key and new_key != case["business_key"]
    [linked] = [e for e in old["history"] if e["event"] == "case.repeated"]
    assert linked["details"]["new_case"] == new_key and linked["details"]["reason"] == "退费金额不对，仍然多收"
    [new] = desk.ok("ma.manager", "GET", f"/instances?business_key={new_key}")["items"]
    new = desk.case("ma.manager", new)
    assert (new["data"]["repeat_of"], new["data"]["repeat_reason"]) == (case["business_key"], "退费金额不对，仍然多收")
    assert new["attributes"]["customer_phone"] == "13900000701" and new["state"] == "active"
    assert desk.task("zhang.min", new, "on_the_spot")["assignee"] == "zhang.min"
    [told] = desk.ok("ma.manager", "GET", f"/instances/{case['id']}/customer-messages")["items"]
    assert told["channel"] == "sms" and told["address"] == "13900000701"
    assert "12300" in told["text"] and case["business_key"] in told["text"] and new_key in told["text"]

    other = dispatched(desk, "13900000702")
    for repeat_of, says in (("TS-1999-0001", "没有编号为 TS-1999-0001 的投诉"), (other["business_key"], "仍在处理中")):
        start = desk.ok("zhang.min", "POST", "/instances", {"process_id": "complaint"}, 201, key=f"r-{repeat_of}")
        refused = desk.ok("zhang.min", "POST", f"/tasks/{start['open_tasks'][0]['id']}/complete", {"data": {
            **GOOD_INTAKE, "customer_phone": "13900000799", "repeat_of": repeat_of,
            "repeat_reason": "上次处理结果不满意"}}, 422)
        assert says in refused["details"]["repeat_of"]
        assert desk.task("zhang.min", start, "intake")  # nothing recorded: the intake still waits


def test_R_CMP_09_the_outside_bodys_deadline_warns_and_escalates_and_the_duty_desk_is_due_in_its_hours(app):
    """R-CMP-09: the duty desk takes an escalated complaint within its duty hours (08:30-16:30 every day);
    the source's own deadline is an SLA that warns before and escalates to the duty desk lead when missed."""
    desk = Desk(app)
    desk.ok("admin", "POST", "/clock", {"set": "2027-01-04T16:00:00+08:00"})
    case = desk.start(customer_phone="13900000901", channel="regulator", source="regulator",
                      source_deadline="2027-01-08T16:00:00+08:00")
    case = desk.do("zhang.min", case, "on_the_spot", resolved=False)
    duty = desk.task("duty.zhou", case, "duty_desk_accept")
    # 16:00 + one duty hour: half an hour today, half an hour from 08:30 tomorrow
    assert _moment(duty["due_at"]) - _moment("2027-01-05T09:00:00+08:00") < timedelta(minutes=2)  # the clock runs on
    slas = {s["policy_id"]: s for s in desk.case("ma.manager", case)["slas"]}
    assert _moment(slas["source_deadline"]["due_at"]) == _moment("2027-01-08T16:00:00+08:00")
    desk.do("duty.zhou", case, "duty_desk_accept", duty_officer="duty.zhou", source_reference="通管局 2027-0004",
            source_deadline="2027-01-08T16:00:00+08:00")

    desk.ok("admin", "POST", "/clock", {"set": "2027-01-06T16:30:00+08:00"})  # past half the time allowed
    warned = app.wait_until(lambda: desk.notes("qin.lead", "sla.warning"), 30)
    assert warned and case["business_key"] in warned[0]["title"]
    assert desk.notes("qin.lead", "sla.breached") == []
    desk.ok("admin", "POST", "/clock", {"set": "2027-01-08T16:00:30+08:00"})
    breached = app.wait_until(lambda: desk.notes("qin.lead", "sla.breached"), 30)
    assert breached and breached[0]["details"]["policy"] == "source_deadline"
    assert any(e["event"] == "sla.escalated" and e["details"]["to"] == "duty_desk_lead"
               for e in desk.case("ma.manager", case)["history"])


@pytest.mark.parametrize("intake", [{"major": True}, {"over_head_tendency": True}])
def test_R_CMP_05_R_FR_05_reported_up_the_chain_in_order_before_dispatch(app, intake):
    """R-CMP-05, R-FR-05: a major or over-the-head complaint is reported level by level - the team lead, the
    department head, the branch leadership - each told and recorded with the time, before the work order
    opens."""
    desk = Desk(app)
    case = desk.start(customer_phone="13900000501", **intake)
    case = desk.do("zhang.min", case, "on_the_spot", resolved=False)
    history = desk.case("ma.manager", case)["history"]
    reports = [e for e in history if e["event"] == "case.reported_upward"]
    assert [(e["details"]["level"], e["details"]["group"]) for e in reports] == [
        (1, "team_lead"), (2, "department_head"), (3, "branch_leadership")]
    assert all(e["at"] for e in reports)
    for login, level in (("wu.lead", 1), ("huang.head", 2), ("gao.leader", 3)):
        [told] = desk.notes(login, "case.reported")
        assert told["details"]["level"] == level and case["business_key"] in told["title"]
    if intake.get("major"):
        case = desk.do("wu.lead", case, "pre_handling_plan", plan="派资深工程师上门", response_script="致歉并说明进展")
        history = desk.case("ma.manager", case)["history"]
    last_report = max(i for i, e in enumerate(history) if e["event"] == "case.reported_upward")
    dispatch_opened = min(i for i, e in enumerate(history) if e["element_id"] == "dispatch")
    assert last_report < dispatch_opened
    assert desk.task("zhang.min", case, "dispatch")


def test_R_CMP_06_the_departments_inbox_page_marks_a_chased_work_order(web):
    """R-CMP-06: in the handling department's inbox, the chased work order carries its 催 mark and count."""
    from lxml import html

    from .test_browser import _deploy_complaints
    from .test_cases_web import _case

    _deploy_complaints(web)
    chased, quiet = _case(web, "TS-2026-0601", phone="13900000611"), _case(web, "TS-2026-0602", phone="13900000612")
    for _ in range(2):
        with web.sessions.begin() as db:
            web.engine.instances.send_message(db, chased.business_key, "customer_called_again", by="zhang.min")
    page = html.fromstring(web.client("li.wei").get("/inbox/").get_data(as_text=True))
    marks = {row.xpath("string(.//span[@class='case-key'])"): row.xpath("string(.//span[@class='reminder-mark'])")
             for row in page.xpath("//tr[contains(@class, 'task-row')]")}
    assert marks == {"TS-2026-0601": "催 ×2", "TS-2026-0602": ""}
    history = web.client("ma.manager").get(f"/instances/{chased.id}").get_data(as_text=True)
    assert history.count("客户催办，已提醒处理部门") == 2 and "case.reminded" not in history


def test_a_failing_step_reaction_never_stops_the_case_and_is_recorded_on_it(harness):
    """A process's reaction that breaks (its own fault, not a refusal) lets the step go on, and the case's
    history says so."""
    from engine import Engine

    def broken(session, step, effects):
        raise RuntimeError("the reaction's own fault")

    engine = Engine(harness.settings, harness.clock, reactions=[broken])
    harness.deploy("dynamic_lane.bpmn")
    with harness.sessions.begin() as db:
        view = engine.instances.start(db, "dynamic_lane", started_by="alice")
    assert view.state == "active" and [t.element_id for t in view.open_tasks] == ["dispatch"]
    failed = [e for e in harness.history(view.id) if e.event == "reaction.failed"]
    assert failed and failed[0].details == {"reaction": "broken", "error": "the reaction's own fault"}


def test_a_reaction_for_one_process_leaves_the_steps_of_the_others_alone(harness):
    """A reaction marked for its process (`reacts_to`) does not run, nor cost a savepoint, on another
    process's steps; unmarked it sees every step."""
    from engine import Engine
    from engine.runtime.reactions import reacts_to

    seen: list[str] = []

    @reacts_to("complaint")
    def complaints_only(session, step, effects):
        seen.append(step.process_id)

    def every_step(session, step, effects):
        seen.append("any:" + step.process_id)

    engine = Engine(harness.settings, harness.clock, reactions=[complaints_only, every_step])
    harness.deploy("dynamic_lane.bpmn")
    with harness.sessions.begin() as db:
        engine.instances.start(db, "dynamic_lane", started_by="alice")
    assert seen == ["any:dynamic_lane"]
