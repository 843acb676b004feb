"""Driving sqflow through the API: deploy, idempotent starts, the inbox and its rights, form validation,
pagination, messages by business key, and managers' actions and figures."""
from __future__ import annotations

import io
import json
from datetime import timedelta
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from engine.people.tokens import ApiTokens
from engine.persistence.tables import ProcessInstance

from .conftest import diagram_path

FORM = diagram_path("forms/sign_for.schema.json").read_bytes()
CASE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs_api" targetNamespace="http://sqflow.test">
  <bpmn:message id="msg_called" name="customer_called"/>
  <bpmn:process id="api_case" name="API case" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_net" name="network_dept">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>sign_for</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>called</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_front" name="front_desk"><bpmn:flowNodeRef>talk</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="sign_for"/>
    <bpmn:userTask id="sign_for" name="Sign for">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="sign_for.schema.json"/>
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="sign_for" targetRef="called"/>
    <bpmn:intermediateCatchEvent id="called"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:messageEventDefinition id="m1" messageRef="msg_called"/></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="called" targetRef="talk"/>
    <bpmn:userTask id="talk" name="Talk to the customer"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f4" sourceRef="talk" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""
SIGNED = {"signed_by": "li", "estimate_hours": 2}


class Api:
    """A client of the API with one person's bearer token."""

    def __init__(self, web, login: str):
        with web.sessions.begin() as db:
            self.token = ApiTokens().create(db, login, "tests", web.clock.now()).token
        self.client = web.app.test_client()

    def call(self, method: str, url: str, body=None, **kwargs):
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.open("/api/v1" + url, method=method, json=body, headers=headers, **kwargs)

    def get(self, url: str, **kwargs):
        return self.call("GET", url, **kwargs)

    def post(self, url: str, body=None, **kwargs):
        return self.call("POST", url, body, **kwargs)

    def start(self, key: str, body: dict):
        return self.post("/instances", body, headers={"Idempotency-Key": key})


def deploy_case(web) -> None:
    answer = Api(web, "lin.designer").call("POST", "/definitions", data={"files": [
        (io.BytesIO(CASE), "api_case.bpmn"), (io.BytesIO(FORM), "sign_for.schema.json")]},
        content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()


def start_case(web, key: str, by: str = "zhang.min") -> dict:
    answer = Api(web, by).start(f"idem-{key}", {"process_id": "api_case", "business_key": key})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_designers_deploy_files_and_everyone_working_lists_them(web):
    designer = Api(web, "lin.designer")
    upload = lambda *files: designer.call("POST", "/definitions", data={"files": list(files)},  # noqa: E731
                                          content_type="multipart/form-data")
    refused = upload((io.BytesIO(CASE), "api_case.bpmn"))
    assert refused.status_code == 422 and "sign_for.schema.json" in json.dumps(refused.get_json()["details"])
    first = upload((io.BytesIO(CASE), "api_case.bpmn"), (io.BytesIO(FORM), "sign_for.schema.json"))
    assert first.status_code == 201
    [deployed] = first.get_json()["processes"]
    assert {k: deployed[k] for k in ("process_id", "version", "definition_id", "changed")} == {
        "process_id": "api_case", "version": 1, "definition_id": 1, "changed": True}
    assert {(w["code"], w["element_id"]) for w in deployed["warnings"]} >= {("lint.label-required", "start")}
    # The form stored with version 1 comes along when only the diagram is sent again.
    again = upload((io.BytesIO(CASE), "api_case.bpmn"))
    assert again.status_code == 200 and again.get_json()["processes"][0]["changed"] is False
    bad = upload((io.BytesIO(b"\xff\xfe"), "x.bpmn"), (io.BytesIO(b"hello"), "notes.txt"))
    assert bad.status_code == 422 and set(bad.get_json()["details"]) == {"x.bpmn", "notes.txt"}
    assert Api(web, "li.wei").call("POST", "/definitions", data={"files": [(io.BytesIO(CASE), "a.bpmn")]},
                                   content_type="multipart/form-data").status_code == 403

    listed = Api(web, "li.wei").get("/definitions").get_json()
    assert listed["total"] == 1 and listed["items"][0]["process_id"] == "api_case"
    assert [t["form"] for t in listed["items"][0]["user_tasks"]] in (["sign_for.schema.json", None],
                                                                     [None, "sign_for.schema.json"])


def test_a_retried_start_with_the_same_key_returns_the_same_instance(web):
    deploy_case(web)
    api = Api(web, "zhang.min")
    body = {"process_id": "api_case", "business_key": "TS-2026-0001", "data": {"customer_name": "王五"}}
    first = api.start("call-4711", body)
    assert first.status_code == 201 and first.headers["Idempotency-Key"] == "call-4711"
    retried = api.start("call-4711", body)
    assert retried.status_code == 200 and retried.get_json()["id"] == first.get_json()["id"]
    changed = api.start("call-4711", {**body, "data": {"customer_name": "赵六"}})
    assert changed.status_code == 422 and set(changed.get_json()["details"]) == {"Idempotency-Key"}
    missing = api.post("/instances", body)
    assert missing.status_code == 422 and "Idempotency-Key" in missing.get_json()["details"]
    with web.sessions.begin() as db:
        assert db.scalar(select(func.count()).select_from(ProcessInstance)) == 1
    # Keys belong to their caller: another person's key of the same name is another start.
    other = Api(web, "wang.fang").start("call-4711", {"process_id": "api_case", "business_key": "TS-2026-0002"})
    assert other.status_code == 201 and other.get_json()["id"] != first.get_json()["id"]


def test_concurrent_retries_with_one_key_start_one_instance(web):
    deploy_case(web)
    apis = [Api(web, "zhang.min") for _ in range(4)]
    body = {"process_id": "api_case", "business_key": "TS-RACE"}
    with ThreadPoolExecutor(len(apis)) as pool:
        answers = list(pool.map(lambda api: api.start("same-key", body), apis))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.get_json()["id"] for a in answers}) == 1
    with web.sessions.begin() as db:
        assert db.scalar(select(func.count()).select_from(ProcessInstance)) == 1


