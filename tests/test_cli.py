"""The `sqflow` command line, run in-process against a fresh SQLite database per test."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from cli import demo
from cli.main import main

WORK_ORDER = Path(__file__).parents[1] / "bpmn" / "work_order.bpmn"
START_DATA = json.dumps({"description": "宽带断网 outage in Chaoyang", "category": "complaint"}, ensure_ascii=False)
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def sqflow(tmp_path, monkeypatch, capsys):
    """Run `sqflow ARGS...`; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("SQFLOW_DATABASE_URL", f"sqlite:///{tmp_path}/cli.db")
    monkeypatch.setenv("SQFLOW_TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("USER", "tester")

    def run(*args: str) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def add_work_order_groups(sqflow) -> None:
    """The groups work_order's lanes name, added as an operator does before deploying it."""
    for name, label, kind in (("network_dept", "网络部", "department"), ("front_desk", "前台受理", "group")):
        assert sqflow("group", "add", name, "--label", label, "--kind", kind)[0] == 0


@pytest.fixture
def started(sqflow):
    """A deployed work_order and one instance waiting at `sign_for`; returns its JSON view."""
    add_work_order_groups(sqflow)
    assert sqflow("deploy", WORK_ORDER)[0] == 0
    code, out, _ = sqflow("start", "work_order", "--as", "alice", "--key", "TS-1", "--data", START_DATA, "--json")
    assert code == 0
    return json.loads(out)


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("sqflow: ")
    assert "Traceback" not in err
    return lines[0]


def test_validate_ok_names_the_processes(sqflow):
    code, out, err = sqflow("validate", WORK_ORDER)
    assert code == 0, err
    assert out.strip() == f"ok: {WORK_ORDER}: processes work_order"


def test_validate_prints_one_line_per_problem(sqflow, tmp_path):
    unclosed = tmp_path / "unclosed.bpmn"
    unclosed.write_text('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">\n<bpmn:process')
    doctype = tmp_path / "doctype.bpmn"
    doctype.write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "boom">]>\n<x>&e;</x>\n')
    code, out, err = sqflow("validate", unclosed, doctype)
    assert code == 1
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{unclosed}:") and "malformed XML" in lines[0]
    assert lines[1].startswith(f"{doctype}:2:") and "DOCTYPE" in lines[1]
    assert one_error_line(err) == "sqflow: validation failed: 2 problem(s)"

    code, out, _ = sqflow("validate", "--json", unclosed)
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False and report["problems"][0]["file"] == str(unclosed)


def test_validate_missing_file_is_bad_input(sqflow, tmp_path):
    code, out, err = sqflow("validate", tmp_path / "nope.bpmn")
    assert code == 2 and out == ""
    assert "cannot read" in one_error_line(err)


def test_deploy_twice_then_unchanged_and_processes_table(sqflow):
    add_work_order_groups(sqflow)
    code, out, err = sqflow("deploy", WORK_ORDER, "--as", "ops")
    assert code == 0, err
    assert out.strip() == "work_order: deployed version 1"
    code, out, _ = sqflow("deploy", WORK_ORDER)
    assert code == 0
    assert "unchanged" in out and "version 1" in out

    code, out, _ = sqflow("processes")
    header, row = out.strip().splitlines()
    assert header.split() == ["PROCESS", "VERSION", "NAME", "DEPLOYED"]
    assert row.startswith("work_order") and "Work order" in row
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d$", row)
    code, out, _ = sqflow("--json", "processes")
    assert json.loads(out)[0]["latest_version"] == 1


def test_deploy_directory_and_refused_deployment(sqflow, tmp_path):
    add_work_order_groups(sqflow)
    folder = tmp_path / "diagrams" / "nested"
    folder.mkdir(parents=True)
    shutil.copy(WORK_ORDER, folder / "work_order.bpmn")
    code, out, _ = sqflow("deploy", tmp_path / "diagrams")
    assert code == 0 and out.strip() == "work_order: deployed version 1"

    broken = tmp_path / "broken.bpmn"
    broken.write_text("<bpmn:definitions")
    code, out, err = sqflow("deploy", broken)
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert lines[0] == "sqflow: deployment refused: 1 problem(s)"
    assert len(lines) == 2 and str(broken) in lines[1]


