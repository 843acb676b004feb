"""The complaint process (bpmn/complaints), one scenario per path, on SQLite and PostgreSQL, with the
workflow cache on and with a reload from the database at every step."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine import SourceFile
from engine.errors import FormInvalid
from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies
from engine.timers.worker import TimerWorker
from tests.test_complaint_forms import GOOD_INTAKE

COMPLAINTS = Path(__file__).resolve().parents[1] / "processes" / "complaints"
BPMN = Path(__file__).resolve().parents[1] / "bpmn" / "complaints"


class Case:
    """One complaint driven through the engine, the way handlers work it."""

    def __init__(self, harness, view):
        self.harness, self.view = harness, view

    @property
    def open(self) -> dict[str, object]:
        return {t.element_id: t for t in self.view.open_tasks}

    def do(self, element: str, by: str = "handler", **data) -> "Case":
        self.view = self.harness.complete(self.view, element, data, by=by)
        return self

    @property
    def data(self) -> dict:
        return self.harness.data(self.view.id)

    def events(self, name: str) -> list:
        return [e for e in self.harness.history(self.view.id) if e.event == name]

    def refresh(self) -> "Case":
        with self.harness.sessions.begin() as session:
            self.view = self.harness.engine.instances.detail(session, self.view.id)
        return self


@pytest.fixture
def complaints(harness):
    files = [SourceFile(p.relative_to(BPMN).as_posix(), p.read_bytes()) for p in sorted(BPMN.rglob("*"))
             if p.is_file() and p.name.endswith((".bpmn", ".dmn", ".schema.json"))]
    with harness.sessions.begin() as session:
        harness.engine.definitions.deploy(session, files, "designer")
        process_id, policies = parse_policies("sla", (COMPLAINTS / "sla_policies.json").read_bytes())
        save_policies(session, process_id, policies, "defaults", "ops", harness.clock.now())
    harness.engine.sla_policies.forget()

    def receive(key: str = "TS-2026-0001", **changes) -> Case:
        view = harness.start("complaint", key=key, by="zhang.min")
        case = Case(harness, view)
        return case.do("intake", by="zhang.min", **{**GOOD_INTAKE, **changes})

    return receive


def dispatch_and_reply(case: Case, department: str = "network_dept") -> Case:
    case.do("dispatch", department=department)
    assert case.open["sign_for"].candidate_group == department
    case.do("sign_for", by="li.wei", signed_by="li.wei")
    if "field_test" in case.open:
        case.do("field_test", test_result="signal -12 dB", traffic_analysis="no drop last month")
    return case.do("reply", by="li.wei", answer="replaced the splitter; service restored")


def test_R_FR_01_R_FR_03_R_CLS_01_R_CLS_02_intake_to_archive_with_the_full_history(complaints):
    """R-FR-01, R-FR-03, R-CLS-01, R-CLS-02: the first responder owns the case from intake to the callback."""
    case = complaints()
    assert case.data["contact_type"] == "complaint" and case.data["channel_level"] == "provincial"
    receiver = GOOD_INTAKE["received_by"]
    assert (case.open["on_the_spot"].candidate_group, case.open["on_the_spot"].assignee) == ("first_responder", receiver)
    case.do("on_the_spot", by="zhang.min", resolved=False)
    assert case.open["dispatch"].assignee == receiver
    dispatch_and_reply(case)
    assert case.data["owner_informed"] is True
    assert (case.open["callback"].candidate_group, case.open["callback"].assignee) == ("first_responder", receiver)
    case.do("callback", by="zhang.min", reached=True, satisfied=True)
    assert case.view.state == "completed" and case.data["status"] == "archived"
    done = {(e.element_id, e.actor) for e in case.events("task.completed")}
    assert {("intake", "zhang.min"), ("sign_for", "li.wei"), ("reply", "li.wei"), ("callback", "zhang.min")} <= done


def test_R_FR_02_resolved_on_the_spot_is_recorded_and_closed(complaints):
    """R-FR-02."""
    case = complaints().do("on_the_spot", resolved=True, resolution="explained the bill; customer accepts")
    assert case.view.state == "completed" and case.data["status"] == "closed_on_spot"


def test_R_CMP_04_an_invalid_complaint_is_closed_with_its_reason(complaints):
    """R-CMP-04: never silently dropped."""
    case = complaints(anonymous=True)
    assert case.view.state == "completed"
    assert (case.data["status"], case.data["invalid_reason"]) == ("closed_invalid", "anonymous complainant")


def test_R_CMP_02_a_consultation_not_accepted_becomes_a_complaint_keeping_its_history(complaints):
    """R-CMP-02."""
    case = complaints(dissatisfied=False, wants_solution=False)
    assert case.data["contact_type"] == "consultation"
    case.do("explain", explanation="tariff explained", accepted=False)
    assert (case.data["contact_type"], case.data["converted_from"]) == ("complaint", "consultation")
    assert "dispatch" in case.open
    assert any("转为投诉" in line for line in case.data["history"])


def test_R_CMP_05_R_FR_05_a_major_complaint_is_reported_upward_and_planned_before_dispatch(complaints):
    """R-CMP-05, R-FR-05."""
    case = complaints(major=True).do("on_the_spot", resolved=False)
    assert case.data["escalation_chain"] == ["team_lead", "department_head", "branch_leadership"]
    assert case.open["pre_handling_plan"].candidate_group == "team_lead"
    case.do("pre_handling_plan", by="lead", plan="send the senior engineer", response_script="致歉并说明进展")
    assert "dispatch" in case.open


def test_R_FR_05_an_over_the_head_case_gets_a_work_order_at_once_even_if_settled_on_the_spot(complaints):
    """R-FR-05: reported upward and dispatched at once (a plan is only for major complaints)."""
    case = complaints(over_head_tendency=True).do("on_the_spot", resolved=True, resolution="calmed down")
    assert list(case.open) == ["dispatch"]
    assert case.data["escalation_chain"] == ["team_lead", "department_head", "branch_leadership"]


def test_R_CMP_06_a_repeat_while_open_reminds_the_department_and_tells_the_customer(complaints):
    """R-CMP-06: no new ticket; the open case gets the call."""
    case = complaints(key="TS-2026-0006").do("on_the_spot", resolved=False).do("dispatch", department="billing_dept")
    with case.harness.sessions.begin() as session:
        view = case.harness.engine.instances.send_message(session, "TS-2026-0006", "customer_called_again",
                                                          by="hotline")
    case.view = view
    assert "tell_progress" in case.open and "sign_for" in case.open
    [remind] = [e for e in case.harness.history(case.view.id) if e.element_id == "remind"
                and e.event == "element.completed"]
    assert "催办" in remind.details["changed"]["reminder"]
    [reminded] = case.events("case.reminded")
    assert reminded.details["count"] == 1 and reminded.details["department"] == "billing_dept"
    assert case.data["reminders"] == 1
    case.do("tell_progress", progress_told="work order signed for, engineer on the way")
    with case.harness.sessions.begin() as session:
        from engine.runtime.queries import list_instances
        assert len(list_instances(session, business_key="TS-2026-0006")) == 1


def test_R_CMP_07_R_CLS_01_R_SLA_02_dissatisfied_after_the_reply_then_reopened_as_a_linked_ticket(complaints):
    """R-CMP-07, R-CLS-01, R-SLA-02."""
    case = dispatch_and_reply(complaints(key="TS-2026-0007").do("on_the_spot", resolved=False))
    case.do("callback", reached=True, satisfied=False, dissatisfaction_reason="still drops every evening")
    assert case.view.state == "completed"
    assert (case.data["outcome"], case.data["appealable"], case.data["status"]) == (
        "dissatisfied", True, "reopen_requested")
    assert "12300" in case.data["appeal_info"]
    with pytest.raises(FormInvalid) as refused:
        complaints(key="TS-2026-0017", repeat_of="TS-2026-0007")
    assert "repeat_reason" in refused.value.fields
    again = complaints(key="TS-2026-0018", repeat_of="TS-2026-0007", repeat_reason="still drops every evening")
    assert again.data["repeat_of"] == "TS-2026-0007"


def test_R_CLS_01_a_customer_unreachable_after_the_set_attempts_is_archived(complaints):
    """R-CLS-01."""
    case = dispatch_and_reply(complaints().do("on_the_spot", resolved=False))
    for _ in range(2):
        case.do("callback", reached=False)
        assert "callback" in case.open
    case.do("callback", reached=False)
    assert case.view.state == "completed" and case.data["callback_attempts"] == 3


def test_R_CMP_08_a_batch_is_grouped_under_the_handler_who_signed_for_its_first_complaint(complaints):
    """R-CMP-08: tickets marked as one batch, one designated handler."""
    first = complaints(key="TS-B1", batch_id="OUTAGE-0921").do("on_the_spot", resolved=False)
    first.do("dispatch", department="network_dept")
    assert first.open["sign_for"].assignee is None  # the batch has no handler yet: the department's inbox
    first.do("sign_for", by="li.wei", signed_by="li.wei")
    next_step = first.open.get("field_test") or first.open["reply"]
    assert next_step.assignee == "li.wei"  # who signed for a work order keeps it
    second = complaints(key="TS-B2", batch_id="OUTAGE-0921").do("on_the_spot", resolved=False)
    second.do("dispatch", department="network_dept")
    alone = complaints(key="TS-B3").do("on_the_spot", resolved=False).do("dispatch", department="network_dept")
    assert first.data["batch_id"] == second.data["batch_id"] == "OUTAGE-0921"
    assert (second.open["sign_for"].assignee, alone.open["sign_for"].assignee) == ("li.wei", None)


def test_R_CMP_09_an_escalated_complaint_goes_through_the_duty_desk_with_its_deadline_and_report_review(complaints):
    """R-CMP-09."""
    case = complaints(channel="regulator", source="regulator", source_deadline="2026-01-09T17:00:00+08:00")
    assert case.data["channel_level"] == "escalated"
    case.do("on_the_spot", resolved=False)
    assert case.open["duty_desk_accept"].candidate_group == "duty_desk"
    case.do("duty_desk_accept", by="duty", duty_officer="wang", source_reference="工信部 2026-0001",
            source_deadline="2026-01-09T17:00:00+08:00")
    dispatch_and_reply(case)
    assert case.open["review_branch_report"].candidate_group == "duty_desk"
    case.do("review_branch_report", by="duty", report_approved=True)
    assert "callback" in case.open


@pytest.mark.parametrize("channel, step", [("business_hall", "customer_signs"), ("web_hall", "verify_by_phone")])
def test_R_FR_04_records_by_channel(complaints, channel, step):
    """R-FR-04: walk-in records are signed by the customer; web complaints are verified by phone."""
    case = complaints(channel=channel).do("on_the_spot", resolved=False)
    assert step in case.open and "dispatch" not in case.open
    case.do(step, **({"customer_signature": "张三"} if step == "customer_signs" else {"verified": True}))
    assert "dispatch" in case.open


def test_R_SUP_06_a_supervisors_finding_is_answered_to_the_supervisor(complaints):
    """R-SUP-06."""
    case = complaints(source="supervisor", supervisor_id="SV-2026-001").do("on_the_spot", resolved=False)
    dispatch_and_reply(case).do("callback", reached=True, satisfied=True)
    assert case.open["answer_supervisor"].candidate_group == "supervisor_liaison"
    case.do("answer_supervisor", supervisor_answer="thank you; the hall fixed its queueing")
    assert case.view.state == "completed"


def test_R_SLA_06_a_network_fault_gets_a_field_test_in_the_chosen_department(complaints):
    """R-SLA-06."""
    case = complaints(category="network", service_unusable=True).do("on_the_spot", resolved=False)
    assert case.data["contact_type"] == "fault_report"
    case.do("dispatch", department="wireless_dept").do("sign_for", signed_by="zhao")
    assert case.open["field_test"].candidate_group == "wireless_dept"
    assert case.open["field_test"].due_at is not None


def test_R_SLA_03_R_SLA_04_R_SLA_09_overruns_escalate_to_the_team_lead_and_department_head(complaints, harness):
    """R-SLA-03, R-SLA-04, R-SLA-09."""
    worker = TimerWorker(harness.engine, harness.sessions, name="w1")
    case = complaints(urgency="特急").do("on_the_spot", resolved=False).do("dispatch", department="network_dept")
    harness.clock.advance(timedelta(hours=2, seconds=1))
    worker.run_due()
    assert case.refresh().open["chase_sign_for"].candidate_group == "team_lead"
    case.do("sign_for", signed_by="li.wei")
    harness.clock.advance(timedelta(hours=10, seconds=1))
    worker.run_due()
    assert case.refresh().open["review_reply"].candidate_group == "department_head"


def test_R_SLA_01_R_SLA_02_fifteen_working_days_without_an_answer_make_the_case_appealable(complaints, harness):
    """R-SLA-01, R-SLA-02, R-SLA-09."""
    worker = TimerWorker(harness.engine, harness.sessions, name="w1")
    case = complaints().do("on_the_spot", resolved=False)
    harness.clock.advance(timedelta(days=30))
    worker.run_due()
    assert case.refresh().open["cs_manager_review"].candidate_group == "cs_manager"
    assert case.data["appealable"] is True  # set at the breach, before the manager's review is done


def test_R_CMP_09_a_rejected_branch_report_goes_back_to_the_handler_before_it_is_returned(complaints):
    """R-CMP-09: the branch's report is reviewed before it is returned to the source."""
    case = complaints(channel="consumer_association", source="consumer_association",
                      source_deadline="2026-01-20T17:00:00+08:00").do("on_the_spot", resolved=False)
    case.do("duty_desk_accept", duty_officer="wang", source_reference="消协 2026-3",
            source_deadline="2026-01-20T17:00:00+08:00")
    dispatch_and_reply(case)
    case.do("review_branch_report", report_approved=False, review_note="no measures named")
    assert list(case.open) == ["reply"]
    case.do("reply", answer="replaced the splitter; added monitoring", measures="weekly line checks")
    case.do("review_branch_report", report_approved=True)
    assert case.data["returned_to_source"] is True and "callback" in case.open