def test_a_failed_start_keeps_no_key_and_may_be_retried(web):
    api = Api(web, "zhang.min")
    body = {"process_id": "api_case"}
    assert api.start("k1", body).status_code == 404
    deploy_case(web)
    assert api.start("k1", body).status_code == 201


def test_starting_needs_a_handler_or_manager_and_valid_input(web):
    deploy_case(web)
    assert Api(web, "lin.designer").start("k", {"process_id": "api_case"}).status_code == 403
    bad = Api(web, "zhang.min").start("k", {"process_id": "", "data": [1], "colour": "red"})
    assert bad.status_code == 422
    assert bad.get_json()["code"] == 422 and set(bad.get_json()["details"]) == {"process_id", "data", "colour"}
    not_json = Api(web, "zhang.min").post("/instances", headers={"Idempotency-Key": "k", "Content-Type": "text/plain"},
                                          data="hello")
    assert not_json.status_code == 400 and not_json.get_json()["code"] == 400
    nul = Api(web, "zhang.min").start("k", {"process_id": "api_case", "data": {"name": "a\x00b"}})
    assert nul.status_code == 422 and set(nul.get_json()["details"]) == {"data.name"}


def test_the_inbox_claim_and_complete_with_form_errors_by_field(web):
    deploy_case(web)
    start_case(web, "TS-1")
    wei = Api(web, "li.wei")
    inbox = wei.get("/tasks").get_json()
    assert inbox["total"] == 1 and inbox["items"][0]["business_key"] == "TS-1"
    task_id = inbox["items"][0]["id"]
    detail = wei.get(f"/tasks/{task_id}").get_json()
    assert detail["form"]["required"] == ["signed_by", "estimate_hours"]
    assert detail["choices"] == {"may_claim": True, "may_unclaim": False, "may_complete": True, "leads": False}

    claimed = wei.post(f"/tasks/{task_id[:8]}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "li.wei"
    assert wei.post(f"/tasks/{task_id}/claim").status_code == 409
    invalid = wei.post(f"/tasks/{task_id}/complete", {"data": {"signed_by": "li", "estimate_hours": "two"}})
    assert invalid.status_code == 422
    assert invalid.get_json()["details"] == {"estimate_hours": "'two' is not of type 'number'"}
    done = wei.post(f"/tasks/{task_id}/complete", {"data": SIGNED})
    assert done.status_code == 200
    assert done.get_json()["instance"]["state"] == "active" and done.get_json()["next_task"] is None
    assert wei.post(f"/tasks/{task_id}/complete", {"data": SIGNED}).status_code == 409


def test_a_handler_cannot_touch_another_groups_task(web):
    deploy_case(web)
    case = start_case(web, "TS-1")
    task_id = case["open_tasks"][0]["id"]
    lei = Api(web, "zhao.lei")  # wireless_dept
    assert lei.get("/tasks").get_json()["total"] == 0
    for action in ("claim", "complete", "unclaim"):
        refused = lei.post(f"/tasks/{task_id}/{action}", {"data": SIGNED} if action == "complete" else None)
        assert refused.status_code == 403 and refused.get_json()["code"] == 403, action
    assert lei.get(f"/tasks/{task_id}").status_code == 403
    assert lei.get(f"/instances/{case['id']}").status_code == 404  # a case one may not see is answered as if it did not exist
    assert Api(web, "li.wei").get(f"/instances/{case['id']}").status_code == 200  # sees a task of it
    assert lei.get("/tasks/zzzzzz").status_code == 404


def test_claim_next_gives_each_caller_the_next_waiting_task_then_null(web):
    deploy_case(web)
    first = start_case(web, "TS-1")
    web.clock.advance(timedelta(minutes=1))
    second = start_case(web, "TS-2")
    wei, gang = Api(web, "li.wei"), Api(web, "wu.lead")
    taken = wei.post("/tasks/claim-next", {"process_id": "api_case"})
    assert taken.status_code == 200
    task = taken.get_json()["task"]
    assert (task["id"], task["assignee"], task["element_id"]) == (first["open_tasks"][0]["id"], "li.wei", "sign_for")
    assert gang.post("/tasks/claim-next", {}).get_json()["task"]["id"] == second["open_tasks"][0]["id"]
    assert wei.post("/tasks/claim-next").get_json() == {"task": None}
    assert Api(web, "zhao.lei").post("/tasks/claim-next").get_json() == {"task": None}  # another group
    bad = wei.post("/tasks/claim-next", {"sla": "soon", "scope": "mine"})
    assert bad.status_code == 422 and set(bad.get_json()["details"]) == {"sla", "scope"}
    mine = wei.get("/tasks?scope=mine").get_json()["items"]
    assert [t["business_key"] for t in mine] == ["TS-1"]


def test_completing_with_take_next_claims_the_next_waiting_task_when_the_case_has_none_for_me(web):
    deploy_case(web)
    first = start_case(web, "TS-1")
    web.clock.advance(timedelta(minutes=1))
    second = start_case(web, "TS-2")
    wei = Api(web, "li.wei")
    done = wei.post(f"/tasks/{first['open_tasks'][0]['id']}/complete", {"data": SIGNED, "take_next": {}})
    assert done.status_code == 200
    body = done.get_json()
    assert body["next_task"] is None and body["taken_next"]["id"] == second["open_tasks"][0]["id"]
    assert body["taken_next"]["assignee"] == "li.wei"
    last = wei.post(f"/tasks/{body['taken_next']['id']}/complete",
                    {"data": SIGNED, "take_next": {"process_id": "api_case"}}).get_json()
    assert (last["next_task"], last["taken_next"]) == (None, None)
    bad = wei.post(f"/tasks/{second['open_tasks'][0]['id']}/complete", {"data": SIGNED, "take_next": {"sla": "x"}})
    assert bad.status_code == 422 and set(bad.get_json()["details"]) == {"take_next.sla"}


def test_a_team_lead_hands_a_claimed_task_on(web):
    deploy_case(web)
    task_id = start_case(web, "TS-1")["open_tasks"][0]["id"]
    Api(web, "li.wei").post(f"/tasks/{task_id}/claim")
    assert Api(web, "li.wei").post(f"/tasks/{task_id}/reassign", {"to": "wu.lead"}).status_code == 403
    lead = Api(web, "wu.lead")
    moved = lead.post(f"/tasks/{task_id}/reassign", {"to": "wu.lead", "delegate": True})
    assert moved.status_code == 200 and moved.get_json()["assignee"] == "wu.lead"
    assert lead.post(f"/tasks/{task_id}/reassign", {"to": "zhao.lei"}).status_code == 400
    assert lead.post(f"/tasks/{task_id}/unclaim").get_json()["assignee"] is None


def test_lists_are_paged_with_a_total_and_a_next_link(web):
    deploy_case(web)
    for number in range(5):
        start_case(web, f"TS-{number}")
    wei = Api(web, "li.wei")
    first = wei.get("/tasks?per_page=2&scope=unclaimed").get_json()
    assert (first["total"], first["page"], first["per_page"], len(first["items"])) == (5, 1, 2, 2)
    assert first["next"] == "/api/v1/tasks?per_page=2&scope=unclaimed&page=2"
    last = wei.get("/tasks?per_page=2&scope=unclaimed&page=3").get_json()
    assert len(last["items"]) == 1 and last["next"] is None
    seen = {t["id"] for page in (1, 2, 3) for t in wei.get(f"/tasks?per_page=2&page={page}").get_json()["items"]}
    assert len(seen) == 5
    manager = Api(web, "ma.manager")
    instances = manager.get("/instances?per_page=3&process_id=api_case").get_json()
    assert instances["total"] == 5 and len(instances["items"]) == 3 and instances["items"][0]["sla"] == "none"
    assert manager.get(instances["next"].removeprefix("/api/v1")).get_json()["page"] == 2
    assert manager.get("/instances?business_key=TS-3").get_json()["total"] == 1
    bad = manager.get("/instances?per_page=1000&state=sleeping&started_from=yesterday")
    assert bad.status_code == 422 and set(bad.get_json()["details"]) == {"per_page", "state", "started_from"}
    backwards = manager.get("/instances?started_from=2026-03-02&started_to=2026-03-01")
    assert backwards.status_code == 400
    assert wei.get("/instances").status_code == 403


def test_a_message_reaches_the_open_case_by_its_business_key(web):
    deploy_case(web)
    case = start_case(web, "TS-2026-0042")
    wei = Api(web, "li.wei")
    wei.post(f"/tasks/{case['open_tasks'][0]['id']}/complete", {"data": SIGNED})
    front = Api(web, "zhang.min")
    early = {"business_key": "TS-2026-0042", "message": "customer_wrote"}
    assert front.post("/messages", early).status_code == 409
    unknown = front.post("/messages", {"business_key": "TS-404", "message": "customer_called"})
    assert unknown.status_code == 404 and unknown.get_json()["code"] == 404
    reached = front.post("/messages", {"business_key": "TS-2026-0042", "message": "customer_called",
                                       "payload": {"note": "再次来电"}})
    assert reached.status_code == 200
    assert reached.get_json()["id"] == case["id"]
    assert [t["element_id"] for t in reached.get_json()["open_tasks"]] == ["talk"]
    assert Api(web, "lin.designer").post("/messages", early).status_code == 403
    detail = Api(web, "ma.manager").get(f"/instances/{case['id']}").get_json()
    assert "message.received" in [entry["event"] for entry in detail["history"]]


def test_managers_suspend_resume_terminate_and_retry(web):
    deploy_case(web)
    web.deploy("work_order.bpmn")
    case = start_case(web, "TS-1")
    manager, handler = Api(web, "ma.manager"), Api(web, "li.wei")
    assert handler.post(f"/instances/{case['id']}/suspend").status_code == 403
    assert manager.post(f"/instances/{case['id']}/suspend").get_json()["state"] == "suspended"
    assert manager.post(f"/instances/{case['id']}/suspend").status_code == 409
    assert handler.post(f"/tasks/{case['open_tasks'][0]['id']}/complete", {"data": SIGNED}).status_code == 409
    assert manager.post(f"/instances/{case['id']}/resume").get_json()["state"] == "active"
    no_reason = manager.post(f"/instances/{case['id']}/terminate", {})
    assert no_reason.status_code == 422 and set(no_reason.get_json()["details"]) == {"reason"}
    ended = manager.post(f"/instances/{case['id']}/terminate", {"reason": "duplicate"})
    assert ended.get_json()["state"] == "terminated"
    assert manager.post("/instances/999999/resume").status_code == 404
    assert manager.post("/instances/99999999999/resume").status_code == 404

    broken = Api(web, "zhang.min").start("wo-1", {"process_id": "work_order", "data": {}})
    assert broken.get_json()["state"] == "error"
    retried = manager.post(f"/instances/{broken.get_json()['id']}/retry",
                           {"data": {"description": "宽带断网", "category": "complaint"}})
    assert retried.status_code == 200 and retried.get_json()["state"] == "active"


def test_managers_read_slas_and_dashboard_figures(web):
    deploy_case(web)
    start_case(web, "TS-1")
    manager = Api(web, "ma.manager")
    slas = manager.get("/slas?standing=breached").get_json()
    assert slas == {"items": [], "total": 0, "page": 1, "per_page": 25, "next": None}
    board = manager.get("/dashboard?month=2026-01").get_json()
    assert board["month"] == "2026-01" and board["instances_by_state"]["active"] == 1
    assert board["hours_limit"] == 17.0 and board["hot_topics"]["received"] == 0
    assert manager.get("/dashboard").get_json()["month"] == "2026-01"
    assert manager.get("/dashboard?month=2026-13").status_code == 422
    assert Api(web, "li.wei").get("/dashboard").status_code == 403
    assert Api(web, "li.wei").get("/slas").status_code == 403


@pytest.mark.parametrize("path", ["/nowhere", "/instances/abc"])
def test_unknown_paths_answer_json(web, path):
    answer = Api(web, "ma.manager").get(path)
    assert answer.status_code == 404 and set(answer.get_json()) == {"code", "message"}
