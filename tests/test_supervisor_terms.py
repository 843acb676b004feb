"""A supervisor's term (bpmn/supervisors/supervisor_term.bpmn): the electronic ID and its verification,
the yearly cycle, renewal and its limit; on SQLite and PostgreSQL, cached and reloaded at every step."""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from engine import Settings, SourceFile
from processes.supervisors.credentials import electronic_id, id_token, verify
from processes.supervisors.roster import roster, roster_csv
from tests.test_supervisor_recruitment import SUPERVISORS, Office, diagram_files, office  # noqa: F401  (fixture)
from web.runtime import Runtime

SECRET = "term-test-secret"
ANSWERS = {
    "annual_training": {"training_attended": True, "training_topic": "资费政策"},
    "symposium": {"symposium_attended": True},
    "year_end_visit": {"visited": True},
    "renewal_review": {"renew": True, "renewal_note": "积极履职"},
}


def serve(office: Office, term_id: int, until: str, score: float = 80, **answers) -> list[str]:
    """Move time to `until` (local ISO) and do every item that comes due on the way; the items done."""
    office.at(datetime.fromisoformat(until))
    done = []
    while True:
        tasks = office.tasks(term_id)
        if not tasks:
            return done
        task = tasks[0]
        if task.element_id not in ANSWERS and task.element_id != "annual_assessment":
            return done  # a decision the test makes itself
        data = {**ANSWERS, **answers}.get(task.element_id) or {"assessment_score": score,
                                                               "assessment_remarks": "考核意见"}
        office.do(task, data)
        done.append(task.element_id)
        office.fire()


def check(office: Office, token: str) -> str:
    with office.session() as session:
        return verify(session, token, SECRET, office.clock.now()).state


def test_R_SUP_04_the_electronic_id_verifies_valid_forged_suspended_and_expired(office):
    """R-SUP-04: a QR code with a signed token; forged or altered codes are invalid; the state is live."""
    term = office.appoint("张监督", "zhang.jiandu")
    assert term.business_key == "SQS-2026-0001"
    card = electronic_id(term.business_key, SECRET, "https://sqflow.example")
    assert card.url == f"https://sqflow.example/verify/{card.token}" and card.qr_svg.startswith("<svg")
    with office.session() as session:
        result = verify(session, card.token, SECRET, office.clock.now())
    assert (result.state, result.certificate_no, result.term_end) == ("valid", "SQS-2026-0001", "2028-01-05")
    assert check(office, id_token(term.business_key, "someone else's key")) == "invalid"
    assert check(office, card.token[:-2] + ("AA" if card.token[-2:] != "AA" else "BB")) == "invalid"
    assert check(office, id_token("SQS-2026-0999", SECRET)) == "invalid"
    assert check(office, "not-a-token") == "invalid"
    office.harness.act("suspend", term.id, by="office")
    assert check(office, card.token) == "suspended"
    office.harness.act("resume", term.id, by="office")
    serve(office, term.id, "2027-12-31T12:00:00+08:00", renewal_review={"renew": False, "renewal_note": "本人不再续聘"})
    assert check(office, card.token) == "valid"
    office.at(datetime.fromisoformat("2028-01-05T09:00:01+08:00"))
    assert office.detail(term.id).state == "completed"
    with office.session() as session:
        expired = verify(session, card.token, SECRET, office.clock.now())
    assert (expired.state, expired.term_end) == ("expired", None)


def as_before_the_settings(diagram: str) -> str:
    """The term's diagram as the release before read its limits: from `policy`, a copy of the supervisor
    policy (names without `supervisor_`) that each instance took when it started."""
    diagram = diagram.replace("limits = branch_settings()\n", "")
    return re.sub(r"\blimits\b", "policy", re.sub(r"limits\['supervisor_(\w+)'\]", r"policy['\1']", diagram))


