"""The server's validation runs the modeler's lint rules (issue 21): the browser and the server report the
same findings on the product's, the tests' and the corpus' diagrams; rules for what the engine cannot run
refuse a deployment, drawing advice comes with it as warnings in the designer's language; without Node
the server says so and deploys; one Node run per validation, none for a diagram linted before. The modeler
shows as errors what the server refuses, and the drawing advice as warnings."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

import engine.definitions.lint as lint
from bench.corpus_counts import DEFAULT_CAMUNDA, DEFAULT_MIWG, _groups, camunda_files, miwg_files
from engine.definitions.parsing import SourceFile, parse_files
from engine.errors import DefinitionError
from engine.people.tokens import ApiTokens
from tests.test_cli import add_work_order_groups, sqflow  # noqa: F401  (the sqflow fixture)
from tests.test_designer_releases import post_json

ROOT = Path(__file__).resolve().parents[1]
MAX_BYTES = 5_000_000
CHINESE = re.compile(r"[\u4e00-\u9fff]")

STRAY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs" targetNamespace="t">
  <bpmn:process id="stray_work" name="Stray work" isExecutable="true">
    <bpmn:startEvent id="start" name="Start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute" name="Compute"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script></bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end" name="End"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:manualTask id="forgotten" name="Forgotten step"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute"/>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _node_lint(paths: list[Path], severities: dict[str, set[str]] | None = None) -> dict[str, set[tuple[str, str]]]:
    """(rule, element id) per file, from web/assets/lint.mjs: the modeler's rules and moddle, each diagram
    linted on its own (in one Node run, for speed); a file Node cannot read has no findings. `severities`,
    when given, gathers the categories the modeler shows each rule's findings in (error / warn)."""
    payload = json.dumps({"files": {str(p): p.read_text("utf-8", "replace") for p in paths}})
    done = subprocess.run(["node", str(lint.LINT_SCRIPT)], input=payload.encode(), capture_output=True,
                          timeout=300, check=True)
    files = json.loads(done.stdout)["files"]
    for result in files.values():
        for issue in result.get("issues", []):
            if severities is not None:
                severities.setdefault(issue["rule"], set()).add(issue["category"])
    return {name: {(i["rule"], i["id"]) for i in result.get("issues", [])} for name, result in files.items()}


def _deployments() -> list[list[Path]]:
    """The diagrams as they are deployed: the product's with their forms and decisions (as `sqflow deploy
    bpmn/` does), the vendored corpus (and the public corpora when copied to var/corpora) grouped like
    bench/corpus_counts, and each other test diagram with the decisions and forms beside it."""
    product = [p for p in sorted((ROOT / "bpmn").rglob("*")) if p.is_file() and p.suffix in (".bpmn", ".dmn")
               or p.name.endswith(".schema.json")]
    corpus = [p for p in sorted((ROOT / "tests" / "diagrams" / "camunda").iterdir()) if p.suffix in (".bpmn", ".dmn")]
    groups = [product, *_groups(corpus)]
    if DEFAULT_CAMUNDA.is_dir():  # local copies of the public corpora (bench/corpus_counts.py), when present
        groups += _groups(camunda_files(DEFAULT_CAMUNDA))
    if DEFAULT_MIWG.is_dir():
        groups += _groups(miwg_files(DEFAULT_MIWG))
    for path in sorted((ROOT / "tests").rglob("*.bpmn")) + sorted((ROOT / "bench").rglob("*.bpmn")):
        if path.parent.name == "camunda":
            continue
        companions = [p for p in sorted(path.parent.iterdir()) if p.suffix == ".dmn" or p.name.endswith(".schema.json")]
        groups.append([path, *companions])
    return groups


