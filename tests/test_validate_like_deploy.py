"""`sqflow validate` refuses what `sqflow deploy` refuses, with the same problems, and what surely fails
at run time is refused before anything is deployed, naming the element: timers with no time or with
a value of the wrong kind, calls of Python builtins the sandbox does not offer (print, locals ...),
service tasks (sqflow has no services), and call activities that lead back to their own process."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from engine import SourceFile
from engine.errors import DefinitionError

from .conftest import DIAGRAMS, PRODUCT_DIAGRAMS, Harness, diagram_path

BAD = DIAGRAMS / "bad"


@pytest.fixture
def sqflow(database_url, monkeypatch, capsys):
    monkeypatch.setenv("SQFLOW_DATABASE_URL", database_url)

    def run(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return run


@pytest.mark.parametrize("names, expected", [
    (["bad/empty_timers.bpmn"], {"no_time": "has no time", "blank_duration": "timeDuration of event blank_duration is empty"}),
    (["bad/misplaced_timer_literal.bpmn"], {"wait_a_week": "'P7D', which belongs in a timeDuration"}),
    (["bad/unavailable_builtins.bpmn"], {"log_amount": "script of task log_amount: Python's print() is not available",
                                         "flow_with_note": "condition of flow flow_with_note: Python's locals() is not"}),
    (["bad/calls_itself.bpmn"], {"call_again": "recursive call activities never finish: calls_itself -> calls_itself"}),
    (["bad/call_cycle_ping.bpmn", "bad/call_cycle_pong.bpmn"], {"call_pong": "ping -> pong -> ping",
                                                                "call_ping": "pong -> ping -> pong"}),
    (["runtime/service_call.bpmn"], {"look_up_account": "calls the service 'crm/GetAccount', but sqflow has no services"}),
])
def test_validate_refuses_what_surely_fails_naming_the_element_and_deploy_refuses_the_same(sqflow, names, expected):
    paths = [diagram_path(name) for name in names]
    code, out, _ = sqflow("validate", "--json", *paths)
    assert code == 1
    problems = json.loads(out)["problems"]
    found = {p["element_id"]: p["message"] for p in problems}
    assert set(found) == set(expected), problems
    for element_id, fragment in expected.items():
        assert fragment in found[element_id]
        assert [p["line"] for p in problems if p["element_id"] == element_id] != [None]

    code, _, err = sqflow("deploy", *paths)
    assert code == 1
    refused = [line.strip() for line in err.splitlines()[1:]]
    _, text_out, _ = sqflow("validate", *paths)
    assert sorted(refused) == sorted(text_out.splitlines())


UNOFFERED = ["print", "locals", "globals", "open", "eval", "exec", "vars", "dir", "input", "compile", "__import__",
             "breakpoint", "getattr", "format"]


@pytest.mark.parametrize("name", UNOFFERED)
def test_a_script_calling_a_builtin_the_sandbox_does_not_offer_is_refused_at_validate(database_url, name):
    harness = Harness(database_url, cache_size=0)
    source = (BAD / "unavailable_builtins.bpmn").read_text().replace('print("total", total)', f'x = {name}("a")')
    files = [SourceFile("builtin.bpmn", source.encode())]
    with pytest.raises(DefinitionError) as validated:
        harness.engine.definitions.validate(files)
    [script] = [p for p in validated.value.problems if p.element_id == "log_amount"]
    assert name.strip("_").lower() in script.message.lower()
    with pytest.raises(DefinitionError) as deployed, harness.sessions.begin() as session:
        harness.engine.definitions.deploy(session, files, "designer")
    assert [str(p) for p in deployed.value.problems] == [str(p) for p in validated.value.problems]
    harness.sessions.kw["bind"].dispose()


def test_a_script_may_call_a_function_it_defines_even_with_a_builtin_name(database_url):
    harness = Harness(database_url, cache_size=0)
    source = (BAD / "unavailable_builtins.bpmn").read_text().replace(
        'print("total", total)', 'def format(value):\n    return str(value)\nlabel = format(total)').replace(
        '"note" in locals()', '"note" in flags')
    parsed = harness.engine.definitions.validate([SourceFile("own.bpmn", source.encode())])
    assert [p.process_id for p in parsed] == ["unavailable_builtins"]
    harness.sessions.kw["bind"].dispose()


def _deployment_sets() -> list[list[Path]]:
    """Each diagram of the product and of the tests, with the forms and decisions beside it."""
    sets = []
    for root in (PRODUCT_DIAGRAMS, DIAGRAMS):
        for diagram in sorted(root.rglob("*")):
            if diagram.suffix not in (".bpmn", ".xml"):
                continue
            folder = diagram.parent
            companions = sorted({*folder.glob("*.schema.json"), *folder.glob("forms/*.schema.json"),
                                 *folder.glob("*.dmn")})
            if root == DIAGRAMS and diagram.parent != BAD:
                companions.append(PRODUCT_DIAGRAMS / "complaints" / "classification.dmn")
            sets.append([diagram, *companions])
    sets.append([BAD / "call_cycle_ping.bpmn", BAD / "call_cycle_pong.bpmn"])
    return sets


def _outcome(action) -> list[str]:
    try:
        action()
    except DefinitionError as refused:
        return [str(problem) for problem in refused.problems]
    return []


def test_validate_and_deploy_agree_on_every_product_and_test_diagram(database_url):
    harness = Harness(database_url, cache_size=0)
    validated_ok = 0
    for paths in _deployment_sets():
        files = [SourceFile(p.name, p.read_bytes()) for p in paths]
        validated = _outcome(lambda: harness.engine.definitions.validate(files))
        session = harness.sessions()
        try:
            deployed = _outcome(lambda: harness.engine.definitions.deploy(session, files, "designer"))
        finally:
            session.rollback()
            session.close()
        assert deployed == validated, paths[0]
        validated_ok += not validated
    assert validated_ok >= 30  # most diagrams are fine: the comparison is not between two refusals only
    harness.sessions.kw["bind"].dispose()