def test_start_json_and_human_output(started, sqflow):
    assert started["state"] == "active"
    assert started["business_key"] == "TS-1"
    [task] = started["open_tasks"]
    assert task["element_id"] == "sign_for" and task["candidate_group"] == "network_dept"

    code, out, _ = sqflow("start", "work_order", "--as", "bob", "--data", '{"description": "x", "category": "inquiry"}')
    assert code == 0
    assert re.match(r"instance #2 \(work_order v1\) is completed$", out.strip())


def test_start_needs_as_and_a_json_object(sqflow, started):
    code, _, err = sqflow("start", "work_order")
    assert code == 2 and "--as" in err
    code, out, err = sqflow("start", "work_order", "--as", "a", "--data", '{"description": ')
    assert code == 2 and out == ""
    assert "not valid JSON" in one_error_line(err)
    code, _, err = sqflow("start", "work_order", "--as", "a", "--data", "[1, 2]")
    assert code == 2 and "JSON object" in one_error_line(err)


def test_start_data_from_file_and_key_clash(sqflow, started, tmp_path):
    data = tmp_path / "data.json"
    data.write_text(START_DATA, encoding="utf-8")
    code, _, err = sqflow("start", "work_order", "--as", "a", "--key", "TS-1", "--data", f"@{data}")
    assert code == 4 and "TS-1" in one_error_line(err)
    code, out, _ = sqflow("start", "work_order", "--as", "a", "--key", "TS-2", "--data", f"@{data}", "--json")
    assert code == 0 and json.loads(out)["business_key"] == "TS-2"


def test_tasks_by_group_and_complete_by_prefix(sqflow, started):
    task_id = started["open_tasks"][0]["id"]
    code, out, _ = sqflow("tasks", "--group", "network_dept")
    assert code == 0
    header, row = out.strip().splitlines()
    assert header.split()[:3] == ["ID", "INSTANCE", "NAME"]
    assert row.startswith(task_id) and "Sign for the work order" in row
    code, out, _ = sqflow("tasks", "--group", "front_desk", "--json")
    assert json.loads(out) == []

    code, out, err = sqflow("complete", task_id[:8], "--as", "li")
    assert code == 0, err
    assert f"completed task {task_id}" in out
    assert "is active" in out and "Reply to the complaint" in out

    code, out, err = sqflow("complete", task_id[:8], "--as", "li")
    assert code == 4 and out == ""
    assert "is completed" in one_error_line(err)


def test_full_run_to_completion_and_show(sqflow, started):
    instance = started["id"]
    for data in (None, '{"answer": "修好了 fixed"}', '{"reached": true}'):
        code, out, _ = sqflow("tasks", "--instance", instance, "--json")
        [task] = json.loads(out)
        args = ["complete", task["id"], "--as", "li"] + (["--data", data] if data else [])
        code, out, err = sqflow(*args)
        assert code == 0, err
    assert "is completed" in out

    code, out, err = sqflow("show", f"#{instance}")
    assert code == 0, err
    assert out.startswith(f"instance #{instance}  work_order v1")
    assert re.search(r"state:\s+completed", out)
    assert re.search(r'summary:\s+"宽带断网 outage in Ch', out)
    assert "instance.started" in out and "instance.completed" in out
    assert re.search(r"^  \d{4}-\d\d-\d\d \d\d:\d\d  alice\s+instance\.started", out, re.M)

    code, out, _ = sqflow("show", instance, "--json")
    view = json.loads(out)
    assert view["state"] == "completed" and view["data"]["archived"] is True
    assert [e["event"] for e in view["history"]][-1] == "instance.completed"


def test_not_found_is_exit_3(sqflow, started):
    code, out, err = sqflow("show", 999)
    assert code == 3 and out == ""
    assert one_error_line(err) == "sqflow: no instance #999"
    code, _, err = sqflow("complete", "deadbeef", "--as", "x")
    assert code == 3 and one_error_line(err)
    code, _, err = sqflow("start", "no_such_process", "--as", "x")
    assert code == 3 and one_error_line(err)
    code, _, err = sqflow("suspend", 999)
    assert code == 3 and one_error_line(err)


def test_unusable_database_url_is_exit_5(sqflow, monkeypatch):
    monkeypatch.setenv("SQFLOW_DATABASE_URL", "nonsense://")
    code, out, err = sqflow("tasks")
    assert code == 5 and out == ""
    one_error_line(err)


