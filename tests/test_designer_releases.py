"""Deploying safely and trying before deploying, through the designer's JSON endpoints and the CLI: the
difference against the running version and the instances that stay on it, a reason recorded with each
version, rolling back to an earlier version, and a test run of a draft on a scratch database."""
from __future__ import annotations

import json
from pathlib import Path

from engine import SourceFile
from engine.persistence.tables import AuditEntry, DeploymentFile, ProcessInstance
from tests.test_cli import add_work_order_groups, sqflow  # noqa: F401  (the sqflow fixture)

from .conftest import diagram_path

CAMUNDA = Path(__file__).parent / "diagrams" / "camunda"
SUPERVISORS = Path(__file__).resolve().parents[1] / "bpmn" / "supervisors"
WORK_ORDER = diagram_path("work_order.bpmn").read_text()


def post_json(client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json",
                       headers={"Accept": "application/json"})


def renamed(xml: str) -> str:
    """work_order with its sign-for task renamed and a second end event: one change, one addition."""
    changed = xml.replace('name="签收工单 Sign for the work order"', 'name="签收 Sign for the order (signed)"', 1)
    assert changed != xml
    return changed.replace("</bpmn:process>", '<bpmn:endEvent id="spare_end" name="Spare end"/></bpmn:process>', 1)


def test_preview_confirm_with_reason_and_roll_back(web):
    designer = web.client("lin.designer")
    first = post_json(designer, "/designer/deploy/confirm", {"xml": WORK_ORDER, "reason": "first version",
                                                             "base_version": None})
    assert first.status_code == 200, first.get_json()
    assert [d["version"] for d in first.get_json()["deployed"]] == [1]
    web.start("work_order", {"description": "宽带断网", "category": "complaint"})

    draft = renamed(WORK_ORDER)
    preview = post_json(designer, "/designer/deploy/preview", {"xml": draft, "process_id": "work_order"}).get_json()
    assert preview["problems"] == [] and preview["current"]["version"] == 1
    assert preview["running_instances"] == 1 and preview["changed"]
    assert [e["element_id"] for e in preview["changes"]["added"]] == ["spare_end"]
    changed = {c["element_id"]: c for c in preview["changes"]["changed"]}
    assert changed["sign_for"]["attributes"] == ["name"] and changed["sign_for"]["name"].endswith("(signed)")

    no_reason = post_json(designer, "/designer/deploy/confirm", {"xml": draft, "process_id": "work_order",
                                                                  "base_version": 1, "reason": " "})
    assert no_reason.status_code == 400
    stale = post_json(designer, "/designer/deploy/confirm", {"xml": draft, "process_id": "work_order",
                                                              "base_version": 7, "reason": "rename"})
    assert stale.status_code == 409
    second = post_json(designer, "/designer/deploy/confirm", {"xml": draft, "process_id": "work_order",
                                                               "base_version": 1, "reason": "clearer task name"})
    assert [d["version"] for d in second.get_json()["deployed"]] == [2]

    back = post_json(designer, "/designer/processes/work_order/versions/1/make-current", {"reason": "staff confused"})
    assert back.status_code == 200 and back.get_json()["current"] == 3 and back.get_json()["content_of"] == 1
    again = post_json(designer, "/designer/processes/work_order/versions/1/make-current", {"reason": "twice"})
    assert again.status_code == 409

    history = designer.get("/designer/processes/work_order/versions").get_json()
    assert history["current"] == 3
    rows = {v["version"]: v for v in history["versions"]}
    assert (rows[3]["reason"], rows[3]["content_of"], rows[3]["deployed_by"]) == ("staff confused", 1, "lin.designer")
    assert rows[2]["reason"] == "clearer task name" and rows[1]["running_instances"] == 1
    view = web.start("work_order", {"description": "又断网", "category": "complaint"})
    assert view.version == 3 and view.open_tasks[0].name == "签收工单 Sign for the work order"   # version 1's content
    with web.sessions.begin() as session:
        events = [(e.actor, e.event, e.details["version"]) for e in session.query(AuditEntry)
                  .filter(AuditEntry.event.like("definition.%")).order_by(AuditEntry.id)]
    assert events == [("lin.designer", "definition.deployed", 1), ("lin.designer", "definition.deployed", 2),
                      ("lin.designer", "definition.rolled_back", 3)]
    assert web.client("li.wei").get("/designer/processes/work_order/versions").status_code == 403


