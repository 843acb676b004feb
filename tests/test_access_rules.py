"""Who may see, start and be handed what (issue 18's holes), through the HTTP API as each person would.

Each test here failed on the main of 2026-12-06: a first responder could hand a customer's case to
an outside supervisor by typing their login, a typed display name sent a case to nobody, any handler
could issue a supervisor's ID, and every first responder read every complaint.
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from processes.supervisors.demo import seed_supervisors
from tests.test_api_work import Api
from tests.test_complaint_forms import GOOD_INTAKE
from tests.test_supervisor_recruitment import COMPLAINTS, SUPERVISORS, diagram_files

PICK = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs" targetNamespace="http://sqflow.test">
  <bpmn:process id="pick_reviewer" name="Pick a reviewer" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="l1" name="network_dept"><bpmn:flowNodeRef>pick</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pick"/>
    <bpmn:userTask id="pick" name="Pick"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="pick.schema.json"/></spiffworkflow:properties>
      </bpmn:extensionElements><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="pick" targetRef="review"/>
    <bpmn:userTask id="review" name="Review"><bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="assignee" value="reviewer"/></spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
PICK_FORM = b"""{"type": "object", "required": ["reviewer"], "properties": {
  "reviewer": {"type": "string", "title": "\\u590d\\u6838\\u4eba", "x-person": {"group": "network_dept"}}}}"""


@pytest.fixture
def office(web):
    with web.sessions.begin() as session:
        web.engine.definitions.deploy(session, diagram_files(SUPERVISORS, COMPLAINTS), "lin.designer")
    seed_supervisors(web.engine, web.sessions, web.clock.now(), web.engine.desk.directory)
    return web


def take_complaint(web, key: str, by: str = "zhang.min", **changes) -> dict:
    """A first responder records a complaint through the API: start, then the intake."""
    api = Api(web, by)
    started = api.start(f"idem-{key}", {"process_id": "complaint", "business_key": key})
    assert started.status_code == 201, started.get_json()
    [intake] = [t for t in started.get_json()["open_tasks"] if t["element_id"] == "intake"]
    done = api.post(f"/tasks/{intake['id']}/complete", {"data": {**GOOD_INTAKE, **changes}})
    assert done.status_code == 200, done.get_json()
    return done.get_json()["instance"]


def test_a_first_responder_cannot_hand_a_customers_case_to_a_supervisor(office):
    """R-SUP-09, R-FR-01: whatever is typed for the first responder, it is the person recording the case."""
    case = take_complaint(office, "TS-1", received_by="qian.jiandu")
    [on_the_spot] = [t for t in case["open_tasks"] if t["element_id"] == "on_the_spot"]
    assert on_the_spot["assignee"] == "zhang.min"
    supervisor = Api(office, "qian.jiandu")
    assert supervisor.get(f"/instances/{case['id']}").status_code == 404
    assert supervisor.get(f"/tasks/{on_the_spot['id']}").status_code == 403
    assert supervisor.get("/tasks").get_json()["total"] == 0
    page = office.client("qian.jiandu").get(f"/inbox/tasks/{on_the_spot['id']}")
    assert page.status_code in (403, 404) and GOOD_INTAKE["customer_phone"] not in page.get_data(as_text=True)


def test_a_person_field_takes_only_an_active_login_of_its_group(web):
    designer = Api(web, "lin.designer")
    deployed = designer.call("POST", "/definitions", data={"files": [
        (io.BytesIO(PICK), "pick.bpmn"), (io.BytesIO(PICK_FORM), "pick.schema.json")]},
        content_type="multipart/form-data")
    assert deployed.status_code == 201, deployed.get_json()
    started = Api(web, "li.wei").start("p-1", {"process_id": "pick_reviewer"}).get_json()
    [pick] = started["open_tasks"]
    handler = Api(web, "li.wei")
    for typed in ("张敏", "zhao.lei", "nobody.here"):  # a display name, another group's person, no one
        refused = handler.post(f"/tasks/{pick['id']}/complete", {"data": {"reviewer": typed}})
        assert refused.status_code == 422 and "reviewer" in refused.get_json()["details"], typed
    done = handler.post(f"/tasks/{pick['id']}/complete", {"data": {"reviewer": "wu.lead"}})
    assert done.status_code == 200
    [review] = done.get_json()["instance"]["open_tasks"]
    assert review["assignee"] == "wu.lead"


def test_a_task_is_never_assigned_to_someone_who_does_not_exist(harness):
    """An assignee expression naming no active person leaves the task to its group, and says so."""
    harness.deploy_text("pick.bpmn", PICK.decode().replace(
        '<spiffworkflow:property name="formJsonSchemaFilename" value="pick.schema.json"/>', ""))
    view = harness.start("pick_reviewer")
    done = harness.complete(view, "pick", {"reviewer": "李伟"}, by="li.wei")
    [review] = done.open_tasks
    assert (review.assignee, review.candidate_group) == (None, None)
    created = [e for e in harness.history(view.id) if e.event == "task.created" and e.element_id == "review"]
    assert created[0].details["assignee_not_found"] == "李伟"


@pytest.mark.parametrize("login", ["li.wei", "zhang.min", "ma.manager", "admin"])
def test_nobody_issues_a_supervisor_id_by_starting_a_term_by_hand(office, login):
    """A supervisor's term (and so their ID) comes only from the recruitment that appointed them."""
    answer = Api(office, login).start("term-1", {"process_id": "supervisor_term", "business_key": "SQS-2026-0099",
                                                 "data": {"login": "zhao.lei", "name": "赵磊"}})
    assert answer.status_code == 403 and "other processes" in answer.get_json()["message"]


