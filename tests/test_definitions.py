"""Deploy-time checks of diagram files, seen from the designer who uploads them.

Everything here calls `parse_files` directly (no database). Foreign diagrams are hand-written in the
shape bpmn-js, Camunda Modeler 5 and Signavio export them (tests/diagrams/foreign/); broken or
hostile files are in tests/diagrams/bad/. Each refusal must name the file and, where it helps the
designer find the spot, the line and the element id.
"""
from __future__ import annotations

import pytest

from engine.definitions.parsing import ParsedProcess, SourceFile, parse_files
from engine.errors import (
    DefinitionError,
    ScriptPolicyError,
    UnsafeXmlError,
    UnsupportedElementsError,
)
from tests.diagram_checks import BAD, DIAGRAMS, MAX_BYTES, bad, foreign, line_of, load, only, refuse, span_of


def camunda_export() -> SourceFile:
    """A Camunda Modeler diagram sqflow reads (tests/diagrams/camunda)."""
    return load(DIAGRAMS / "camunda" / "reviewers.bpmn")


# --------------------------------------------------------------------------------------------
# Diagrams exported by other modelers
# --------------------------------------------------------------------------------------------

def test_bpmn_js_export_deploys():
    source = foreign("bpmn_js.bpmn")
    parsed = parse_files([source], MAX_BYTES)

    process = only(parsed)
    assert isinstance(process, ParsedProcess)
    assert process.process_id == "Process_complaint_triage"
    assert process.name == "Complaint triage"
    assert [f.name for f in process.files] == ["bpmn_js.bpmn"]
    assert [(t["id"], t["name"]) for t in process.user_tasks] == [("Activity_review", "Review complaint")]
    assert process.calls == [] and process.embedded_specs == {}
    # the python script task and the tFormalExpression condition made it into the spec
    escalate = process.spec.task_specs["Activity_escalate"]
    assert "escalated = True" in escalate.script
    gateway = process.spec.task_specs["Gateway_severity"]
    conditions = [c.args[0] for c, _ in gateway.cond_task_specs if c is not None]
    assert conditions == ["severity >= 3 and region in ('north', 'east')"]
    assert len(process.content_hash) == 64


def test_camunda_modeler_export_is_refused_element_by_element_where_it_means_something_sqflow_cannot_run():
    error = refuse(foreign("camunda_modeler.bpmn"))

    by_element = {}
    for problem in error.problems:
        assert problem.element_id and problem.line and problem.code, problem
        by_element.setdefault(problem.element_id, set()).add(problem.code)
    # two groups, a JUEL property path, a task listener, a due date, a form nobody deployed, generated forms
    assert by_element == {
        "StartEvent_1": {"camunda.extension"},
        "Task_dispatch": {"camunda.groups_several", "camunda.expression", "camunda.listener",
                          "camunda.extension", "camunda.form_unmatched"},
        "Task_confirm": {"camunda.extension"},
    }
    dispatch = [p for p in error.problems if p.element_id == "Task_dispatch"]
    assert all(p.element_name == "Dispatch technician" for p in dispatch)
    assert any("${customer.region}" in p.message for p in dispatch)


def test_signavio_export_is_refused_listing_each_unsupported_element():
    source = foreign("signavio_export.bpmn")
    error = refuse(source)

    assert isinstance(error, UnsupportedElementsError)
    assert all(p.file == "signavio_export.bpmn" for p in error.problems)
    by_tag = {}
    for problem in error.problems:
        tags = [t for t in ("complexGateway", "compensateEventDefinition", "linkEventDefinition")
                if t in problem.message]
        assert len(tags) == 1, f"problem does not name exactly one unsupported tag: {problem}"
        by_tag[tags[0]] = problem
    assert len(error.problems) == 3, error.problems  # nothing supported (userTask, events, flows) listed
    assert set(by_tag) == {"complexGateway", "compensateEventDefinition", "linkEventDefinition"}

    gateway = by_tag["complexGateway"]
    assert gateway.element_id == "sid-C0MPLEX-GW-0002"
    assert gateway.line == line_of(source, "<complexGateway")
    compensate = by_tag["compensateEventDefinition"]
    assert compensate.element_id in {"sid-COMPENSATE-0004", "sid-CED-0005"}
    assert compensate.line in span_of(source, 'id="sid-COMPENSATE-0004"', "</intermediateThrowEvent>")
    link = by_tag["linkEventDefinition"]
    assert link.element_id in {"sid-LINK-THROW-0006", "sid-LED-0007"}
    assert link.line in span_of(source, 'id="sid-LINK-THROW-0006"', "</intermediateThrowEvent>")
    assert "signavio_export.bpmn" in str(error)


def test_unsupported_event_definitions_are_reported_under_the_event_id():
    error = refuse(foreign("signavio_export.bpmn"))
    assert {p.element_id for p in error.problems} == {
        "sid-C0MPLEX-GW-0002", "sid-COMPENSATE-0004", "sid-LINK-THROW-0006"}


def test_non_executable_bpmn_js_default_is_refused_telling_to_set_is_executable():
    error = refuse(foreign("non_executable.bpmn"))
    problem = only(error.problems)
    assert problem.file == "non_executable.bpmn"
    assert "isExecutable" in problem.message
    assert "true" in problem.message


def test_non_executable_refusal_names_the_process():
    source = foreign("non_executable.bpmn")
    problem = only(refuse(source).problems)
    assert problem.element_id == "Process_0h3k9zq"
    assert problem.line == line_of(source, "<bpmn:process")