def test_a_refused_draft_answers_problems_in_chinese_with_the_element(web):
    designer = web.client("lin.designer")
    xml = (CAMUNDA / "not_portable.bpmn").read_text()
    answer = post_json(designer, "/designer/deploy/preview", {"xml": xml}).get_json()
    problems = {p["element_id"]: p for p in answer["problems"]}
    assert problems["Task_guardian"]["code"] == "camunda.groups_several"
    assert "“Ask guardian”（Task_guardian）" in problems["Task_guardian"]["message"]
    assert "组" in problems["Task_guardian"]["message"] and "sqflow gives" not in problems["Task_guardian"]["message"]


def test_test_run_shows_the_path_and_the_forms_without_touching_the_database(web):
    designer = web.client("lin.designer")
    body = {"xml": (CAMUNDA / "claim_review.bpmn").read_text(), "forms": [], "data": {},
            "task_data": {"Task_review": {"amount": 200}}}
    missing_form = post_json(designer, "/designer/test-run", body).get_json()
    assert missing_form["problems"][0]["code"] == "camunda.form_unmatched"
    with web.sessions.begin() as session:   # the form is stored; the draft names it by file name
        web.engine.definitions.deploy(session, [SourceFile("claim_review.bpmn", body["xml"].encode()),
                                                SourceFile("claim.schema.json",
                                                           (CAMUNDA / "claim.schema.json").read_bytes())], "lin.designer")
        before = (session.query(DeploymentFile).count(), session.query(ProcessInstance).count())
    body["forms"] = ["claim.schema.json"]
    answer = post_json(designer, "/designer/test-run", {**body, "process_id": "claim_review"}).get_json()
    assert answer["problems"] == [] and answer["state"] == "completed"
    assert [s["element_id"] for s in answer["path"]] == ["StartEvent_claim", "Task_review", "Gateway_amount",
                                                         "Task_pay", "EndEvent_claim"]
    assert answer["path"][1]["name"] == "Review claim"
    review = answer["forms"][0]
    assert review["element_id"] == "Task_review" and review["data"]["amount"] == 200
    assert review["schema"]["title"] == "Claim"
    with web.sessions.begin() as session:
        assert (session.query(DeploymentFile).count(), session.query(ProcessInstance).count()) == before


def test_a_test_run_has_the_helpers_the_processes_give_their_diagrams(web):
    """A designer's test run of a supervisor's term reaches its yearly items: the draft runs with the same
    diagram helpers (term_end_after, agenda_after, ...) and branch settings as the deployed process."""
    with web.sessions.begin() as session:  # the term's forms are stored; the draft names them by file name
        forms = [SourceFile(p.name, p.read_bytes()) for p in sorted((SUPERVISORS / "forms").glob("*.json"))]
        web.engine.definitions.deploy(session, [SourceFile("supervisor_term.bpmn",
                                                           (SUPERVISORS / "supervisor_term.bpmn").read_bytes()),
                                                *forms], "lin.designer")
    body = {"xml": (SUPERVISORS / "supervisor_term.bpmn").read_text(), "process_id": "supervisor_term",
            "forms": [f.name for f in forms], "data": {"supervisor": "qian.jiandu", "term_start": "2026-01-05T09:00:00+08:00",
                                                     "served_since": "2026-01-05T09:00:00+08:00", "term_number": 1}}
    answer = post_json(web.client("lin.designer"), "/designer/test-run", body).get_json()
    assert answer["problems"] == [] and answer["state"] in ("waiting", "completed"), answer["message"]
    assert "begin_term" in [step["element_id"] for step in answer["path"]]
    assert not answer["message"] or "NameError" not in answer["message"]


def test_cli_deploy_with_reason_and_rollback(sqflow, tmp_path):  # noqa: F811
    add_work_order_groups(sqflow)
    path = tmp_path / "work_order.bpmn"
    path.write_text(WORK_ORDER)
    assert sqflow("deploy", path, "--reason", "first")[0] == 0
    path.write_text(renamed(WORK_ORDER))
    assert sqflow("deploy", path, "--reason", "rename")[0] == 0
    code, out, _ = sqflow("rollback", "work_order", "1", "--reason", "back to the old name")
    assert code == 0 and "version 1 is current again, as version 3" in out
    code, _, err = sqflow("rollback", "work_order", "1")
    assert code != 0 and "--reason" in err
    code, out, _ = sqflow("processes")
    assert "work_order" in out and " 3 " in out.splitlines()[-1] + " "
