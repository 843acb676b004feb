"""No diagram can take the service down: each runaway ends within its budget as an error on its own
instance, through the HTTP API, and the service goes on answering."""
from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from tests.test_api_work import Api

RUNAWAY = Path(__file__).parent / "diagrams" / "runaway"


def deploy(web, name: str, *, script: str | None = None, extra: tuple[str, ...] = ()) -> None:
    content = (RUNAWAY / name).read_text()
    if script is not None:
        content = content.replace("SCRIPT", script)
    files = [(io.BytesIO(content.encode()), name)] + [(io.BytesIO((RUNAWAY / e).read_bytes()), e) for e in extra]
    answer = Api(web, "lin.designer").call("POST", "/definitions", data={"files": files},
                                          content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()


def start(web, process_id: str, key: str) -> dict:
    answer = Api(web, "zhang.min").start(f"idem-{key}", {"process_id": process_id, "business_key": key})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


@pytest.mark.parametrize("script, says", [
    ("x = max(range(10**12))", "range"),
    ("x = 10**10**10", "bits"),
    ("x = 'a' * 10**9", "repeating"),
    ("big = 'x' * 900000\nbigger = big + big", "at most 1,000,000"),
    ("n = 0\nwhile True:\n    n += 1", "steps (an endless loop?)"),
])
def test_a_runaway_script_fails_its_own_instance_and_the_service_answers_on(web, script, says):
    deploy(web, "runaway_script.bpmn", script=script)
    case = start(web, "runaway_script", "RUN-1")
    assert (case["state"], case["error_task"]) == ("error", "work")
    assert says in case["error_message"]
    assert "Traceback" not in case["error_message"] and " object at 0x" not in case["error_message"]
    assert Api(web, "ma.manager").get(f"/instances/{case['id']}").get_json()["state"] == "error"
    assert web.app.test_client().get("/healthz").status_code == 200


def test_a_gateway_loop_with_no_end_stops_at_a_budget(web):
    deploy(web, "endless_gateway_loop.bpmn")
    case = start(web, "endless_gateway_loop", "LOOP-1")
    assert case["state"] == "error" and case["error_task"] in ("merge", "again")
    # 10,000 tasks take about a second; on a busy host the 5 s budget of the step may stop it first.
    assert ("more than 10,000 tasks" in case["error_message"]
            or "the step ran longer than 5 s" in case["error_message"]), case["error_message"]


def test_a_catastrophic_form_pattern_is_matched_in_linear_time(web):
    """`^(a+)+$` against 34 a's and a '!' takes Python's re hours; the form answers at once."""
    deploy(web, "greedy_pattern.bpmn", extra=("greedy_pattern.schema.json",))
    case = start(web, "greedy_pattern", "PAT-1")
    [task] = case["open_tasks"]
    answers = []
    handler = Api(web, "li.wei")
    submit = threading.Thread(target=lambda: answers.append(handler.post(
        f"/tasks/{task['id']}/complete", {"data": {"code": "a" * 34 + "!"}})), daemon=True)
    submit.start()
    submit.join(60)
    assert answers, "matching the pattern did not finish"
    assert answers[0].status_code == 422 and "code" in answers[0].get_json()["details"]
    done = handler.post(f"/tasks/{task['id']}/complete", {"data": {"code": "aaaa"}})
    assert done.status_code == 200 and done.get_json()["instance"]["state"] == "completed"


def test_a_pattern_that_needs_backtracking_is_refused_at_deployment(web):
    schema = b'{"type": "object", "properties": {"code": {"type": "string", "pattern": "^(a)\\\\1$"}}}'
    bpmn = (RUNAWAY / "greedy_pattern.bpmn").read_bytes()
    answer = Api(web, "lin.designer").call("POST", "/definitions", data={"files": [
        (io.BytesIO(bpmn), "greedy_pattern.bpmn"), (io.BytesIO(schema), "greedy_pattern.schema.json")]},
        content_type="multipart/form-data")
    assert answer.status_code == 422
    assert "linear time" in str(answer.get_json()["details"]) and "/properties/code" in str(answer.get_json()["details"])


def test_a_runaway_step_on_sqlite_does_not_hold_up_another_person(tmp_path):
    """A served app on SQLite: while one request's script runs out its time budget, another handler
    completes a task and is answered first; the runaway ends as an error and the service answers on.
    (A real-process test: it waits a second before the second request.)"""
    import time
    from tests.served_app import ServedApp

    waiting: list[str] = []

    def prepare(setup) -> None:
        deploy(setup, "runaway_script.bpmn", script="n = 0\nwhile True:\n    n = n + len(sorted(range(50000)))")
        deploy(setup, "greedy_pattern.bpmn", extra=("greedy_pattern.schema.json",))
        waiting.append(start(setup, "greedy_pattern", "PAT-2")["open_tasks"][0]["id"])

    with ServedApp(tmp_path, logins=("zhang.min", "li.wei"), timer_worker=False, prepare=prepare,
                   step_max_seconds="4", script_max_lines="1000000000") as app:
        finished: list[tuple[str, int, dict]] = []
        runaway = threading.Thread(target=lambda: finished.append(("runaway", *app.call(
            "zhang.min", "POST", "/instances", {"process_id": "runaway_script"}, key="run-1"))))
        runaway.start()
        time.sleep(1)  # the runaway's script is running now
        finished.append(("other", *app.call("li.wei", "POST", f"/tasks/{waiting[0]}/complete",
                                            {"data": {"code": "aaa"}})))
        runaway.join(60)
        assert [name for name, _, _ in finished] == ["other", "runaway"], finished
        other, ran = finished[0], finished[1]
        assert other[1] == 200 and other[2]["instance"]["state"] == "completed"
        assert ran[1] == 201 and ran[2]["state"] == "error" and "longer than 4 s" in ran[2]["error_message"]
        assert app.call("li.wei", "GET", "/tasks")[0] == 200
