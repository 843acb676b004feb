"""Mystery-visit reports (bpmn/supervisors/supervisor_report.bpmn): a finding becomes a complaint whose
source is the supervisor, who is answered and sees only their own reports; SQLite and PostgreSQL,
cached and reloaded at every step."""
from __future__ import annotations

import pytest

from engine import notifications as notes

from engine.errors import Forbidden, FormInvalid, InstanceNotFound
from engine.people import User
from engine.runtime.queries import list_instances
from processes.supervisors.reports import my_report, my_reports, submit_report
from tests.test_supervisor_recruitment import Office, office  # noqa: F401  (fixture)

A = User("sup.a", "甲监督", frozenset({"supervisor"}), frozenset())
B = User("sup.b", "乙监督", frozenset({"supervisor"}), frozenset())
REPORT = {"kind": "in_person", "visited_at": "2026-01-04T15:30:00+08:00", "place": "人民路营业厅",
          "category": "service", "finding": "营业厅排队一小时无人引导，工作人员态度冷淡", "service_failure": True}


def report(office: Office, user: User, **changes):
    with office.session() as session:
        return submit_report(office.engine, session, user, {**REPORT, **changes})


def answer_the_complaint(office: Office, complaint_id: int) -> None:
    steps = [("on_the_spot", {"resolved": False}), ("dispatch", {"department": "service_dept"}),
             ("sign_for", {"signed_by": "zhou.qiang"}), ("reply", {"answer": "已增派引导员"}),
             ("callback", {"reached": True, "satisfied": True}),
             ("answer_supervisor", {"supervisor_answer": "感谢监督：营业厅已增派引导员并整改服务态度"})]
    for element, data in steps:
        office.do_one(complaint_id, element, data)


def test_R_SUP_06_a_finding_opens_a_complaint_from_the_supervisor_who_is_answered(office):
    """R-SUP-06: the report opens a complaint whose source is the supervisor; the answer reaches them."""
    term = office.appoint("甲监督", "sup.a", phone="13811112222")
    view = report(office, A)
    data = office.data(view.id)
    assert view.state == "completed" and data["status"] == "complaint_opened"
    assert data["complaint_key"] == f"TS-MV-{term.business_key}-001"
    with office.session() as session:
        [complaint] = list_instances(session, business_key=data["complaint_key"])
    complaint_data = office.data(complaint.id)
    assert (complaint_data["source"], complaint_data["supervisor_id"]) == ("supervisor", term.business_key)
    assert complaint_data["customer_phone"] == "13811112222" and "人民路营业厅" in complaint_data["description"]
    with office.session() as session:
        [row] = my_reports(office.engine, session, "sup.a")
    assert (row.status, row.complaint_state, row.answer) == ("complaint_opened", "active", None)
    with office.session() as session:
        office.engine.desk.directory.save(session, "sup.a", name="甲监督", password="sqflow-test",
                                          roles=("supervisor",), now=office.clock.now())
    answer_the_complaint(office, complaint.id)
    with office.session() as session:
        [row] = my_reports(office.engine, session, "sup.a")
        told = notes.list_for(session, "sup.a").rows
    assert row.complaint_state == "completed" and row.answer.startswith("感谢监督")
    assert [(n.kind, n.instance_id) for n in told] == [(notes.SUPERVISOR_ANSWERED, complaint.id)]


def test_R_SUP_06_a_report_without_a_service_failure_is_noted_without_a_complaint(office):
    """R-SUP-06: only a finding that names a service failure enters complaint handling."""
    office.appoint("甲监督", "sup.a")
    view = report(office, A, service_failure=False, kind="phone", place="10000号热线",
                  finding="热线接通迅速，坐席解释清楚")
    assert office.data(view.id)["status"] == "noted" and "complaint_key" not in office.data(view.id)
    with pytest.raises(FormInvalid) as refused:
        report(office, A, kind="carrier pigeon")
    assert "kind" in refused.value.fields


def test_R_SUP_09_a_supervisor_sees_only_their_own_reports_and_answers(office):
    """R-SUP-09: access limited to what the duties need: own reports, the answer, nothing of the case."""
    office.appoint("甲监督", "sup.a")
    office.appoint("乙监督", "sup.b", phone="13800000002")
    mine = report(office, A)
    report(office, B, place="解放路营业厅")
    with office.session() as session:
        rows_a = my_reports(office.engine, session, "sup.a")
        rows_b = my_reports(office.engine, session, "sup.b")
        with pytest.raises(InstanceNotFound):
            my_report(office.engine, session, "sup.b", mine.business_key)
    assert [r.place for r in rows_a] == ["人民路营业厅"] and [r.place for r in rows_b] == ["解放路营业厅"]
    assert set(vars(rows_a[0])) == {"key", "kind", "visited_at", "place", "finding", "status", "filed_at",
                                    "complaint_key", "complaint_state", "answer"}


def test_R_SUP_09_only_a_serving_supervisor_files_reports(office):
    """R-SUP-09, R-SUP-05: no report without a supervisor in office."""
    handler = User("li.wei", "李伟", frozenset({"handler"}), frozenset({"network_dept"}))
    with pytest.raises(Forbidden):
        report(office, handler)
    with pytest.raises(Forbidden):
        report(office, A)  # not appointed