def test_browser_and_server_report_the_same_findings_on_every_diagram(tmp_path):
    groups = _deployments()
    diagrams = sorted({p for group in groups for p in group if p.suffix == ".bpmn"})
    stray = tmp_path / "stray.bpmn"
    stray.write_text(STRAY)
    severities: dict[str, set[str]] = {}
    browser = _node_lint([*diagrams, stray], severities)
    # the modeler shows as errors exactly what the server refuses; the rest, drawing advice, as warnings
    assert {rule: {"error"} if rule in lint.REFUSING else {"warn"} for rule in severities} == severities
    assert {"no-disconnected", "sqflow/script-required"} <= set(severities)
    # the server's own run for all of them at once, so each validation below finds its answer by content hash
    lint.lint_diagrams({str(p): p.read_bytes() for p in diagrams})
    compared = 0
    for group in groups:
        sources = [SourceFile(str(p), p.read_bytes()) for p in group]
        try:
            parsed = parse_files(sources, MAX_BYTES)
        except DefinitionError as error:
            refused = error.problems
            server = [p for p in refused if (p.code or "").startswith("lint.")]
            unread = {p.file for p in refused if (p.code or "").startswith(("xml.", "file."))}
            for path in (p for p in group if p.suffix == ".bpmn"):
                mine = {(p.params["rule"], p.element_id) for p in server if p.file == str(path)}
                assert mine <= browser[str(path)], path
                if str(path) in unread:
                    assert not mine, path  # a file refused unread is never given to Node
                    continue
                named = {p.element_id for p in refused if p.file == str(path) and p not in server}
                expected = {(rule, i) for rule, i in browser[str(path)] if rule in lint.REFUSING and i not in named}
                assert expected <= mine, path
                compared += 1
            continue
        by_file = {}
        for process in parsed:
            for warning in process.warnings:
                by_file.setdefault(warning.file, set()).add((warning.params["rule"], warning.element_id))
        for path in (p for p in group if p.suffix == ".bpmn" and str(p) in {q.files[0].name for q in parsed}):
            assert by_file.get(str(path), set()) == browser[str(path)], path
            assert not {rule for rule, _ in browser[str(path)]} & lint.REFUSING, path
            compared += 1
    assert compared >= 60
    # the product deploys as before: its findings are all drawing advice
    product = {rule for path in diagrams if path.is_relative_to(ROOT / "bpmn") for rule, _ in browser[str(path)]}
    assert product and not product & lint.REFUSING


def test_what_the_engine_cannot_run_is_refused_in_chinese_and_drawing_advice_is_shown(web):
    designer = web.client("lin.designer")
    checked = post_json(designer, "/designer/validate", {"xml": STRAY}).get_json()
    assert checked["valid"] is False
    assert [(p["code"], p["element_id"], p["element_name"]) for p in checked["problems"]] == [
        ("lint.sqflow/script-required", "compute", "Compute")]
    assert "脚本任务没有脚本" in checked["problems"][0]["message"]
    stray = [w for w in checked["warnings"] if w["code"] == "lint.no-disconnected"]
    assert [w["element_id"] for w in stray] == ["forgotten"]
    assert "Forgotten step" in stray[0]["message"] and "元素没有连线" in stray[0]["message"]
    assert all(CHINESE.search(p["message"]) and "sqflow/" not in p["message"]
               for p in checked["problems"] + checked["warnings"])
    refused = post_json(designer, "/designer/deploy/confirm", {"xml": STRAY, "reason": "try", "base_version": None})
    assert refused.status_code == 422 and [p["element_id"] for p in refused.get_json()["problems"]] == ["compute"]
    fixed = STRAY.replace("<bpmn:script></bpmn:script>", "<bpmn:script>total = 1</bpmn:script>")
    deployed = post_json(designer, "/designer/deploy/confirm", {"xml": fixed, "reason": "try", "base_version": None})
    assert deployed.status_code == 200, deployed.get_json()

    work_order = (ROOT / "bpmn" / "work_order.bpmn")
    preview = post_json(designer, "/designer/deploy/preview", {"xml": work_order.read_text()}).get_json()
    assert preview["problems"] == [] and preview["current"] is None
    advice = {(w["params"]["rule"], w["element_id"]) for w in preview["warnings"]}
    assert advice == _node_lint([work_order])[str(work_order)] and advice
    assert all(CHINESE.search(w["message"]) and w["code"].startswith("lint.") for w in preview["warnings"])
    deployed = post_json(designer, "/designer/deploy/confirm", {"xml": work_order.read_text(), "reason": "first",
                                                                "base_version": None})
    assert deployed.status_code == 200 and deployed.get_json()["deployed"][0]["version"] == 1


def test_without_node_the_server_says_so_and_deploys(web, monkeypatch):
    monkeypatch.setattr(lint.shutil, "which", lambda name: None)
    xml = (ROOT / "bpmn" / "work_order.bpmn").read_text().replace("</bpmn:process>",
                                                                 "<!-- never linted --></bpmn:process>", 1)
    checked = post_json(web.client("lin.designer"), "/designer/validate", {"xml": xml}).get_json()
    assert checked["valid"] is True
    assert [w["code"] for w in checked["warnings"]] == ["lint.unavailable"]
    assert "无法运行绘图检查规则" in checked["warnings"][0]["message"]


