"""Camunda 7 diagrams (made in Camunda Modeler's dialect, tests/diagrams/camunda): each element sqflow reads
deploys and runs through the engine to its end; what it cannot run is refused by element, with the
element's id, name and line, what to do, and no Python internals; the corpus script counts them."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench import corpus_counts
from engine import Engine, ManualClock, Settings, SourceFile, connect
from engine.definitions.services import Service, ServiceRegistry
from engine.errors import DefinitionError
from processes.demo_people import seed_groups, seed_people

CAMUNDA = Path(__file__).parent / "diagrams" / "camunda"
PYTHON_INTERNALS = re.compile(r"at 0x[0-9a-f]+|\bNone\b|Traceback|KeyError|<Element")
CALLS: list[dict] = []


def _credit_score(customer: str, bureau: str) -> dict:
    CALLS.append({"customer": customer, "bureau": bureau})
    return {"score": 720, "ignored": True}


SERVICES = ServiceRegistry([Service("credit-score", _credit_score, ("score",)),
                            Service("com.example.ArchiveDelegate", lambda: {})])


class Camunda:
    def __init__(self, database_url: str):
        self.clock = ManualClock()
        self.settings = Settings(database_url=database_url)
        self.engine = Engine(self.settings, self.clock, services=SERVICES)
        self.sessions = connect(self.settings)
        with self.sessions.begin() as session:
            seed_groups(session, self.clock.now())
            seed_people(session, self.clock.now())

    def deploy(self, *names: str):
        files = [SourceFile(n, (CAMUNDA / n).read_bytes()) for n in names]
        with self.sessions.begin() as session:
            return self.engine.definitions.deploy(session, files, "lin.designer")

    def start(self, process_id: str, data: dict):
        with self.sessions.begin() as session:
            return self.engine.instances.start(session, process_id, started_by="zhang.min", data=data)

    def complete(self, view, element_id: str, data: dict | None = None):
        task = next(t for t in view.open_tasks if t.element_id == element_id)
        with self.sessions.begin() as session:
            return self.engine.instances.complete_task(session, task.id, by="li.wei", data=data or {})

    def data(self, instance_id: int) -> dict:
        with self.sessions.begin() as session:
            return self.engine.instances.workflow_data(session, instance_id)


@pytest.fixture
def camunda(database_url):
    world = Camunda(database_url)
    yield world
    world.sessions.kw["bind"].dispose()


def test_candidate_groups_users_assignee_form_key_and_juel_conditions_run(camunda):
    camunda.deploy("claim_review.bpmn", "claim.schema.json")
    view = camunda.start("claim_review", {})
    review = view.open_tasks[0]
    assert (review.element_id, review.candidate_group) == ("Task_review", "front_desk")

    # camunda:formKey embedded:app:forms/claim.html is the deployed claim.schema.json: it is enforced
    with pytest.raises(Exception, match="amount"):
        camunda.complete(view, "Task_review", {"urgent": False})
    view = camunda.complete(view, "Task_review", {"amount": 2500, "urgent": False, "requester": "wu.lead"})
    approve = view.open_tasks[0]
    # ${amount > 1000 && !urgent}; candidateGroups plus assignee ${requester}
    assert (approve.element_id, approve.candidate_group, approve.assignee) == ("Task_approve", "team_lead", "wu.lead")
    view = camunda.complete(view, "Task_approve")
    pay = view.open_tasks[0]
    assert (pay.element_id, pay.assignee) == ("Task_pay", "zhang.min")   # the one candidate user
    view = camunda.complete(view, "Task_pay")
    assert view.state == "completed"

    small = camunda.start("claim_review", {})
    small = camunda.complete(small, "Task_review", {"amount": 300})
    assert [t.element_id for t in small.open_tasks] == ["Task_pay"]      # ${amount le 1000 || urgent}


def test_a_process_declares_its_starters_with_candidate_starter_groups(camunda):
    camunda.deploy("claim_review.bpmn", "claim.schema.json")
    with camunda.sessions.begin() as session:
        assert camunda.engine.instances.declared_starters(session, "claim_review") == ["group:front_desk"]


def test_decision_ref_with_result_variable_runs_the_decision(camunda):
    camunda.deploy("dish.bpmn", "dish.dmn")
    view = camunda.start("dinner", {"season": "Winter", "guestCount": 4})   # FEEL "Winter","Spring" and [1..8]
    data = camunda.data(view.id)
    assert data["chosenDish"] == "Roastbeef" and "desiredDish" not in data
    assert view.open_tasks[0].candidate_group == "service_dept"
    assert camunda.complete(view, "Task_cook").state == "completed"
    many = camunda.start("dinner", {"season": "Fall", "guestCount": 12})
    assert camunda.data(many.id)["chosenDish"] == "Stew"


def test_collection_multi_instance_and_input_output_mappings_run(camunda):
    camunda.deploy("reviewers.bpmn")
    view = camunda.start("document_review", {"reviewers": ["li.wei", "zhao.lei"], "documentTitle": "Tariff"})
    assert sorted(t.assignee for t in view.open_tasks) == ["li.wei", "zhao.lei"]   # elementVariable reviewer
    for element_task in list(view.open_tasks):
        with camunda.sessions.begin() as session:
            view = camunda.engine.instances.complete_task(session, element_task.id, by=element_task.assignee,
                                                          data={})
    assert view.state == "completed"
    data = camunda.data(view.id)
    # list and map input parameters, a plain output parameter; inputs are local to their task
    assert data["summary"] == "Reviewed by 2 people, 2 copies"
    assert data["status"] == "done"
    assert "greeting" not in data and "checklist" not in data


def test_external_task_topic_and_class_call_the_registered_services(camunda):
    CALLS.clear()
    camunda.deploy("credit_check.bpmn")
    view = camunda.start("credit_check", {"customerId": "C-17"})
    assert view.state == "completed"
    assert CALLS == [{"customer": "C-17", "bureau": "north"}]
    data = camunda.data(view.id)
    assert data["score"] == 720 and "ignored" not in data


def test_diagrams_importing_each_other_deploy_together_and_run(camunda):
    outcomes = camunda.deploy("order_main.bpmn", "order_shipping.bpmn")
    assert {o.process_id for o in outcomes} == {"order_main", "order_shipping"}
    view = camunda.start("order_main", {})
    assert [(t.element_id, t.candidate_group) for t in view.open_tasks] == [("Task_pack", "network_dept")]
    assert camunda.complete(view, "Task_pack").state == "completed"


def test_an_import_of_a_file_not_deployed_is_refused_naming_it(camunda):
    with pytest.raises(DefinitionError) as refused:
        camunda.deploy("order_main.bpmn")
    problem, = refused.value.problems
    assert problem.code == "import.missing" and problem.element_id == "Definitions_order_main"
    assert "order_shipping.bpmn" in problem.message and problem.line == 3


def test_what_cannot_run_is_refused_by_element_with_the_expression_shown(camunda):
    with pytest.raises(DefinitionError) as refused:
        camunda.deploy("not_portable.bpmn")
    problems = refused.value.problems
    assert {(p.element_id, p.code) for p in problems} == {
        ("Task_js", "camunda.script_language"), ("Task_mail", "camunda.service_unknown"),
        ("Task_guardian", "camunda.groups_several"), ("Flow_adult", "camunda.expression"),
        ("Flow_minor", "camunda.script_language")}
    by_id = {p.element_id: p for p in problems}
    assert 'execution.setVariable("total", 3);' in by_id["Task_js"].message
    assert '${customer.prop("age").numberValue() >= 18}' in by_id["Flow_adult"].message
    assert "com.example.ArchiveDelegate, credit-score" in by_id["Task_mail"].message
    assert by_id["Task_guardian"].element_name == "Ask guardian"
    for problem in problems:
        assert problem.line and problem.file == "not_portable.bpmn"
        assert not PYTHON_INTERNALS.search(problem.message), problem.message


def test_the_corpus_script_counts_the_vendored_diagrams_without_fetching_anything():
    result = corpus_counts.measure(corpus_counts.camunda_files(CAMUNDA))
    assert result["files"] == len(list(CAMUNDA.glob("*.bpmn"))) + len(list(CAMUNDA.glob("*.dmn")))
    refused = {Path(f).name for f in result["refused"]}
    # the script registers no service; hit policies sqflow does not run; what has no meaning in sqflow
    assert refused == {"credit_check.bpmn", "bad_policies.dmn", "not_portable.bpmn"}
    assert result["validate"] == result["files"] - 3
    assert result["problems_without_element_id"] == 0
    assert result["problems_with_python_internals"] == 0


def test_first_and_priority_hit_policies_run_as_dmn_means_them(camunda):
    camunda.deploy("policies.bpmn", "policies.dmn")
    big = camunda.data(camunda.start("pricing", {"amount": 5000}).id)
    assert (big["discount"], big["customerLevel"]) == (10, "gold")      # first match; highest priority
    middle = camunda.data(camunda.start("pricing", {"amount": 300}).id)
    assert (middle["discount"], middle["customerLevel"]) == (0, "silver")


def test_hit_policies_sqflow_does_not_run_are_refused_by_decision(camunda):
    with pytest.raises(DefinitionError) as refused:
        camunda.deploy("policies.bpmn", "policies.dmn", "bad_policies.dmn")
    by_decision = {p.element_id: p for p in refused.value.problems}
    assert {k: p.code for k, p in by_decision.items()} == {
        "discount_unique": "dmn.unique_overlap", "fees_rule_order": "dmn.hit_policy",
        "total_sum": "dmn.aggregation", "tier_any": "dmn.any_conflict"}
    assert "Amount = 1000" in by_decision["discount_unique"].message
    assert all(p.file == "bad_policies.dmn" and p.line for p in by_decision.values())