def test_R_SUP_05_R_SUP_07_a_term_begun_under_the_former_supervisor_policy_runs_on(office):
    """R-SUP-05, R-SUP-07: a supervisor appointed before the limits became branch settings keeps the
    `policy` copied then (here 3-year terms): the yearly items come, and the renewal is refused at 3 + 3 > 4."""
    files = diagram_files(SUPERVISORS)
    [term_file] = [f for f in files if f.name == "supervisor_term.bpmn"]
    before = as_before_the_settings(term_file.content.decode())
    assert "limits" not in before and "branch_settings" not in before
    with office.session() as session:
        office.engine.definitions.deploy(session, [SourceFile(term_file.name, before.encode()),
                                                   *(f for f in files if f.name != term_file.name)], "designer")
    policy = {"term_years": 3, "max_consecutive_years": 4, "renewal_window_days": 60, "commend_from": 90.0,
              "keep_from": 70.0, "correct_from": 60.0, "training_after_days": 30, "assessment_before_days": 30,
              "symposium_on": "06-28", "year_end_visit_on": "12-20"}
    now = office.clock.now().astimezone(office.engine.calendar.zone).isoformat()
    with office.session() as session:
        term = office.engine.instances.start(
            session, "supervisor_term", started_by="office", business_key="SQS-2026-0001",
            data={"certificate_no": "SQS-2026-0001", "name": "郑监督", "login": "zheng.jiandu", "phone": "13800000002",
                  "term_start": now, "served_since": now, "term_number": 1, "policy": policy})
    with office.session() as session:
        office.engine.definitions.deploy(session, files, "designer")  # the release with the branch settings
    assert office.data(term.id)["term_end"][:10] == "2029-01-05"
    done = serve(office, term.id, "2028-11-07T12:00:00+08:00")
    assert done[:3] == ["annual_training", "symposium", "annual_assessment"] and done.count("annual_training") == 3
    assert [t.element_id for t in office.tasks(term.id)] == ["renewal_exception"]


def test_R_SUP_05_R_SUP_08_a_term_ends_by_timer_and_renewal_within_four_years_continues(office):
    """R-SUP-05: two-year terms, renewal to four years of consecutive service; R-SUP-08: the roster."""
    term = office.appoint("李监督", "li.jiandu")
    done = serve(office, term.id, "2027-12-31T12:00:00+08:00")
    assert done.count("annual_training") == 2 and done.count("renewal_review") == 1
    assert office.data(term.id)["renewed"] is True
    office.at(datetime.fromisoformat("2028-01-06T09:00:00+08:00"))
    data = office.data(term.id)
    assert (data["term_number"], data["term_start"][:10], data["term_end"][:10]) == (2, "2028-01-05", "2030-01-05")
    assert data["status"] == "serving" and office.detail(term.id).state == "active"
    with office.session() as session:
        [row] = roster(session, office.clock.now())
    assert (row.certificate_no, row.status, row.term_number, row.served_since[:10]) == (
        "SQS-2026-0001", "serving", 2, "2026-01-05")
    assert [h["event"] for h in row.history][:2] == ["appointed", "assessed"] and row.history[-1]["event"] == "renewed"
    text = roster_csv([row])
    assert text.splitlines()[0].startswith("certificate_no,name,login,status") and "SQS-2026-0001" in text


@pytest.mark.parametrize("exception", [False, True])
def test_R_SUP_05_renewal_past_four_consecutive_years_is_refused_unless_a_manager_records_an_exception(
        office, exception):
    """R-SUP-05: the refusal names the rule; a manager's exception with a reason renews anyway."""
    term = office.appoint("王监督", "wang.jiandu")
    serve(office, term.id, "2027-12-31T12:00:00+08:00")
    office.at(datetime.fromisoformat("2028-01-06T09:00:00+08:00"))
    serve(office, term.id, "2029-11-07T12:00:00+08:00")
    [task] = office.tasks(term.id)
    assert (task.element_id, task.candidate_group) == ("renewal_exception", "supervision_managers")
    assert office.data(term.id)["renewal_refused"].startswith("续聘至 2032-01-05 将自 2026-01-05 起连续任职 6.0 年")
    if exception:
        office.do(task, {"grant_exception": True, "exception_reason": "本地区无合适人选，经理批准延任"}, by="ma.manager")
    else:
        office.do(task, {"grant_exception": False}, by="ma.manager")
    serve(office, term.id, "2029-12-31T12:00:00+08:00")
    office.at(datetime.fromisoformat("2030-01-05T09:00:01+08:00"))
    data = office.data(term.id)
    if exception:
        assert (data["status"], data["term_number"], data["term_end"][:10]) == ("serving", 3, "2032-01-05")
        assert any(h["event"] == "renewal granted by exception" and "经理批准" in h["note"] for h in data["history"])
    else:
        assert data["status"] == "expired" and office.detail(term.id).state == "completed"
        assert any(h["event"] == "renewal refused" and "超过 4 年上限" in h["note"] for h in data["history"])


