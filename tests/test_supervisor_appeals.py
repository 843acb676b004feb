"""Appeals and disputes of the supervisor programme (bpmn/supervisors/supervisor_appeal.bpmn): every
deadline a working-day timer; on SQLite and PostgreSQL, cached and reloaded at every step."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from engine.people import User
from engine.people.rights import Rights
from processes.supervisors import operations
from tests.test_supervisor_recruitment import Office, office  # noqa: F401  (fixture)


def workdays(office: Office, count: int, start: datetime | None = None) -> datetime:
    return office.engine.calendar.add_workdays(start or office.clock.now(), count).at


def file(office: Office, **changes):
    case = {"appellant": "zhang.jiandu", "case_kind": "appeal", "decision_kind": "rejection",
            "decision_ref": "RC-2026-1/A04", "decided_at": office.clock.now().isoformat(),
            "grounds": "评分有误，请求复核", "committee": ["c1", "c2", "c3"], "interested_parties": [], **changes}
    with office.session() as session:
        return operations.file_appeal(office.engine, session, case, by="office")


@pytest.mark.parametrize("decided_days_ago, refused", [(20, False), (75, True)])
def test_R_APL_03_an_appeal_is_filed_within_30_working_days_of_the_decision(office, decided_days_ago, refused):
    """R-APL-03: later appeals are refused with the rule named."""
    decided = office.clock.now() - timedelta(days=decided_days_ago)
    view = file(office, decided_at=decided.isoformat())
    data = office.data(view.id)
    if refused:
        assert view.state == "completed" and data["status"] == "refused"
        assert data["refusal"].startswith("R-APL-03: an appeal is filed within 30 working days")
    else:
        assert data["refusal"] is None and [t.element_id for t in view.open_tasks] == ["schedule_hearing"]


def test_R_APL_07_nobody_with_a_direct_interest_handles_the_case(office):
    """R-APL-07 (回避): the appellant and interested members are excluded; only the handler may act."""
    view = file(office, committee=["c1", "c2", "c3"], interested_parties=["c1"])
    data = office.data(view.id)
    assert (data["handler"], data["excluded"]) == ("c2", ["c1"])
    [task] = view.open_tasks
    assert (task.assignee, task.candidate_group) == ("c2", "appeal_committee")
    member = User("c1", "C1", frozenset({"handler"}), frozenset({"appeal_committee"}))
    assert not Rights.may_complete(member, task)
    stuck = file(office, committee=["c1"], interested_parties=["c1"])
    assert stuck.state == "error" and "R-APL-07" in stuck.error_message


def schedule(office: Office, view, hearing: datetime):
    return office.do_one(view.id, "schedule_hearing", {"hearing_at": hearing.isoformat()}, by="c1")


@pytest.mark.parametrize("witnesses_in_time", [True, False])
def test_R_APL_04_a_hearing_within_15_working_days_with_notice_and_witnesses_in_time(office, witnesses_in_time):
    """R-APL-04: hearing within 15 working days of receipt; appellant notified at least 5 working days
    before; witnesses named at least 3 working days before (a timer closes the naming)."""
    view = file(office)
    received = office.clock.now()
    schedule(office, view, workdays(office, 16) + timedelta(hours=9))
    data = office.data(view.id)
    assert "R-APL-04" in data["hearing_refusal"] and "within 15 working days" in data["hearing_refusal"]
    schedule(office, view, received + timedelta(days=2))
    assert "at least 5 working days" in office.data(view.id)["hearing_refusal"]
    hearing = workdays(office, 8) + timedelta(hours=9)
    schedule(office, view, hearing)
    data = office.data(view.id)
    assert data["hearing_refusal"] is None and data["status"] == "hearing_scheduled"
    witnesses_due = datetime.fromisoformat(data["witnesses_due"])
    assert workdays(office, 3, witnesses_due - timedelta(minutes=1)) <= hearing < workdays(office, 3, witnesses_due)
    if witnesses_in_time:
        office.do_one(view.id, "name_witnesses", {"witnesses": ["李证人"]}, by="c1")
        assert office.data(view.id)["witnesses"] == ["李证人"]
    else:
        office.at(witnesses_due + timedelta(minutes=1))
        data = office.data(view.id)
        assert data["witnesses"] == [] and "R-APL-04" in data["witness_note"]
    assert office.tasks(view.id) == []
    office.at(hearing + timedelta(minutes=1))
    assert [t.element_id for t in office.tasks(view.id)] == ["hold_hearing"]


@pytest.mark.parametrize("extend", [True, False])
def test_R_APL_05_a_ruling_within_three_months_unless_the_committee_extends(office, extend):
    """R-APL-05: the ruling is due 3 months after filing; only the committee may extend."""
    view = file(office)
    filed = datetime.fromisoformat(office.data(view.id)["received_at"])
    hearing = workdays(office, 8) + timedelta(hours=9)
    schedule(office, view, hearing)
    office.do_one(view.id, "name_witnesses", {"witnesses": []}, by="c1")
    office.at(hearing + timedelta(minutes=1))
    office.do_one(view.id, "hold_hearing", {"hearing_minutes": "听证记录", "appellant_present": True}, by="c1")
    due = datetime.fromisoformat(office.data(view.id)["ruling_due"])
    assert (due.month, due.day) == ((filed.month + 2) % 12 + 1, filed.day)
    office.at(due + timedelta(minutes=1))
    [task] = office.tasks(view.id)
    assert (task.element_id, task.candidate_group, task.assignee) == ("decide_extension", "appeal_committee", None)
    if extend:
        until = due + timedelta(days=30)
        office.do(task, {"extend": True, "extended_until": until.isoformat(),
                         "extension_reason": "需补充调查材料"}, by="c3")
        office.do_one(view.id, "make_ruling", {"ruling": "dismissed", "ruling_reasons": "评分无误"}, by="c1")
    else:
        office.do(task, {"extend": False}, by="c3")
        office.do_one(view.id, "make_late_ruling", {"ruling": "upheld", "ruling_reasons": "评分有误"}, by="c1")
    data = office.data(view.id)
    assert data["status"] == "ruled" and office.detail(view.id).state == "completed"
    if extend:
        assert data["extensions"][0]["reason"] == "需补充调查材料" and "ruling_late" not in data
    else:
        assert data["ruling_late"] is True and data["late_note"].startswith("R-APL-05")


@pytest.mark.parametrize("severity, days, lane, handler", [("ordinary", 20, "appeal_committee", "c1"),
                                                          ("major", 15, "expert_group", "e2")])
def test_R_APL_06_ordinary_disputes_in_20_working_days_major_ones_by_the_expert_group_in_15(
        office, severity, days, lane, handler):
    """R-APL-06, R-APL-07: the deadline is a working-day timer; an overrun is flagged, the answer still due."""
    received = office.clock.now()
    view = file(office, case_kind="dispute", severity=severity, experts=["e1", "e2"], interested_parties=["e1"])
    [task] = view.open_tasks
    assert (task.candidate_group, task.assignee) == (lane, handler)
    due = datetime.fromisoformat(office.data(view.id)["answer_due"])
    assert due == workdays(office, days, received)
    office.at(due + timedelta(minutes=1))
    data = office.data(view.id)
    assert data["answer_overdue"] is True and [t.element_id for t in office.tasks(view.id)] == [task.element_id]
    office.do(task, {"findings": "调查属实", "written_answer": "书面答复：已整改"}, by=handler)
    assert office.data(view.id)["status"] == "answered" and office.detail(view.id).state == "completed"
