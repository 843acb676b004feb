"""Every refusal the designer shows carries a code and reads in Chinese (issue 21): the older problem kinds
(unsafe or malformed files, forms, timers, scripts, starters, groups, calls) as well as Camunda's and the
lint's; and rolling back answers the way web/designer/ENDPOINTS.md says, each refusal one coded problem."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine import SourceFile
from engine.errors import DefinitionError
from web.designer.problem_text import localized_message
from tests.test_designer_releases import post_json
from tests.web_harness import WebHarness

DIAGRAMS = Path(__file__).parent / "diagrams"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
WORK_ORDER = (Path(__file__).resolve().parents[1] / "bpmn" / "work_order.bpmn").read_text()
TIMER = (DIAGRAMS / "timer_catch.bpmn").read_text()


def _file(name: str) -> SourceFile:
    return SourceFile(name, (DIAGRAMS / name).read_bytes())


def _form(name: str, text: str) -> list[SourceFile]:
    return [_file("forms/sign_for.bpmn"), SourceFile(name, text.encode())]


REFUSED = {
    **{path.name: [SourceFile(path.name, path.read_bytes())] for path in sorted((DIAGRAMS / "bad").iterdir())
       if not path.name.startswith("call_cycle")},
    "call cycle": [_file("bad/call_cycle_ping.bpmn"), _file("bad/call_cycle_pong.bpmn")],
    "non-executable": [_file("foreign/non_executable.bpmn")],
    "unsupported": [_file("foreign/signavio_export.bpmn")],
    "form missing": [_file("forms/sign_for.bpmn")],
    "form not JSON": _form("sign_for.schema.json", "{"),
    "form not an object": _form("sign_for.schema.json", "[]"),
    "form draft": _form("sign_for.schema.json", '{"$schema": "http://example.com/draft-99"}'),
    "form invalid": _form("sign_for.schema.json", '{"type": 5}'),
    "form outside": _form("sign_for.schema.json", '{"properties": {"a": {"$ref": "http://example.com/a"}}}'),
    "form dangling": _form("sign_for.schema.json", '{"properties": {"a": {"$ref": "#/$defs/none"}}}'),
    "form pattern": _form("sign_for.schema.json", '{"properties": {"a": {"type": "string", "pattern": "(a)\\\\1"}}}'),
    "same name": [_file("timer_catch.bpmn"), SourceFile("timer_catch.bpmn", b"<x/>")],
    "decisions alone": [_file("camunda/policies.dmn")],
    "no diagram": [SourceFile("sign_for.schema.json", b"{}")],
    "policy invalid": [_file("timer_catch.bpmn"), SourceFile("timer_catch.sla.json", b"{}")],
    "policy misnamed": [_file("timer_catch.bpmn"), SourceFile("timer_catch.sla.json", json.dumps(
        {"process_id": "elsewhere", "policies": []}).encode())],
    "policy without its process": [_file("timer_catch.bpmn"), SourceFile("elsewhere.sla.json", json.dumps(
        {"process_id": "elsewhere", "policies": []}).encode())],
    "starters": [SourceFile("s.bpmn", TIMER.replace(
        'isExecutable="true">', 'isExecutable="true"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="starters" value="none, boss"/></spiffworkflow:properties>'
        '</bpmn:extensionElements>', 1).replace(
        "<bpmn:definitions ", '<bpmn:definitions xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" ',
        1).encode())],
}


@pytest.fixture(scope="module")
def app_harness(tmp_path_factory):
    folder = tmp_path_factory.mktemp("refusals")
    harness = WebHarness(f"sqlite:///{folder / 'sqflow.db'}", folder / "var")
    yield harness
    harness.close()


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_every_refusal_has_a_code_and_a_chinese_message(app_harness, case):
    with pytest.raises(DefinitionError) as refused:
        app_harness.engine.definitions.validate(REFUSED[case])
    with app_harness.app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        for problem in refused.value.problems:
            assert problem.code, problem
            text = localized_message(problem)
            assert CHINESE.search(text) and text != problem.message, (problem.code, text)
            assert problem.code not in text and "None" not in text


def test_groups_a_diagram_names_must_exist(app_harness):
    xml = WORK_ORDER.replace('name="network_dept"', 'name="no_such_team"')
    assert xml != WORK_ORDER, "work_order draws a lane for network_dept"
    with pytest.raises(DefinitionError) as refused, app_harness.sessions.begin() as session:
        app_harness.engine.definitions.deploy(session, [SourceFile("work_order.bpmn", xml.encode())], "lin.designer")
    assert {p.code for p in refused.value.problems} == {"lane.unknown_group"}
    with app_harness.app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert "no_such_team" in localized_message(refused.value.problems[0])
        assert "处理组" in localized_message(refused.value.problems[0])


def test_rolling_back_answers_as_the_endpoints_say(web):
    designer = web.client("lin.designer")
    url = "/designer/processes/work_order/versions/{}/make-current"
    assert post_json(designer, "/designer/deploy/confirm", {"xml": WORK_ORDER, "reason": "first"}).status_code == 200
    second = WORK_ORDER.replace("</bpmn:process>", '<bpmn:endEvent id="spare_end" name="备用结束"/></bpmn:process>', 1)
    assert post_json(designer, "/designer/deploy/confirm", {"xml": second, "process_id": "work_order",
                                                            "reason": "second"}).status_code == 200

    def refusal(response, status: int, code: str) -> str:
        assert response.status_code == status
        problems = response.get_json()["problems"]
        assert [p["code"] for p in problems] == [code] and CHINESE.search(problems[0]["message"])
        return problems[0]["message"]

    refusal(post_json(designer, url.format(1), {"reason": " "}), 400, "deploy.reason_missing")
    assert "9" in refusal(post_json(designer, url.format(9), {"reason": "back"}), 404, "rollback.no_version")
    refusal(post_json(designer, url.format(2), {"reason": "back"}), 409, "rollback.already_current")
    back = post_json(designer, url.format(1), {"reason": "the spare end confused people"})
    assert back.status_code == 200
    answer = back.get_json()
    assert (answer["current"], answer["content_of"], answer["problems"]) == (3, 1, [])
    assert CHINESE.search(answer["message"])
    history = designer.get("/designer/processes/work_order/versions").get_json()
    assert history["current"] == 3 and history["versions"][0]["content_of"] == 1
    refusal(post_json(designer, "/designer/deploy/confirm", {"xml": second, "process_id": "work_order",
                                                             "base_version": 2, "reason": "again"}),
            409, "deploy.stale")
