"""The demo a visitor believes: `sqflow demo` and the complaint demo leave cases at every stage, every step
taken by a real account that may take it, and nothing dated after now."""
from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select

from cli import demo as cli_demo
from engine import SourceFile
from engine.persistence.tables import AuditEntry, HumanTask, ProcessInstance, UserAccount
from processes.complaints import demo

from .test_cli import sqflow  # noqa: F401  (the fixture)

BPMN = Path(__file__).parents[1] / "bpmn"


def _deploy(harness) -> None:
    files = [SourceFile(p.relative_to(BPMN / "complaints").as_posix(), p.read_bytes())
             for p in sorted((BPMN / "complaints").rglob("*")) if p.is_file()]
    with harness.sessions.begin() as session:
        harness.engine.definitions.deploy(session, files, "lin.designer")


def _taken_by_people_who_may(session) -> list[str]:
    """Steps taken by someone who is no account, or outside the group the task waited in."""
    accounts = {row.login: set(row.groups) for row in session.scalars(select(UserAccount))}
    wrong = []
    for task in session.scalars(select(HumanTask).where(HumanTask.state == "completed")):
        groups = accounts.get(task.completed_by)
        if groups is None or (task.assignee != task.completed_by and task.candidate_group not in groups):
            wrong.append(f"{task.element_id} by {task.completed_by}")
    return wrong


def test_the_complaint_demo_has_every_stage_taken_by_real_people_in_the_past(harness):
    _deploy(harness)
    now = harness.clock.now()
    views = demo.seed(harness.engine, harness.sessions, now, count=17)
    waiting = {t.element_id for v in views for t in v.open_tasks}
    assert {"on_the_spot", "customer_signs", "verify_by_phone", "dispatch", "sign_for", "field_test", "reply",
            "callback", "duty_desk_accept", "pre_handling_plan", "tell_progress", "answer_inquiry", "explain",
            "chase_sign_for"} <= waiting
    with harness.sessions.begin() as session:
        statuses = {harness.engine.instances.workflow_data(session, v.id).get("status") for v in views
                    if v.state == "completed"}
        assert {"archived", "closed_invalid", "closed_on_spot"} <= statuses
        reminders = sorted(int(harness.engine.instances.workflow_data(session, v.id).get("reminders") or 0)
                           for v in views)
        assert reminders[-2:] == [1, 3]  # one case chased once, one as often as its team lead is told
        assert _taken_by_people_who_may(session) == []
        latest = [session.scalar(select(func.max(column))) for column in (
            HumanTask.completed_at, HumanTask.created_at, ProcessInstance.ended_at, ProcessInstance.started_at,
            AuditEntry.at)]
        assert all(moment is None or moment <= now for moment in latest), latest
        first_responders = {row.started_by for row in session.scalars(select(ProcessInstance))}
    assert first_responders <= {"zhang.min", "wang.fang", "liu.yang", "chen.jing"}
    assert len({v.business_key for v in views}) == 17


def test_sqflow_demo_works_its_cases_as_the_demo_people(sqflow, tmp_path, monkeypatch):  # noqa: F811
    folder = tmp_path / "bpmn"
    (folder / "complaints").mkdir(parents=True)
    for path in (BPMN / "complaints").rglob("*"):
        if path.is_file():
            target = folder / "complaints" / path.relative_to(BPMN / "complaints")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    (folder / "work_order.bpmn").write_bytes((BPMN / "work_order.bpmn").read_bytes())
    monkeypatch.setattr(cli_demo, "DEMO_DIR", folder)
    code, out, err = sqflow("demo", "--json")
    assert code == 0, err
    result = json.loads(out)
    logins = {user["login"] for user in result["users"]}
    assert {v["started_by"] for v in result["instances"] + result["complaints"]} <= logins
    assert len(result["complaints"]) == 24 and {v["state"] for v in result["complaints"]} == {"active", "completed"}