def test_only_a_process_s_starters_start_it(office):
    assert Api(office, "li.wei").start("c-1", {"process_id": "complaint", "business_key": "TS-9"}).status_code == 403
    assert Api(office, "zhang.min").start("c-1", {"process_id": "complaint", "business_key": "TS-9"}).status_code == 201
    assert Api(office, "li.wei").start("r-1", {"process_id": "supervisor_recruitment"}).status_code == 403


def test_a_first_responder_reads_their_own_cases_not_every_complaint(office):
    mine = take_complaint(office, "TS-2", by="zhang.min")
    theirs = take_complaint(office, "TS-3", by="wang.fang", customer_phone="13800138003")  # another customer
    zhang, wang = Api(office, "zhang.min"), Api(office, "wang.fang")
    assert zhang.get(f"/instances/{mine['id']}").status_code == 200
    assert wang.get(f"/instances/{theirs['id']}").status_code == 200
    browser = office.client("wang.fang")
    for url in (f"/instances/{mine['id']}/diagram.bpmn", f"/instances/{mine['id']}/elements.json"):
        assert browser.get(url).status_code == 404, url
    assert wang.get(f"/instances/{mine['id']}").status_code == 404
    assert Api(office, "ma.manager").get(f"/instances/{mine['id']}").status_code == 200


def test_a_team_lead_sees_the_cases_his_department_handled_and_other_departments_do_not(office):
    case = take_complaint(office, "TS-4")
    zhang = Api(office, "zhang.min")
    [spot] = [t for t in case["open_tasks"] if t["element_id"] == "on_the_spot"]
    case = zhang.post(f"/tasks/{spot['id']}/complete", {"data": {"resolved": False}}).get_json()["instance"]
    [dispatch] = [t for t in case["open_tasks"] if t["element_id"] == "dispatch"]
    zhang.post(f"/tasks/{dispatch['id']}/complete", {"data": {"department": "network_dept"}})
    assert Api(office, "li.wei").get(f"/instances/{case['id']}").status_code == 200  # it sits in his group
    assert Api(office, "wu.lead").get(f"/instances/{case['id']}").status_code == 200  # his department's
    assert Api(office, "sun.li").get(f"/instances/{case['id']}").status_code == 404  # billing


def test_a_supervisor_never_reads_a_customers_identity(office):
    """R-SUP-09: fields a form marks x-sensitive are masked for supervisors in data, attributes and history."""
    supervisor = office.client("qian.jiandu")
    filed = supervisor.post("/supervisors/reports", data={
        "kind": "in_person", "visited_at": "2026-01-04T15:30", "place": "人民路营业厅", "category": "service",
        "service_failure": "yes", "finding": "营业厅排队一小时无人引导，工作人员态度冷淡"})
    assert filed.status_code in (200, 302), filed.get_data(as_text=True)[:500]
    with office.sessions.begin() as session:
        from sqlalchemy import select
        from engine.persistence.tables import ProcessInstance
        complaint = session.scalars(select(ProcessInstance).where(ProcessInstance.process_id == "complaint")).one()
    assert complaint.attributes["received_by"] == "he.liaison"  # a person of the liaison group, not the group
    seen = Api(office, "qian.jiandu").get(f"/instances/{complaint.id}").get_json()
    assert seen["data"]["customer_name"] == "***" and seen["data"]["customer_phone"] == "***"
    assert seen["attributes"]["customer_phone"] == "***"
    text = str(seen)
    assert "13800138001" not in text and "钱监督" not in text
    liaison = Api(office, "he.liaison").get(f"/instances/{complaint.id}").get_json()
    assert liaison["data"]["customer_phone"] == "13800138001"


def test_lane_and_assignee_expressions_are_checked_at_deploy(web):
    """A lane `=expression` or an assignee expression that cannot run is refused with the element named."""
    broken = PICK.replace(b'name="network_dept"', b'name="=department["').replace(
        b'value="reviewer"', b'value="print(reviewer)"')
    answer = Api(web, "lin.designer").call("POST", "/definitions", data={"files": [
        (io.BytesIO(broken), "pick.bpmn"), (io.BytesIO(PICK_FORM), "pick.schema.json")]},
        content_type="multipart/form-data")
    assert answer.status_code == 422
    details = str(answer.get_json()["details"])
    assert "lane expression of task pick" in details and "assignee expression of task review" in details
