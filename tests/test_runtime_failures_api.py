"""Run-time failures of a diagram through the HTTP API and the monitor pages: the instance answers in
`error` at its element with an actionable message, a manager retries it with corrected data, and no
answer carries a traceback or a Python repr. (The same through the CLI: test_runtime_failures.py.)"""
from __future__ import annotations

import io

from engine.runtime.instances import InstanceService

from .conftest import diagram_path
from .test_api_work import Api

NEVER_SHOWN = ("Traceback", " object at 0x")


def answered(response, status: int) -> dict:
    text = response.get_data(as_text=True)
    for needle in NEVER_SHOWN:
        assert needle not in text, text
    assert response.status_code == status, text
    return response.get_json()


def deploy(web, name: str) -> None:
    diagram = diagram_path(f"runtime/{name}.bpmn").read_bytes()
    answer = Api(web, "lin.designer").call("POST", "/definitions", data={"files": [(io.BytesIO(diagram), f"{name}.bpmn")]},
                                           content_type="multipart/form-data")
    answered(answer, 201)


def test_a_multi_instance_task_without_its_collection_answers_in_error_and_a_manager_retries_it(web):
    deploy(web, "collection_per_item")
    started = answered(Api(web, "zhang.min").start("k-1", {"process_id": "collection_per_item"}), 201)
    assert (started["state"], started["error_task"]) == ("error", "check_item")
    assert "input collection items of multi-instance task check_item" in started["error_message"]

    manager = Api(web, "ma.manager")
    page = web.client("ma.manager").get(f"/instances/{started['id']}")
    assert "input collection items of multi-instance task check_item" in page.get_data(as_text=True)
    answered(page, 200)
    retried = answered(manager.post(f"/instances/{started['id']}/retry", {"data": {"items": ["router", "cable"]}}), 200)
    assert retried["state"] == "active"
    tasks = [t for t in retried["open_tasks"] if t["element_id"] == "check_item"]
    assert len(tasks) == 2
    for task in tasks:
        done = answered(Api(web, "li.wei").post(f"/tasks/{task['id']}/complete", {"data": {"verdict": "ok"}}), 200)
    assert done["instance"]["state"] == "completed"


def test_a_correlation_failure_after_a_completed_task_is_retried_and_the_reply_is_delivered(web):
    deploy(web, "correlated_reply")
    front, manager = Api(web, "zhang.min"), Api(web, "ma.manager")
    case = answered(front.start("k-2", {"process_id": "correlated_reply", "business_key": "R-7"}), 201)
    [task] = case["open_tasks"]
    failed = answered(Api(web, "li.wei").post(f"/tasks/{task['id']}/complete", {"data": {}}), 200)["instance"]
    assert (failed["state"], failed["error_task"]) == ("error", "await_reply")
    assert failed["error_message"].startswith(
        "NameError: name 'ticket_no' is not defined in the correlation property ticket of event await_reply")
    detail = answered(manager.get(f"/instances/{case['id']}"), 200)
    assert detail["error_message"] == failed["error_message"]

    answered(manager.post(f"/instances/{case['id']}/retry", {"data": {"ticket_no": "T-9", "region_code": "BJ"}}), 200)
    replied = answered(front.post("/messages", {"business_key": "R-7", "message": "reply", "payload": {"ok": True}}), 200)
    assert replied["state"] == "completed"


def test_an_error_escaping_the_engine_answers_500_with_a_code_and_a_message_only(web, monkeypatch):
    deploy(web, "collection_per_item")

    def broken(*args, **kwargs):
        raise RuntimeError(f"lost track of {object()}")

    monkeypatch.setattr(InstanceService, "start", broken)
    body = answered(Api(web, "zhang.min").start("k-3", {"process_id": "collection_per_item"}), 500)
    assert set(body) == {"code", "message"} and body["code"] == 500
    assert "RuntimeError" not in body["message"]