def test_one_node_run_per_validation_and_none_for_a_diagram_linted_before(monkeypatch):
    runs = []
    real_run = subprocess.run

    def counting(*args, **kwargs):
        runs.append(args[0])
        return real_run(*args, **kwargs)

    monkeypatch.setattr(lint.subprocess, "run", counting)
    product = [p for p in sorted((ROOT / "bpmn").rglob("*")) if p.is_file() and p.suffix in (".bpmn", ".dmn")
               or p.name.endswith(".schema.json")]
    marker = f"<!-- {len(runs)} {id(runs)} -->"  # content no earlier test linted
    sources = [SourceFile(str(p), p.read_bytes() + (marker.encode() if p.suffix == ".bpmn" else b""))
               for p in product]
    parse_files(sources, MAX_BYTES)
    assert len(runs) == 1 and sum(p.suffix == ".bpmn" for p in product) > 5
    parse_files(sources, MAX_BYTES)
    assert len(runs) == 1


@pytest.mark.parametrize("broken", [b"not json", b'{"files": 1}'])
def test_a_lint_that_answers_nonsense_is_a_warning_not_a_crash(monkeypatch, broken):
    monkeypatch.setattr(lint.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a[0], 1, broken, b"boom"))
    xml = (ROOT / "tests" / "diagrams" / "timer_catch.bpmn").read_bytes() + b"<!-- " + broken + b" -->"
    parsed = parse_files([SourceFile("timer_catch.bpmn", xml)], MAX_BYTES)
    assert [w.code for w in parsed[0].warnings] == ["lint.unavailable"]


def test_sqflow_validate_prints_the_lint_findings_as_warnings_on_stderr_and_refuses_by_code(sqflow, tmp_path):
    work_order = ROOT / "bpmn" / "work_order.bpmn"
    code, out, err = sqflow("validate", work_order)
    assert code == 0 and out.strip() == f"ok: {work_order}: processes work_order"
    expected = _node_lint([work_order])[str(work_order)]
    printed = [line for line in err.splitlines() if line.startswith("sqflow: warning: ")]
    assert len(printed) == len(expected) and all(f"[{element_id}]" in "".join(printed) for _, element_id in expected)
    code, out, _ = sqflow("validate", "--json", work_order)
    assert {(w["params"]["rule"], w["element_id"]) for w in json.loads(out)["warnings"]} == expected
    stray = tmp_path / "stray.bpmn"
    stray.write_text(STRAY)
    code, out, _ = sqflow("validate", "--json", stray)
    assert code == 1 and [p["code"] for p in json.loads(out)["problems"]] == ["lint.sqflow/script-required"]


def test_sqflow_deploy_and_the_api_tell_the_drawing_advice_that_came_with_a_deployment(sqflow, web):
    """The advice the modeler and `sqflow validate` show comes with the deployment too: on stderr from
    `sqflow deploy` (and in its JSON), and in the API's answer, process by process."""
    work_order = ROOT / "bpmn" / "work_order.bpmn"
    expected = _node_lint([work_order])[str(work_order)]
    assert expected
    add_work_order_groups(sqflow)
    code, out, err = sqflow("deploy", work_order, "--as", "lin.designer")
    assert code == 0 and out.strip() == "work_order: deployed version 1"
    printed = [line for line in err.splitlines() if line.startswith("sqflow: warning: ")]
    assert len(printed) == len(expected) and all(f"[{element_id}]" in "".join(printed) for _, element_id in expected)
    code, out, err = sqflow("deploy", work_order, "--as", "lin.designer")  # unchanged: nothing new to advise
    assert code == 0 and "unchanged" in out and "warning" not in err
    code, out, _ = sqflow("deploy", "--json", work_order, "--as", "lin.designer")
    [outcome] = json.loads(out)
    assert outcome["changed"] is False and {(w["params"]["rule"], w["element_id"]) for w in outcome["warnings"]} == expected

    with web.sessions.begin() as db:  # the API: the same advice in the answer to a deployment
        secret = ApiTokens().create(db, "lin.designer", "test", web.clock.now(), 1).token
    answer = web.app.test_client().post("/api/v1/definitions", headers={"Authorization": f"Bearer {secret}"},
                                         data={"files": [(work_order.open("rb"), "work_order.bpmn")]},
                                         content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    [deployed] = answer.get_json()["processes"]
    assert {(w["params"]["rule"], w["element_id"]) for w in deployed["warnings"]} == expected
    assert all(w["code"] == "lint." + w["params"]["rule"] for w in deployed["warnings"])
