"""SLA policies from DOMAIN.md (R-SLA-01..10) on a stand-in complaint diagram, driven by the clock."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.branch_settings import BranchSettings
from engine.persistence.tables import HumanTask, RunningSla
from engine.runtime import queries
from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies
from engine.sla.reports import department_month, open_slas
from engine.timers.worker import TimerWorker
from tests.people_support import seed_demo_groups
from tests.test_calendar import at

DEFAULTS = Path(__file__).resolve().parents[1] / "processes" / "complaints" / "sla_policies.json"
LIMIT = BranchSettings().handling_hours_limit  # R-SLA-05
NORMAL = {"urgency": "一般", "category": "complaint", "key_customer": False}


@pytest.fixture
def complaint(harness):
    process_id, policies = parse_policies(DEFAULTS.name, DEFAULTS.read_bytes())
    with harness.sessions.begin() as session:
        save_policies(session, process_id, policies, "defaults", "ops", harness.clock.now())
    harness.engine.sla_policies.forget()
    harness.deploy("complaint_sla.bpmn")
    return harness


@pytest.fixture
def worker(harness) -> TimerWorker:
    return TimerWorker(harness.engine, harness.sessions, name="w1")


def audit(harness, instance_id: int, prefix: str = "sla."):
    return [(e.event, e.details.get("policy"), e.details.get("threshold") or e.details.get("to"))
            for e in harness.history(instance_id) if e.event.startswith(prefix)]


def open_tasks(harness, instance_id: int) -> dict[str, HumanTask]:
    with harness.sessions.begin() as session:
        return {t.element_id: t for t in queries.list_tasks(session, instance_id=instance_id)}


def sla(harness, instance_id: int, policy: str) -> RunningSla:
    with harness.sessions.begin() as session:
        return session.scalars(select(RunningSla).where(RunningSla.instance_id == instance_id,
                                                        RunningSla.policy_id == policy)).one()


def test_R_SLA_03_R_SLA_10_sign_for_warns_at_half_and_three_quarters_then_escalates_to_the_team_lead(complaint, worker):
    """R-SLA-03, R-SLA-10."""
    view = complaint.start("complaint", NORMAL)
    start = complaint.clock.now()
    assert open_tasks(complaint, view.id)["sign_for"].due_at == start + timedelta(hours=2)
    complaint.clock.advance(timedelta(minutes=61))
    worker.run_due()
    with complaint.sessions.begin() as session:
        assert [s.policy_id for s in open_slas(session, complaint.clock.now(), standing_is="warning")] == ["sign_for"]
    complaint.clock.advance(timedelta(minutes=30))
    worker.run_due()
    complaint.clock.advance(timedelta(minutes=30))
    worker.run_due()
    assert [a for a in audit(complaint, view.id) if a[1] == "sign_for"] == [
        ("sla.started", "sign_for", None), ("sla.warning", "sign_for", 0.5), ("sla.warning", "sign_for", 0.75),
        ("sla.breached", "sign_for", None), ("sla.escalated", "sign_for", "team_lead")]
    chase = open_tasks(complaint, view.id)["chase_sign_for"]
    assert chase.candidate_group == "team_lead"
    assert "sign_for" in open_tasks(complaint, view.id)  # the handler still has the work order


@pytest.mark.parametrize("attributes, hours, escalated_to", [
    ({"urgency": "特急"}, 10, "department_head"),
    ({"urgency": "紧急"}, 15, "department_head"),
    ({"urgency": "一般"}, 24, "department_head"),
    ({"urgency": "一般", "network_level": 1}, 12, "department_head"),
    ({"urgency": "一般", "network_level": 2}, 18, "department_head"),
    ({"urgency": "特急", "key_customer": True}, 8, "enterprise_management"),
])
def test_R_SLA_04_R_SLA_07_R_SLA_08_reply_deadline_by_urgency_level_and_key_customer(
        complaint, worker, attributes, hours, escalated_to):
    """R-SLA-04, R-SLA-07, R-SLA-08."""
    view = complaint.start("complaint", {"category": "complaint", **attributes})
    view = complaint.complete(view, "sign_for")
    dispatched = complaint.clock.now()
    assert open_tasks(complaint, view.id)["reply"].due_at == dispatched + timedelta(hours=hours)
    complaint.clock.advance(timedelta(hours=hours, seconds=1))
    worker.run_due()
    assert ("sla.escalated", "reply", escalated_to) in audit(complaint, view.id)
    assert open_tasks(complaint, view.id)["review_reply"].candidate_group == "department_head"  # R-SLA-09


def test_R_SLA_01_R_SLA_02_R_SLA_09_no_answer_in_15_working_days_makes_the_case_appealable(complaint, worker):
    """R-SLA-01, R-SLA-02, R-SLA-09."""
    complaint.clock.set(at("2025-09-30T10:15"))
    view = complaint.start("complaint", NORMAL)
    assert sla(complaint, view.id, "answer").due_at == at("2025-10-29T00:00")
    complaint.clock.set(at("2025-10-28T23:59"))
    worker.run_due()
    assert "cs_manager_review" not in open_tasks(complaint, view.id)
    complaint.clock.set(at("2025-10-29T00:00:01"))
    worker.run_due()
    marked = [e.details for e in complaint.history(view.id) if e.event == "case.marked"]
    assert marked == [{"reason": "sla:answer", "changed": {"appealable": True}}]
    assert complaint.data(view.id)["appealable"] is True  # at the breach, the manager's review still open
    assert ("sla.escalated", "answer", "cs_manager") in audit(complaint, view.id)
    assert "cs_manager_review" in open_tasks(complaint, view.id)


def test_R_SLA_01_an_answer_in_time_meets_the_sla_and_nothing_escalates(complaint, worker):
    """R-SLA-01."""
    view = complaint.start("complaint", NORMAL)
    view = complaint.complete(view, "sign_for")
    complaint.clock.advance(timedelta(hours=3))
    complaint.complete(view, "reply")
    complaint.clock.advance(timedelta(days=40))
    worker.run_due()
    assert sla(complaint, view.id, "answer").state == "met"
    assert not [a for a in audit(complaint, view.id) if a[0] in ("sla.breached", "sla.escalated")]


def test_R_SLA_06_a_fault_complaint_gets_three_working_days_for_the_field_test(complaint):
    """R-SLA-06."""
    complaint.clock.set(at("2025-09-26T15:00"))  # a Friday; Sun 28 Sep 2025 was a working day
    view = complaint.start("complaint", {**NORMAL, "category": "fault"})
    view = complaint.complete(view, "sign_for")
    view = complaint.complete(view, "reply")
    assert open_tasks(complaint, view.id)["field_test"].due_at == at("2025-10-01T00:00")


def test_pausing_while_waiting_for_the_customer_moves_the_deadline_by_the_time_paused(complaint, worker):
    view = complaint.start("complaint", NORMAL)
    complaint.clock.advance(timedelta(minutes=30))
    with complaint.sessions.begin() as session:
        assert complaint.engine.instances.pause_slas(session, view.id, by="li", reason="客户不在家") == 3
    complaint.clock.advance(timedelta(hours=3))
    worker.run_due()
    assert not [a for a in audit(complaint, view.id) if a[0] == "sla.breached"]
    with complaint.sessions.begin() as session:
        assert complaint.engine.instances.resume_slas(session, view.id, by="li") == 3
    moved = open_tasks(complaint, view.id)["sign_for"].due_at
    assert moved == complaint.clock.now() + timedelta(minutes=90)
    complaint.clock.advance(timedelta(minutes=91))
    worker.run_due()
    assert ("sla.breached", "sign_for", None) in audit(complaint, view.id)


def test_R_SLA_05_department_month_on_time_rate_and_average_against_17_hours(complaint):
    """R-SLA-05."""
    complaint.clock.set(at("2026-03-02T09:00"))
    for hours_to_sign, hours_to_reply in [(1, 10), (3, 30)]:
        view = complaint.start("complaint", NORMAL)
        complaint.clock.advance(timedelta(hours=hours_to_sign))
        view = complaint.complete(view, "sign_for")
        complaint.clock.advance(timedelta(hours=hours_to_reply))
        complaint.complete(view, "reply")
    with complaint.sessions.begin() as session:
        [month] = department_month(session, "2026-03", ZoneInfo("Asia/Shanghai"), LIMIT)
    # Two work orders, not four SLA rows: a work order's handling runs from dispatch to the final reply.
    assert (month.department, month.ended, month.on_time) == ("network_dept", 2, 1)  # the 33 h one is late
    assert month.on_time_rate == 0.5
    assert month.average_hours == pytest.approx((11 + 33) / 2)  # not mixed with the 1 h and 3 h sign-fors
    assert month.over_limit is True
    with complaint.sessions.begin() as session:
        assert department_month(session, "2026-04", ZoneInfo("Asia/Shanghai"), LIMIT) == []


def test_R_SLA_01_provisional_deadlines_are_flagged_and_recomputed_when_the_year_is_loaded(complaint):
    """R-SLA-01."""
    from engine.calendar.schedules import read_schedule, save_schedule
    complaint.engine.calendar.unknown_year_policy = "provisional"
    complaint.clock.set(at("2026-12-28T10:00"))
    view = complaint.start("complaint", NORMAL)
    first = sla(complaint, view.id, "answer")
    assert first.provisional and first.due_at == at("2027-01-20T00:00")  # New Year's Day and weekends off: Tue 19 Jan
    schedule, _ = read_schedule("2027.json", b'{"year": 2027, "holidays": ["2027-01-01", "2027-01-04"]}')
    with complaint.sessions.begin() as session:
        save_schedule(session, schedule, "test", "ops", complaint.clock.now())
        complaint.engine.refresh_calendar(session)
        assert complaint.engine.slas.recompute_provisional(session, complaint.clock.now()) == 1
    again = sla(complaint, view.id, "answer")
    assert not again.provisional and again.due_at == at("2027-01-21T00:00")  # 1 and 4 Jan off
    assert ("sla.recomputed", "answer", None) in audit(complaint, view.id)


def test_sla_policies_are_loaded_listed_and_refused_from_the_command_line(tmp_path, monkeypatch, capsys):
    from cli.main import main
    from tests.conftest import DIAGRAMS
    monkeypatch.setenv("SQFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'sla.db'}")
    seed_demo_groups(f"sqlite:///{tmp_path / 'sla.db'}")  # the groups lanes and escalations name
    assert main(["sla", "load", str(DEFAULTS)]) == 0
    assert "loaded 8 SLA policies for complaint" in capsys.readouterr().out
    assert main(["deploy", str(DIAGRAMS / "complaint_sla.bpmn")]) == 0
    assert main(["start", "complaint", "--as", "zhang", "--data", '{"urgency": "特急"}']) == 0
    capsys.readouterr()
    assert main(["sla", "list", "--json"]) == 0
    import json
    listed = json.loads(capsys.readouterr().out)
    assert sorted((r["policy_id"], r["standing"]) for r in listed) == [
        ("answer", "on_track"), ("reply", "on_track"), ("sign_for", "on_track")]  # the reply clock runs from dispatch
    bad = tmp_path / "bad.json"
    bad.write_text('{"process_id": "x", "policies": [{"id": "a", "rules": [{"target": {"amount": 2, "unit": "days"}}]}]}')
    assert main(["sla", "load", str(bad)]) == 2
    assert "target unit must be one of hours, workdays, duty_hours" in capsys.readouterr().err
