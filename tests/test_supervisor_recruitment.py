"""The supervisor recruitment campaign (bpmn/supervisors/supervisor_recruitment.bpmn), driven through the
engine on SQLite and PostgreSQL, cached and reloaded at every step. `Office` is shared by the other
supervisor tests."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from engine import SourceFile
from engine.errors import FormInvalid, StateError
from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies
from engine.timers.worker import TimerWorker
from processes.supervisors import operations
from processes.supervisors.credentials import next_certificate_number
from processes.supervisors.tasks import task_item

ROOT = Path(__file__).resolve().parents[1]
SUPERVISORS, COMPLAINTS = ROOT / "bpmn" / "supervisors", ROOT / "bpmn" / "complaints"


def diagram_files(*folders: Path) -> list[SourceFile]:
    return [SourceFile(p.relative_to(folder).as_posix(), p.read_bytes()) for folder in folders
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name.endswith((".bpmn", ".dmn", ".schema.json"))]


class Office:
    """The supervision office working the processes, one transaction per action."""

    def __init__(self, harness):
        self.harness, self.engine, self.clock = harness, harness.engine, harness.clock

    def session(self):
        return self.harness.sessions.begin()

    def detail(self, instance_id: int):
        with self.session() as session:
            return self.engine.instances.detail(session, instance_id)

    def tasks(self, instance_id: int, element: str | None = None) -> list:
        return [t for t in self.detail(instance_id).open_tasks if element is None or t.element_id == element]

    def do(self, task, data: dict | None = None, by: str = "office"):
        with self.session() as session:
            return self.engine.instances.complete_task(session, task.id, by=by, data=data or {})

    def do_one(self, instance_id: int, element: str, data: dict | None = None, by: str = "office"):
        [task] = self.tasks(instance_id, element)
        return self.do(task, data, by)

    def item(self, task, name: str):
        with self.session() as session:
            return task_item(self.engine, session, task.id, name)

    def data(self, instance_id: int) -> dict:
        return self.harness.data(instance_id)

    def fire(self) -> None:
        TimerWorker(self.engine, self.harness.sessions, name="office").run_due()

    def at(self, moment: datetime) -> None:
        self.clock.set(moment)
        self.fire()

    def appoint(self, name: str, login: str, phone: str = "13800000001", served_since: str | None = None):
        """A supervisor appointed now (as `issue_certificates` does), returning the term instance."""
        now = self.clock.now().astimezone(self.engine.calendar.zone)
        with self.session() as session:
            number = next_certificate_number(session, now.year)
            return self.engine.instances.start(session, "supervisor_term", started_by="office", business_key=number,
                                               data={"certificate_no": number, "name": name, "login": login,
                                                     "phone": phone, "term_start": now.isoformat(),
                                                     "served_since": served_since or now.isoformat(),
                                                     "term_number": 1})


@pytest.fixture
def office(harness) -> Office:
    with harness.sessions.begin() as session:
        harness.engine.definitions.deploy(session, diagram_files(SUPERVISORS, COMPLAINTS), "designer")
        process_id, policies = parse_policies("sla", (ROOT / "processes/complaints/sla_policies.json").read_bytes())
        save_policies(session, process_id, policies, "defaults", "ops", harness.clock.now())
    harness.engine.sla_policies.forget()
    harness.people("r1", "r2", "r3", "r4", "r5", groups=("review_panel",))
    harness.people("c1", "c2", "c3", groups=("appeal_committee",))
    harness.people("e1", "e2", "e3", groups=("expert_group",))
    return Office(harness)


def applicant(name: str, phone: str, background: str = "government", **changes) -> dict:
    return {"name": name, "login": name.lower(), "phone": phone, "background": background,
            "organisation": "某单位", "candidate_consent": True, "employer_consent": True,
            "telecom_knowledge": True, "statement": "愿意监督服务质量", **changes}


def open_campaign(office: Office, seats: int = 2, panel=("r1", "r2", "r3"), key: str = "RC-2026-1") -> int:
    now = office.clock.now()
    with office.session() as session:
        view = office.engine.instances.start(session, "supervisor_recruitment", started_by="office", business_key=key)
    office.do_one(view.id, "publish_call", {
        "title": "2026年社会监督员招募", "seats": seats, "panel": list(panel),
        "opens_at": (now + timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=15)).isoformat()})
    return view.id


def apply(office: Office, application: dict, key: str = "RC-2026-1"):
    with office.session() as session:
        return operations.apply(office.engine, session, key, application, by=application["login"])


def run_to_scoring(office: Office, conflicts: dict[str, list[str]]) -> int:
    campaign = open_campaign(office)
    with pytest.raises(StateError, match="not open"):
        apply(office, applicant("Early", "13900000009"))
    office.at(office.clock.now() + timedelta(days=1, minutes=1))
    for person in [applicant("Zhang", "13900000001"),
                   applicant("Wang", "13900000002", "enterprise_institution", employer_consent=False),
                   applicant("Li", "13900000003", "independent_public_figure", employer_consent=False),
                   applicant("Zhao", "13900000004", "social_organisation"),
                   applicant("Qian", "13900000005", "enterprise_institution")]:
        apply(office, person)
    office.at(office.clock.now() + timedelta(days=15))
    for task in office.tasks(campaign, "qualification_review"):
        failed = office.item(task, "candidate")["name"] == "Qian"
        office.do(task, {"review": {"background_check_passed": not failed, "integrity_ok": True}})
    for task in office.tasks(campaign, "declare_interests"):
        office.do(task, {"declaration": {"conflicts": conflicts.get(task.assignee, [])}}, by=task.assignee)
    return campaign


MARKS = {"A01": (85, 85), "A03": (92, 88), "A04": (70, 72)}


def test_R_SUP_01_R_SUP_02_R_SUP_03_R_SUP_04_R_APL_07_a_full_campaign_appoints_on_merit(office):
    """R-SUP-01, R-SUP-02, R-SUP-03, R-SUP-04, R-APL-07: public call, eligibility with consents, review and
    background check, a panel scoring in parallel without conflicted reviewers, ranking for the seats,
    training and agreement, certificates issued centrally; the rejected are told why."""
    campaign = run_to_scoring(office, conflicts={"r2": ["A03"]})
    data = office.data(campaign)
    assert [a["applicant_id"] for a in data["applications"]] == ["A01", "A02", "A03", "A04", "A05"]
    assert data["excluded_reviewers"] == [{"reviewer": "r2", "applicant_id": "A03", "rule": "R-APL-07"}]
    scoring = office.tasks(campaign, "score_candidate")
    pairs = {(t.assignee, office.item(t, "assignment")["applicant_id"]) for t in scoring}
    assert len(scoring) == 8 and ("r2", "A03") not in pairs and ("r1", "A03") in pairs
    assert {t.candidate_group for t in scoring} == {"review_panel"}
    for task in scoring:
        written, interview = MARKS[office.item(task, "assignment")["applicant_id"]]
        office.do(task, {"score": {"written": written, "interview": interview}}, by=task.assignee)
    data = office.data(campaign)
    assert [(r["applicant_id"], r["rank"]) for r in data["ranking"]] == [("A03", 1), ("A01", 2), ("A04", 3)]
    assert sorted(data["selected"]) == ["A01", "A03"]
    for task in office.tasks(campaign, "training"):
        office.do(task, {"training_record": {"completed": True, "hours": 16}})
    for task in office.tasks(campaign, "sign_agreement"):
        office.do(task, {"agreement": {"signed": True, "signed_on": "2026-01-25", "employer_consent": True}})
    with office.session() as session:
        issued = operations.issue_certificates(office.engine, session, campaign, by="office")
    assert issued == {"A03": "SQS-2026-0001", "A01": "SQS-2026-0002"}
    final = office.detail(campaign)
    assert final.state == "completed" and final.data["status"] == "appointed"
    rejected = {r["applicant_id"]: r for r in final.data["rejections"]}
    assert "employer's consent" in rejected["A02"]["reason"] and "R-SUP-02" in rejected["A02"]["reason"]
    assert rejected["A05"]["reason"].startswith("R-SUP-01") and rejected["A05"]["stage"] == "qualification"
    assert "ranked 3 of 3" in rejected["A04"]["reason"]
    assert all(r["notified"] and r["appeal_by"] > r["decided_at"] for r in rejected.values())
    assert "A03" not in rejected  # an independent public figure needs no employer's consent


def test_R_SUP_03_a_selected_candidate_without_the_signed_agreement_is_not_appointed(office):
    """R-SUP-03: trained and the supervision agreement signed before appointment."""
    campaign = run_to_scoring(office, conflicts={})
    for task in office.tasks(campaign, "score_candidate"):
        office.do(task, {"score": {"written": 80, "interview": 80}}, by=task.assignee)
    for task in office.tasks(campaign, "training"):
        office.do(task, {"training_record": {"completed": True}})
    for task in office.tasks(campaign, "sign_agreement"):
        signed = office.item(task, "signatory")["applicant_id"] == "A01"
        office.do(task, {"agreement": {"signed": signed, "employer_consent": True}})
    data = office.data(campaign)
    assert [a["applicant_id"] for a in data["appointees"]] == ["A01"]
    assert any(r["applicant_id"] == "A03" and "agreement" in r["reason"] for r in data["rejections"])


def test_R_APL_07_a_panel_left_too_small_by_conflicts_stops_with_the_rule_named(office):
    """R-APL-07: a candidate needs enough reviewers without a conflict of interest."""
    campaign = run_to_scoring(office, conflicts={"r1": ["A04"], "r2": ["A04"]})
    view = office.detail(campaign)
    assert view.state == "error" and "R-APL-07" in view.error_message and "A04" in view.error_message


def test_R_SUP_01_applications_after_the_close_are_refused(office):
    """R-SUP-01: the call has an open and a close date (timers); applications outside them are refused."""
    campaign = open_campaign(office)
    office.at(office.clock.now() + timedelta(days=16))
    with pytest.raises(StateError, match="not open"):
        apply(office, applicant("Late", "13900000010"))
    assert office.data(campaign)["status"] == "closed_without_appointment"


def test_a_panel_score_outside_the_form_is_refused_with_the_field_named_and_the_task_stays_open(office):
    """Each panel member's task of the multi-instance scoring step checks its own form."""
    campaign = run_to_scoring(office, conflicts={})
    task = office.tasks(campaign, "score_candidate")[0]
    with pytest.raises(FormInvalid, match="score"):
        office.do(task, {"score": {"written": 900, "interview": 80}}, by=task.assignee)
    assert task.id in {t.id for t in office.tasks(campaign, "score_candidate")}