# --------------------------------------------------------------------------------------------
# The deployment as a whole
# --------------------------------------------------------------------------------------------

def _oversized(limit: int) -> SourceFile:
    content = foreign("bpmn_js.bpmn").content
    padding = b"\n<!-- " + b"x" * (limit + 100) + b" -->\n"
    return SourceFile("big.bpmn", content + padding)


def test_oversized_file_is_refused_naming_the_limit():
    limit = 4096
    source = _oversized(limit)
    assert len(source.content) > limit
    problem = only(refuse(source, max_bytes=limit).problems)
    assert problem.file == "big.bpmn"
    assert "4,096" in problem.message or "4096" in problem.message


def test_oversized_file_raises_unsafe_xml_error():
    assert isinstance(refuse(_oversized(4096), max_bytes=4096), UnsafeXmlError)


def test_size_is_checked_before_parsing():
    problem = only(refuse(SourceFile("junk.bpmn", b"<" * 5000), max_bytes=1000).problems)
    assert "1,000" in problem.message or "1000" in problem.message
    assert "malformed" not in problem.message


def test_file_exactly_at_the_limit_is_accepted():
    source = foreign("bpmn_js.bpmn")
    parsed = parse_files([source], max_bytes=len(source.content))
    assert only(parsed).process_id == "Process_complaint_triage"


def test_empty_file_list_is_refused():
    error = refuse()
    problem = only(error.problems)
    assert "no files" in problem.message


@pytest.mark.parametrize(("other", "expected"), [
    ("xxe.bpmn", DefinitionError),
    ("malformed.bpmn", DefinitionError),
    ("not_bpmn.xml", DefinitionError),
    ("no_start.bpmn", DefinitionError),
    ("xsd_invalid.bpmn", DefinitionError),
    ("script_import_os.bpmn", ScriptPolicyError),
    ("bad_condition.bpmn", ScriptPolicyError),
    ("signavio_export.bpmn", UnsupportedElementsError),
])
def test_one_invalid_file_refuses_the_whole_set(other, expected):
    invalid = bad(other) if (BAD / other).exists() else foreign(other)
    # the invalid file comes second so a parser that stops early after the valid one is caught
    error = refuse(foreign("bpmn_js.bpmn"), invalid)
    assert isinstance(error, expected)
    assert {p.file for p in error.problems} == {other}, error.problems


def test_every_bad_file_of_a_set_is_reported_at_once():
    error = refuse(bad("xxe.bpmn"), foreign("bpmn_js.bpmn"), bad("xinclude.bpmn"), bad("malformed.bpmn"))
    assert {p.file for p in error.problems} == {"xxe.bpmn", "xinclude.bpmn", "malformed.bpmn"}


def test_every_script_problem_of_a_set_is_reported_at_once():
    error = refuse(bad("script_import_os.bpmn"), bad("script_dunder.bpmn"), bad("bad_condition.bpmn"))
    assert isinstance(error, ScriptPolicyError)
    assert {(p.file, p.element_id) for p in error.problems} >= {
        ("script_import_os.bpmn", "run_shell"), ("script_dunder.bpmn", "escape_sandbox")}
    assert "bad_condition.bpmn" in {p.file for p in error.problems}


def test_two_different_files_with_the_same_name_are_refused():
    first = SourceFile("diagram.bpmn", foreign("bpmn_js.bpmn").content)
    second = SourceFile("diagram.bpmn", camunda_export().content)
    error = refuse(first, second)
    assert "diagram.bpmn" in str(error)


# --------------------------------------------------------------------------------------------
# Content hashes (decide whether a deployment is a new version)
# --------------------------------------------------------------------------------------------

def test_content_hashes_differ_between_diagrams_deployed_together():
    parsed = parse_files([foreign("bpmn_js.bpmn"), camunda_export()], MAX_BYTES)
    hashes = {p.process_id: p.content_hash for p in parsed}
    assert set(hashes) == {"Process_complaint_triage", "document_review"}
    assert hashes["Process_complaint_triage"] != hashes["document_review"]
    files = {p.process_id: [f.name for f in p.files] for p in parsed}
    assert files == {"Process_complaint_triage": ["bpmn_js.bpmn"], "document_review": ["reviewers.bpmn"]}


def test_content_hash_ignores_the_file_name():
    content = foreign("bpmn_js.bpmn").content
    original = only(parse_files([SourceFile("bpmn_js.bpmn", content)], MAX_BYTES))
    renamed = only(parse_files([SourceFile("complaints/triage-v2.bpmn", content)], MAX_BYTES))
    assert renamed.content_hash == original.content_hash


def test_content_hash_is_stable_and_changes_with_any_byte():
    content = foreign("bpmn_js.bpmn").content
    first = only(parse_files([SourceFile("a.bpmn", content)], MAX_BYTES)).content_hash
    again = only(parse_files([SourceFile("a.bpmn", content)], MAX_BYTES)).content_hash
    edited = only(parse_files([SourceFile("a.bpmn", content + b"\n")], MAX_BYTES)).content_hash
    assert first == again
    assert edited != first


def test_content_hash_does_not_depend_on_companion_files():
    alone = only(parse_files([foreign("bpmn_js.bpmn")], MAX_BYTES))
    together = parse_files([camunda_export(), foreign("bpmn_js.bpmn")], MAX_BYTES)
    same = next(p for p in together if p.process_id == "Process_complaint_triage")
    assert same.content_hash == alone.content_hash