def started_with(office: Office, monkeypatch, **environment: str) -> Office:
    """The office once its branch started sqflow again with `environment` set: settings read from the
    SQFLOW_* variables and the web app's runtime built on them, on the same database and clock."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    harness = office.harness
    runtime = Runtime(Settings.from_env(database_url=harness.settings.database_url,
                                        workflow_cache_size=harness.settings.workflow_cache_size), harness.clock)
    harness.sessions.kw["bind"].dispose()
    harness.engine, harness.sessions = runtime.engine, runtime.sessions
    return Office(harness)


def test_R_SUP_05_a_branch_with_three_year_terms_refuses_the_first_renewal(office, monkeypatch):
    """R-SUP-05: the term length is a branch setting (SQFLOW_SUPERVISOR_TERM_YEARS); 3 + 3 > 4 years.
    A term begun before the branch changed it keeps its two years."""
    earlier = office.appoint("周监督", "zhou.jiandu")
    office = started_with(office, monkeypatch, SQFLOW_SUPERVISOR_TERM_YEARS="3")
    term = office.appoint("赵监督", "zhao.jiandu")
    assert office.data(term.id)["term_end"][:10] == "2029-01-05"
    assert office.data(earlier.id)["term_end"][:10] == "2028-01-05"
    serve(office, term.id, "2028-11-07T12:00:00+08:00")
    assert [t.element_id for t in office.tasks(term.id)] == ["renewal_exception"]


@pytest.mark.parametrize("score, outcome, status", [(95, "commend", "serving"), (80, "keep", "serving"),
                                                    (65, "correct", "suspended"), (40, "end", "dismissed")])
def test_R_SUP_07_R_SUP_08_the_yearly_cycle_and_assessment_outcomes(office, score, outcome, status):
    """R-SUP-07: training and assessment each year, commended / kept / corrected / ended;
    R-SUP-08: symposium and year-end visit scheduled with attendance recorded."""
    term = office.appoint("钱监督", "qian.jiandu")
    done = serve(office, term.id, "2026-12-07T12:00:00+08:00", score=score)
    assert done[:3] == ["annual_training", "symposium", "annual_assessment"]
    data = office.data(term.id)
    assert (data["outcome"], data["status"]) == (outcome, status)
    assert data["agenda"]["this_year"]["training_attended"] is True
    assert data["agenda"]["this_year"]["symposium_attended"] is True
    with office.session() as session:
        state = verify(session, id_token(term.business_key, SECRET), SECRET, office.clock.now()).state
    assert state == {"serving": "valid", "suspended": "suspended", "dismissed": "expired"}[status]
    if outcome == "commend":
        assert data["rewards"][0]["score"] == 95
    if outcome == "end":
        assert office.detail(term.id).state == "completed" and "予以解聘" in data["dismissal_reason"]
    if outcome == "correct":
        assert office.tasks(term.id)[0].element_id == "correction_review"


@pytest.mark.parametrize("corrected", [True, False])
def test_R_SUP_07_correction_reinstates_or_ends_the_appointment(office, corrected):
    """R-SUP-07: poor performance is corrected, and may end the appointment."""
    term = office.appoint("孙监督", "sun.jiandu")
    serve(office, term.id, "2026-12-07T12:00:00+08:00", score=62)
    office.do_one(term.id, "correction_review", {"corrected": corrected, "correction_notes": "复核"})
    office.fire()
    data = office.data(term.id)
    if corrected:
        assert data["status"] == "serving" and office.tasks(term.id) == []
        done = serve(office, term.id, "2027-01-01T12:00:00+08:00")
        assert done == ["year_end_visit"]
        assert office.data(term.id)["agenda"]["years"][0]["visited"] is True
    else:
        assert data["status"] == "dismissed" and "未整改到位" in data["dismissal_reason"]
        with office.session() as session:
            assert roster(session, office.clock.now())[0].status == "dismissed"
