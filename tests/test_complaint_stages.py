"""The complaint as a short main process that calls its stages (受理 intake, 工单 work order, 回访与归档
callback and closing), seen through the API and the monitor pages, on SQLite and PostgreSQL: deployed
together, only the complaint is started by people, the main diagram shows which stage a case is in
(and whether it is late there), and the case's fields are kept while a stage runs.
"""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest

from engine.errors import ProcessNotFound
from engine.runtime.element_stats import called_source, element_source
from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies
from engine.timers.worker import TimerWorker
from tests.test_api_work import Api
from tests.test_complaint_forms import GOOD_INTAKE

ROOT = Path(__file__).resolve().parents[1]
COMPLAINTS = ROOT / "bpmn" / "complaints"
FILES = [*sorted(COMPLAINTS.glob("complaint*.bpmn")), COMPLAINTS / "classification.dmn",
         *sorted((COMPLAINTS / "forms").glob("*.schema.json"))]
POLICIES = ROOT / "processes" / "complaints" / "sla_policies.json"
STAGES = {"complaint_intake": "intake_stage", "complaint_work_order": "work_order_stage",
          "complaint_closing": "closing_stage"}


@pytest.fixture
def deployed(web) -> dict[str, int]:
    """The designer uploads bpmn/complaints; process id -> definition id."""
    upload = [(io.BytesIO(path.read_bytes()), path.name) for path in FILES]
    answer = Api(web, "lin.designer").call("POST", "/definitions", data={"files": upload},
                                           content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    process_id, policies = parse_policies(POLICIES.name, POLICIES.read_bytes())
    with web.sessions.begin() as session:
        save_policies(session, process_id, policies, "defaults", "ops", web.clock.now())
    web.engine.sla_policies.forget()
    return {p["process_id"]: p["definition_id"] for p in answer.get_json()["processes"]}


def _do(api: Api, case: dict, element: str, data: dict) -> dict:
    [task] = [t for t in case["open_tasks"] if t["element_id"] == element]
    done = api.post(f"/tasks/{task['id']}/complete", {"data": data})
    assert done.status_code == 200, done.get_json()
    return api.get(f"/instances/{case['id']}").get_json()


def test_the_stages_deploy_with_the_complaint_and_only_the_complaint_is_started_by_people(web, deployed):
    assert set(deployed) == {"complaint", *STAGES}
    first_responder = Api(web, "zhang.min")
    for stage in STAGES:
        refused = first_responder.start(f"stage-{stage}", {"process_id": stage, "business_key": f"TS-{stage}"})
        assert refused.status_code == 403, stage
    started = first_responder.start("case-1", {"process_id": "complaint", "business_key": "TS-2026-0701"})
    assert started.status_code == 201
    assert [t["element_id"] for t in started.get_json()["open_tasks"]] == ["intake"]


def test_the_main_diagram_marks_the_running_stage_and_its_lateness_and_the_case_keeps_its_fields(web, deployed):
    first_responder, handler = Api(web, "zhang.min"), Api(web, "li.wei")
    monitor = web.client("ma.manager")
    status = lambda: monitor.get(f"/instances/{case['id']}/elements.json").get_json()  # noqa: E731
    case = first_responder.start("case-2", {"process_id": "complaint", "business_key": "TS-2026-0702"}).get_json()
    case = _do(first_responder, case, "intake", {**GOOD_INTAKE, "received_by": "zhang.min"})

    # Waiting inside the intake: the intake stage is the running one; what its decisions wrote is kept.
    assert {"intake_stage", "on_the_spot"} <= set(status()["active"])
    assert "work_order_stage" not in status()["active"]
    attributes = first_responder.get(f"/instances/{case['id']}").get_json()["attributes"]
    assert (attributes["contact_type"], attributes["channel_level"], attributes["customer_phone"]) == (
        "complaint", "provincial", GOOD_INTAKE["customer_phone"])

    case = _do(first_responder, case, "on_the_spot", {"resolved": False})
    case = _do(first_responder, case, "dispatch", {"department": "network_dept", "instructions": "查线路"})
    now = status()
    assert {"work_order_stage", "sign_for"} <= set(now["active"]) and "intake_stage" not in now["active"]
    assert "intake_stage" in now["completed"] and now["overdue"] == []
    heat = monitor.get(f"/dashboard/heat/{deployed['complaint']}.json").get_json()
    assert heat["work_order_stage"] == {"passed": 0, "waiting": 1}
    assert heat["intake_stage"] == {"passed": 1, "waiting": 0}

    # The sign-for is late (2 hours): the work order stage is marked late too, and the team lead chases it.
    web.clock.advance(timedelta(hours=2, minutes=1))
    TimerWorker(web.engine, web.sessions, name="stages").run_due()
    late = status()
    assert {"sign_for", "work_order_stage"} <= set(late["overdue"])
    assert "chase_sign_for" in late["active"]

    case = handler.get(f"/instances/{case['id']}").get_json()
    case = _do(handler, case, "sign_for", {"signed_by": "li.wei"})
    case = _do(handler, case, "field_test", {"test_result": "signal -12 dB", "traffic_analysis": "no drops"})
    case = _do(handler, case, "reply", {"answer": "replaced the splitter; service restored"})
    # The chase still waits for the team lead, yet the case has moved on to the callback.
    assert {"closing_stage", "callback", "chase_sign_for"} <= set(status()["active"])
    assert "work_order_stage" not in status()["active"]
    case = _do(first_responder, case, "callback", {"reached": True, "satisfied": True})
    assert case["state"] == "active"
    case = _do(Api(web, "wu.lead"), case, "chase_sign_for", {"action": "called the department"})
    assert case["state"] == "completed" and case["attributes"]["status"] == "archived"
    assert {"intake_stage", "work_order_stage", "closing_stage", "closed"} <= set(status()["completed"])


def test_a_viewer_opens_a_stage_or_a_task_in_the_diagram_that_draws_it(web, deployed):
    """For the instance viewer (drilling into a stage) and a task page (showing its task), in the versions
    the case runs."""
    case_id = Api(web, "zhang.min").start("case-3", {"process_id": "complaint",
                                                     "business_key": "TS-2026-0703"}).get_json()["id"]
    with web.sessions.begin() as session:
        work_order = called_source(session, case_id, "complaint_work_order")
        with pytest.raises(ProcessNotFound):
            called_source(session, case_id, "work_order")
        drawn = {element: element_source(session, case_id, element)
                 for element in ("sign_for", "intake", "tell_progress", "work_order_stage")}
    assert 'bpmn:process id="complaint_work_order"' in work_order and "BPMNShape" in work_order
    assert drawn["sign_for"] == work_order
    assert 'bpmn:process id="complaint_intake"' in drawn["intake"]
    assert 'bpmn:process id="complaint"' in drawn["tell_progress"]  # an event sub-process of the complaint
    assert drawn["work_order_stage"] == drawn["tell_progress"]
