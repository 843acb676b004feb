"""A diagram that fails while it runs leaves its instance in `error` at an element, with a message a
designer can act on, and `retry` (with corrected data) carries on; the CLI never prints a traceback
or a Python repr.

Our own diagrams (tests/diagrams/runtime) do what SpiffWorkflow's test diagrams do:
parallel_multiinstance_loop_input (collection_per_item), script_on_mi (scripts_per_item),
service_task* (service_call), receive_correlations (correlated_reply), event-subprocess
(signal_subprocess). The same through the HTTP API is in test_runtime_failures_api.py.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli.main import main
from engine.definitions import parsing
from engine.runtime.instances import InstanceService

from .conftest import Harness, diagram_path
from .people_support import seed_demo_groups

NEVER_SHOWN = ("Traceback", " object at 0x")
ROOT = Path(__file__).parents[1]


def shows_no_internals(*texts: str) -> None:
    for text in texts:
        for needle in NEVER_SHOWN:
            assert needle not in text, text


@dataclass
class Ran:
    code: int
    out: str
    err: str

    def view(self) -> dict:
        assert self.code == 0, self.err
        return json.loads(self.out)


@pytest.fixture
def sqflow(database_url, monkeypatch, capsys, tmp_path):
    """`sqflow ARGS...` in this process, on SQLite or PostgreSQL; output checked for tracebacks."""
    monkeypatch.setenv("SQFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("SQFLOW_TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    seed_demo_groups(database_url)  # the groups the diagrams' lanes name

    def run(*args) -> Ran:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        shows_no_internals(out, err)
        return Ran(code, out, err)

    return run


def deploy(sqflow, name: str) -> None:
    ran = sqflow("deploy", diagram_path(f"runtime/{name}.bpmn"))
    assert ran.code == 0, ran.err


def start(sqflow, process_id: str, data: dict | None = None, key: str | None = None) -> dict:
    args = ["start", process_id, "--as", "alice", "--json", "--data", json.dumps(data or {})]
    return sqflow(*args, *(["--key", key] if key else [])).view()


def complete(sqflow, task: dict, data: dict | None = None) -> dict:
    return sqflow("complete", task["id"], "--as", "bob", "--json", "--data", json.dumps(data or {})).view()


def retry(sqflow, view: dict, data: dict) -> dict:
    return sqflow("retry", view["id"], "--as", "ops", "--json", "--data", json.dumps(data)).view()


def open_at(view: dict, element_id: str) -> list[dict]:
    return [t for t in view["open_tasks"] if t["element_id"] == element_id]


def test_a_multi_instance_task_without_its_input_collection_stops_there_and_runs_once_given_it(sqflow):
    deploy(sqflow, "collection_per_item")
    view = start(sqflow, "collection_per_item")
    assert (view["state"], view["error_task"]) == ("error", "check_item")
    assert view["error_message"] == ("there is no items in the instance data (a list or a mapping is needed) "
                                     "in the input collection items of multi-instance task check_item")
    shown = sqflow("show", view["id"]).out
    assert re.search(r"error at:?\s+check_item\n\s+error:?\s+there is no items in the instance data", shown), shown

    view = retry(sqflow, view, {"items": ["router", "cable"]})
    assert view["state"] == "active" and len(open_at(view, "check_item")) == 2
    for task in open_at(view, "check_item"):
        view = complete(sqflow, task, {"verdict": "ok"})
    assert view["state"] == "completed"


def test_a_pre_script_failing_on_an_instance_names_it_and_retry_makes_every_instance(sqflow):
    deploy(sqflow, "scripts_per_item")
    view = start(sqflow, "scripts_per_item", {"items": [2, 3]})
    assert (view["state"], view["error_task"]) == ("error", "price_item")
    assert view["error_message"].startswith(
        "NameError: name 'rate' is not defined in the pre-script of task price_item")

    view = retry(sqflow, view, {"rate": 10})
    assert view["state"] == "active" and len(open_at(view, "price_item")) == 2
    for task in open_at(view, "price_item"):
        view = complete(sqflow, task)
    assert view["state"] == "completed"
    assert sorted(sqflow("show", view["id"], "--json").view()["data"]["prices"]) == [20, 30]


def test_a_service_task_is_refused_before_deploy_and_one_deployed_earlier_fails_at_its_element(sqflow, monkeypatch):
    diagram = diagram_path("runtime/service_call.bpmn")
    refused = sqflow("validate", diagram)
    assert refused.code == 1 and "[look_up_account]" in refused.out and "no services" in refused.out
    assert sqflow("deploy", diagram).code == 1

    # A definition deployed before validation knew about services runs into the missing service.
    checks = parsing.run_time_problems
    monkeypatch.setattr(parsing, "run_time_problems", lambda spec, name, tree: [
        p for p in checks(spec, name, tree) if "no services" not in p.message])
    deploy(sqflow, "service_call")
    view = start(sqflow, "service_call", {"phone": "13800000000"})
    assert (view["state"], view["error_task"]) == ("error", "look_up_account")
    assert view["error_message"] == ("service tasks need a registered service; none is configured in the "
                                     "service call crm/GetAccount of service task look_up_account")


def test_a_correlation_that_reads_missing_data_stops_at_the_catch_event_and_the_reply_arrives_after_retry(sqflow):
    deploy(sqflow, "correlated_reply")
    view = start(sqflow, "correlated_reply", key="R-1")
    view = complete(sqflow, open_at(view, "file_request")[0])
    assert (view["state"], view["error_task"]) == ("error", "await_reply")
    assert view["error_message"].startswith(
        "NameError: name 'ticket_no' is not defined in the correlation property ticket of event await_reply")
    refused = sqflow("complete", "00000000", "--as", "bob")
    assert refused.code == 3

    view = retry(sqflow, view, {"ticket_no": "T-9", "region_code": "BJ"})
    assert view["state"] == "active" and view["open_tasks"] == []
    replied = sqflow("message", "R-1", "reply", "--as", "bob", "--json", "--data", '{"answer": "fixed"}').view()
    assert replied["state"] == "completed"


def test_a_condition_and_a_timer_expression_name_their_flow_and_event(sqflow):
    deploy(sqflow, "route_and_wait")
    view = start(sqflow, "route_and_wait")
    assert (view["state"], view["error_task"]) == ("error", "route")
    assert view["error_message"] == "NameError: name 'amount' is not defined in the condition of flow to_manager"

    view = retry(sqflow, view, {"amount": 5000})
    assert (view["state"], view["error_task"]) == ("error", "cool_down")
    assert view["error_message"] == ("NameError: name 'cool_down_for' is not defined in the timer expression "
                                     "of event cool_down")
    view = retry(sqflow, view, {"cool_down_for": "PT1H"})
    assert view["state"] == "active" and view["open_tasks"] == []
    history = sqflow("show", view["id"], "--json").view()["history"]
    assert [e["element_id"] for e in history if e["event"] == "instance.error"] == ["route", "cool_down"]


def sqflow_process(database_url: str, tmp_path: Path, *args: str) -> Ran:
    """`sqflow ARGS...` as its own process, the way a person runs it."""
    env = {**os.environ, "SQFLOW_DATABASE_URL": database_url, "SQFLOW_TIMEZONE": "Asia/Shanghai",
           "XDG_STATE_HOME": str(tmp_path / "state"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "cli.main", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=120)
    shows_no_internals(done.stdout, done.stderr)
    return Ran(done.returncode, done.stdout, done.stderr)


def test_an_event_sub_process_started_in_one_command_finishes_in_another(database_url, tmp_path):
    run = lambda *args: sqflow_process(database_url, tmp_path, *args)  # noqa: E731
    assert run("deploy", diagram_path("runtime/signal_subprocess.bpmn")).code == 0
    view = run("start", "signal_subprocess", "--as", "alice", "--json").view()
    view = run("complete", open_at(view, "prepare")[0]["id"], "--as", "bob", "--json").view()
    [review] = open_at(view, "do_review")
    view = run("complete", review["id"], "--as", "bob", "--json").view()
    assert view["state"] == "completed"


def test_an_engine_error_about_an_element_names_the_element_not_a_python_object(database_url, monkeypatch):
    """SpiffWorkflow raises some errors with an object's repr for a message (its `TaskSpec.test` passes
    its arguments the wrong way round); an event sub-process whose spec was never wired up raised one."""
    from engine.runtime import codec
    monkeypatch.setattr(codec, "seal_event_subprocess_triggers", lambda spec: spec)
    first, second = Harness(database_url, cache_size=0), Harness(database_url, cache_size=0)
    first.deploy("runtime/signal_subprocess.bpmn")
    view = first.complete(first.start("signal_subprocess"), "prepare")
    view = second.complete(view, "do_review")  # another process: its spec never saw the signal
    assert (view.state, view.error_task) == ("error", "review")
    assert view.error_message == "No input task connected in the subprocess review"
    for harness in (first, second):
        harness.sessions.kw["bind"].dispose()


def test_an_error_escaping_the_engine_is_one_line_and_its_traceback_goes_to_the_log_file(sqflow, monkeypatch, tmp_path):
    deploy(sqflow, "collection_per_item")

    def broken(*args, **kwargs):
        raise RuntimeError(f"lost track of {object()}")

    monkeypatch.setattr(InstanceService, "start", broken)
    ran = sqflow("start", "collection_per_item", "--as", "alice")
    log = tmp_path / "state" / "sqflow" / "cli.log"
    assert ran.code == 1 and ran.out == ""
    assert ran.err.strip() == f"sqflow: internal error (RuntimeError: lost track of an engine object); the details are in {log}"
    written = log.read_text(encoding="utf-8")
    assert "Traceback" in written and "RuntimeError: lost track of" in written