def test_R_FR_04_a_web_complaint_the_customer_does_not_confirm_is_closed_as_invalid(complaints):
    """R-FR-04, R-CMP-04."""
    case = complaints(channel="app").do("on_the_spot", resolved=False).do("verify_by_phone", verified=False)
    assert case.view.state == "completed"
    assert (case.data["status"], case.data["invalid_reason"]) == ("closed_invalid",
                                                                  "not confirmed by the customer by phone")


def test_R_SUP_06_a_supervisor_is_answered_even_when_the_finding_is_invalid(complaints):
    """R-SUP-06, R-CMP-04."""
    case = complaints(source="supervisor", supervisor_id="SV-2026-002", specific_enough=False)
    assert case.data["status"] == "closed_invalid"
    assert list(case.open) == ["answer_supervisor"]
    case.do("answer_supervisor", supervisor_answer="the report could not be verified; please add the hall and time")
    assert case.view.state == "completed"


@pytest.mark.parametrize("fault_kind, key_customer, hours", [
    ("cable", False, 72), ("data_line_equipment", False, 4), ("data_line", True, 6), ("data_line", False, 24),
    ("other", False, 24),
])
def test_R_MSR_03_a_fault_report_gets_the_published_repair_limit(complaints, harness, fault_kind, key_customer, hours):
    """R-MSR-03: repair within 24 h (cable 72 h); data lines 4 h on-site equipment, 24 h (6 h important users)."""
    from sqlalchemy import select
    from engine.persistence.tables import RunningSla
    case = complaints(category="network", service_unusable=True, fault_kind=fault_kind, key_customer=key_customer)
    case.do("on_the_spot", resolved=False).do("dispatch", department="network_dept")
    with harness.sessions.begin() as session:
        repair = session.scalars(select(RunningSla).where(RunningSla.policy_id == "repair")).one()
    assert repair.due_at - repair.started_at == timedelta(hours=hours)