def test_unknown_time_zone_is_exit_5(sqflow, monkeypatch):
    monkeypatch.setenv("SQFLOW_TIMEZONE", "Mars/Olympus")
    code, _, err = sqflow("instances")
    assert code == 5 and "SQFLOW_TIMEZONE" in one_error_line(err)


def test_suspend_refuses_completion_until_resumed(sqflow, started):
    instance, task_id = started["id"], started["open_tasks"][0]["id"]
    code, out, _ = sqflow("suspend", instance, "--as", "boss")
    assert code == 0 and "is suspended" in out
    code, out, err = sqflow("complete", task_id, "--as", "li")
    assert code == 4 and out == ""
    assert "suspended" in one_error_line(err)
    code, _, err = sqflow("suspend", instance)
    assert code == 4 and one_error_line(err)

    code, out, _ = sqflow("resume", instance, "--json")
    assert code == 0 and json.loads(out)["state"] == "active"
    code, out, _ = sqflow("complete", task_id, "--as", "li")
    assert code == 0 and "Reply to the complaint" in out


def test_terminate_cancels_tasks_and_is_final(sqflow, started):
    instance = started["id"]
    code, out, _ = sqflow("terminate", instance, "--reason", "duplicate ticket", "--as", "boss")
    assert code == 0 and "is terminated" in out
    code, out, _ = sqflow("tasks", "--instance", instance, "--state", "cancelled", "--json")
    assert [t["element_id"] for t in json.loads(out)] == ["sign_for"]
    code, _, err = sqflow("terminate", instance)
    assert code == 4 and "already terminated" in one_error_line(err)
    code, _, err = sqflow("retry", instance)
    assert code == 4 and one_error_line(err)

    code, out, _ = sqflow("instances", "--state", "terminated")
    header, row = out.strip().splitlines()
    assert row.split()[:5] == [f"#{instance}", "work_order", "1", "TS-1", "terminated"]
    code, out, _ = sqflow("show", instance)
    assert "instance.terminated" in out and "duplicate ticket" in out


def test_instances_filters_and_paging(sqflow, started):
    code, out, _ = sqflow("instances", "--process", "work_order", "--json")
    assert [v["id"] for v in json.loads(out)] == [started["id"]]
    code, out, _ = sqflow("instances", "--key", "nope")
    assert out.strip() == "(no instances)"
    code, _, err = sqflow("instances", "--limit", "0")
    assert code == 2 and one_error_line(err)


def test_usage_errors_are_exit_2(sqflow):
    assert sqflow("frobnicate")[0] == 2
    assert sqflow()[0] == 2
    assert sqflow("show", "abc")[0] == 2
    assert sqflow("tasks", "--state", "weird")[0] == 2


def test_demo_starts_work_orders_in_varied_states(sqflow, tmp_path, monkeypatch):
    folder = tmp_path / "bpmn"
    folder.mkdir()
    monkeypatch.setattr(demo, "DEMO_DIR", folder)
    code, _, err = sqflow("demo")
    assert code == 1 and "no .bpmn or .dmn files" in one_error_line(err)

    shutil.copy(WORK_ORDER, folder / "work_order.bpmn")
    code, out, err = sqflow("demo", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert [v["business_key"] for v in result["instances"]] == [f"WO-2026-{n:04d}" for n in range(1, 6)]
    assert {v["state"] for v in result["instances"]} == {"active", "completed", "suspended"}
    # a second run deploys nothing new and continues the numbering
    code, out, err = sqflow("demo")
    assert code == 0, err
    assert "unchanged" in out and "WO-2026-0010" in out


def test_migrate_brings_an_empty_database_to_the_current_schema_once(sqflow):
    code, out, _ = sqflow("migrate")
    assert code == 0 and "was empty" in out
    code, out, _ = sqflow("--json", "migrate")
    assert code == 0 and json.loads(out)["from"] == json.loads(out)["to"]


def test_purge_lists_nothing_to_purge_on_a_young_database(started, sqflow):
    code, out, _ = sqflow("purge", "--dry-run")
    assert code == 0 and "would purge 0 case(s)" in out and "nothing to purge" in out