def test_R_CLS_03_hot_topics_repeat_rate_and_on_time_rate(complaints, harness):
    """R-CLS-03: complaint data is analysed by category and channel, repeats and timeliness."""
    from processes.complaints.analysis import analyse
    complaints(key="A0", anonymous=True)  # closed at once, before the period: A3 repeats it
    harness.clock.advance(timedelta(seconds=1))
    start = harness.clock.now()
    first = complaints(key="A1", category="network").do("on_the_spot", resolved=False)
    dispatch_and_reply(first)  # answered at once: on time
    complaints(key="A2", category="network", channel="app")
    complaints(key="A3", category="billing", repeat_of="A0", repeat_reason="the refund never came")
    late = complaints(key="A4", category="billing").do("on_the_spot", resolved=False)
    harness.clock.advance(timedelta(days=40))
    dispatch_and_reply(late)  # answered after 15 working days: late
    complaints(key="A5", anonymous=True)  # invalid contacts still count as received complaints
    with harness.sessions.begin() as session:
        report = analyse(session, start, harness.clock.now() + timedelta(seconds=1))
    assert report.received == 5
    assert report.by_category == [("network", 3), ("billing", 2)]  # the intake default category is network
    assert dict(report.by_channel)["app"] == 1
    assert report.repeat_rate == pytest.approx(1 / 5)
    assert (report.answered, report.on_time_rate) == (2, 0.5)


def test_the_demo_shows_complaints_in_varied_states_with_overdue_ones_escalated(harness):
    """A newcomer's first look: cases at every stage, and the deadlines that passed have escalated."""
    from processes.complaints import demo
    files = [SourceFile(p.relative_to(BPMN).as_posix(), p.read_bytes()) for p in sorted(BPMN.rglob("*"))
             if p.is_file()]
    with harness.sessions.begin() as session:
        harness.engine.definitions.deploy(session, files, "designer")
    views = demo.seed(harness.engine, harness.sessions, harness.clock.now(), count=16)
    states = {v.state for v in views}
    waiting = {t.element_id for v in views for t in v.open_tasks}
    assert states == {"active", "completed"}
    assert {"on_the_spot", "dispatch", "sign_for", "reply", "callback"} <= waiting
    assert "chase_sign_for" in waiting  # an unsigned work order from days ago was escalated to the team lead
