"""Deploy-time checks of diagram files, seen from the designer who uploads them.

Everything here calls `parse_files` directly (no database). Foreign diagrams are hand-written in the
shape bpmn-js, Camunda Modeler 5 and Signavio export them (tests/diagrams/foreign/); broken or
hostile files are in tests/diagrams/bad/. Each refusal must name the file and, where it helps the
designer find the spot, the line and the element id.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from engine.definitions.parsing import ParsedProcess, SourceFile, parse_files
from engine.errors import (
    DefinitionError,
    DefinitionProblem,
    ScriptPolicyError,
    UnsafeXmlError,
    UnsupportedElementsError,
)

DIAGRAMS = Path(__file__).parent / "diagrams"
FOREIGN = DIAGRAMS / "foreign"
BAD = DIAGRAMS / "bad"
MAX_BYTES = 1_000_000


def load(path: Path, name: str | None = None) -> SourceFile:
    return SourceFile(name or path.name, path.read_bytes())


def foreign(name: str) -> SourceFile:
    return load(FOREIGN / name)


def bad(name: str) -> SourceFile:
    return load(BAD / name)


def refuse(*files: SourceFile, max_bytes: int = MAX_BYTES) -> DefinitionError:
    with pytest.raises(DefinitionError) as info:
        parse_files(list(files), max_bytes)
    assert info.value.problems, "a refusal must list at least one problem"
    for problem in info.value.problems:
        assert isinstance(problem, DefinitionProblem)
    return info.value


def line_of(source: SourceFile, needle: str) -> int:
    """1-based line of the first occurrence of `needle` in the file, so tests don't hard-code lines."""
    text = source.content.decode("utf-8")
    index = text.index(needle)
    return text.count("\n", 0, index) + 1


def span_of(source: SourceFile, start: str, end: str) -> range:
    """Lines from the first `start` to the first `end` after it (inclusive)."""
    text = source.content.decode("utf-8")
    first = text.index(start)
    last = text.index(end, first)
    return range(text.count("\n", 0, first) + 1, text.count("\n", 0, last) + 2)


def only(problems: list[DefinitionProblem]) -> DefinitionProblem:
    assert len(problems) == 1, problems
    return problems[0]


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


def test_camunda_modeler_export_deploys_ignoring_camunda_extensions():
    parsed = parse_files([foreign("camunda_modeler.bpmn")], MAX_BYTES)

    process = only(parsed)
    assert process.process_id == "line_repair"
    assert process.name == "Line repair"
    assert [(t["id"], t["name"]) for t in process.user_tasks] == [
        ("Task_dispatch", "Dispatch technician"),
        ("Task_confirm", "Confirm repair with customer"),
    ]
    # camunda:formKey / camunda:formData are not sqflow forms: they are ignored, not misread
    assert all(t["form"] is None for t in process.user_tasks)


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
# Broken and hostile files
# --------------------------------------------------------------------------------------------

def test_malformed_xml_is_refused_with_the_line():
    source = bad("malformed.bpmn")
    problem = only(refuse(source).problems)
    assert problem.file == "malformed.bpmn"
    assert "malformed" in problem.message.lower()
    # the unclosed <bpmn:userTask> is noticed where </bpmn:process> closes, and the message says
    # where the unclosed tag opened
    assert problem.line == line_of(source, "</bpmn:process>")
    assert "userTask" in problem.message and str(line_of(source, '<bpmn:userTask id="check"')) in problem.message


def test_process_without_start_event_is_refused_naming_the_process():
    source = bad("no_start.bpmn")
    problem = only(refuse(source).problems)
    assert problem.file == "no_start.bpmn"
    assert "start event" in problem.message.lower()
    assert problem.element_id == "no_start"
    assert problem.line == line_of(source, "<bpmn:process")


@pytest.mark.parametrize("name", ["xxe.bpmn", "billion_laughs.bpmn"])
def test_doctype_and_entities_are_refused_at_the_doctype_line(name):
    source = bad(name)
    problem = only(refuse(source).problems)
    assert problem.file == name
    assert "DOCTYPE" in problem.message
    assert problem.line == line_of(source, "<!DOCTYPE")


def _utf16(source: SourceFile, name: str) -> SourceFile:
    text = source.content.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return SourceFile(name, text.encode("utf-16"))


def _xxe_variants() -> list[SourceFile]:
    xxe = bad("xxe.bpmn")
    text = xxe.content.decode("utf-8")
    return [
        xxe,
        # the byte-level DOCTYPE pre-check cannot see UTF-16; lxml must still refuse
        _utf16(xxe, "xxe_utf16.bpmn"),
        _utf16(SourceFile("x", text.replace(
            '<!ENTITY passwd SYSTEM "file:///etc/passwd">',
            '<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;').encode()), "xxe_parameter_utf16.bpmn"),
    ]


def test_xxe_fixture_is_a_live_attack():
    """Guard against a toothless fixture: a permissive parser really would read /etc/passwd."""
    from lxml import etree

    if not Path("/etc/passwd").exists():
        pytest.skip("no /etc/passwd here")
    permissive = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=True)
    root = etree.fromstring(bad("xxe.bpmn").content, permissive)
    assert "root:" in "".join(root.itertext())


@pytest.mark.parametrize("source", _xxe_variants(), ids=lambda s: s.name)
def test_xxe_never_leaks_file_contents(source):
    error = refuse(source)
    assert all(p.file == source.name for p in error.problems)
    texts = [str(error), *(p.message for p in error.problems)]
    for text in texts:
        assert "root:" not in text
        assert "/bin/" not in text and "nologin" not in text


@pytest.mark.parametrize("source", [bad("billion_laughs.bpmn"), _utf16(bad("billion_laughs.bpmn"), "lol_utf16.bpmn")],
                         ids=lambda s: s.name)
def test_billion_laughs_is_refused_quickly(source):
    started = time.perf_counter()
    error = refuse(source)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"took {elapsed:.2f}s"
    assert all(p.file == source.name for p in error.problems)
    assert all(len(p.message) < 1000 for p in error.problems)  # no expanded "lollollol..." echoed back


def test_xinclude_is_refused_at_its_line():
    source = bad("xinclude.bpmn")
    problem = only(refuse(source).problems)
    assert problem.file == "xinclude.bpmn"
    assert "XInclude" in problem.message
    assert problem.line == line_of(source, "<xi:include")
    assert "root:" not in str(problem)


def test_external_import_is_refused_naming_the_location():
    source = bad("external_import.bpmn")
    problem = only(refuse(source).problems)
    assert problem.file == "external_import.bpmn"
    assert "http://attacker.example/shared.bpmn" in problem.message
    assert problem.line == line_of(source, "<bpmn:import")


@pytest.mark.parametrize(("name", "task_id", "fragment"), [
    ("script_import_os.bpmn", "run_shell", "import"),
    ("script_dunder.bpmn", "escape_sandbox", "__class__"),
    ("script_syntax.bpmn", "broken_script", "SyntaxError"),
])
def test_script_breaking_the_sandbox_is_refused_naming_the_script_task(name, task_id, fragment):
    problem = only(refuse(bad(name)).problems)
    assert problem.file == name
    assert problem.element_id == task_id
    assert fragment in problem.message


def test_dunder_script_lists_every_forbidden_attribute():
    problem = only(refuse(bad("script_dunder.bpmn")).problems)
    for attribute in ("__class__", "__base__", "__subclasses__"):
        assert attribute in problem.message


def test_unsafe_gateway_condition_is_refused():
    problem = only(refuse(bad("bad_condition.bpmn")).problems)
    assert problem.file == "bad_condition.bpmn"
    assert "__import__" in problem.message
    assert problem.element_id in {"decide", "f_evil"}


def test_unsafe_condition_names_its_sequence_flow():
    problem = only(refuse(bad("bad_condition.bpmn")).problems)
    assert problem.element_id == "f_evil" or "f_evil" in problem.message


@pytest.mark.parametrize(("name", "start", "end"), [
    ("script_import_os.bpmn", "<bpmn:scriptTask", "</bpmn:scriptTask>"),
    ("script_dunder.bpmn", "<bpmn:scriptTask", "</bpmn:scriptTask>"),
    ("script_syntax.bpmn", "<bpmn:scriptTask", "</bpmn:scriptTask>"),
    ("bad_condition.bpmn", '<bpmn:exclusiveGateway id="decide"', '<bpmn:sequenceFlow id="f_normal"'),
])
def test_script_problems_carry_a_line(name, start, end):
    source = bad(name)
    problem = only(refuse(source).problems)
    assert problem.line in span_of(source, start, end)


def test_xsd_violations_are_all_listed_with_line_and_element_id():
    source = bad("xsd_invalid.bpmn")
    error = refuse(source)
    assert all(p.file == "xsd_invalid.bpmn" for p in error.problems)
    found = {(p.element_id, p.line) for p in error.problems}
    assert ("approve", line_of(source, '<bpmn:userTask id="approve"')) in found
    assert ("f2", line_of(source, '<bpmn:sequenceFlow id="f2"')) in found
    messages = " ".join(p.message for p in error.problems)
    assert "priority" in messages
    assert "targetRef" in messages


def test_xml_in_another_namespace_is_refused():
    problem = only(refuse(bad("not_bpmn.xml")).problems)
    assert problem.file == "not_bpmn.xml"
    assert "BPMN" in problem.message
    assert "http://maven.apache.org/POM/4.0.0" in problem.message
    assert problem.line == 1


# Which DefinitionError subclass each refusal raises (web/ and cli/ map these to statuses/exit codes).


@pytest.mark.parametrize(("name", "expected"), [
    ("malformed.bpmn", DefinitionError),
    ("no_start.bpmn", DefinitionError),
    ("xxe.bpmn", UnsafeXmlError),
    ("billion_laughs.bpmn", UnsafeXmlError),
    ("xinclude.bpmn", UnsafeXmlError),
    ("external_import.bpmn", UnsafeXmlError),
    ("script_import_os.bpmn", ScriptPolicyError),
    ("script_dunder.bpmn", ScriptPolicyError),
    ("script_syntax.bpmn", ScriptPolicyError),
    ("bad_condition.bpmn", ScriptPolicyError),
    ("xsd_invalid.bpmn", DefinitionError),
    ("not_bpmn.xml", DefinitionError),
])
def test_refusal_error_class(name, expected):
    error = refuse(bad(name))
    assert isinstance(error, expected)
    if expected is DefinitionError:
        # structural problems are not mislabelled as unsafe / unsupported / script problems
        assert not isinstance(error, (UnsafeXmlError, UnsupportedElementsError, ScriptPolicyError))


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
    second = SourceFile("diagram.bpmn", foreign("camunda_modeler.bpmn").content)
    error = refuse(first, second)
    assert "diagram.bpmn" in str(error)


# --------------------------------------------------------------------------------------------
# Content hashes (decide whether a deployment is a new version)
# --------------------------------------------------------------------------------------------

def test_content_hashes_differ_between_diagrams_deployed_together():
    parsed = parse_files([foreign("bpmn_js.bpmn"), foreign("camunda_modeler.bpmn")], MAX_BYTES)
    hashes = {p.process_id: p.content_hash for p in parsed}
    assert set(hashes) == {"Process_complaint_triage", "line_repair"}
    assert hashes["Process_complaint_triage"] != hashes["line_repair"]
    files = {p.process_id: [f.name for f in p.files] for p in parsed}
    assert files == {"Process_complaint_triage": ["bpmn_js.bpmn"], "line_repair": ["camunda_modeler.bpmn"]}


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
    together = parse_files([foreign("camunda_modeler.bpmn"), foreign("bpmn_js.bpmn")], MAX_BYTES)
    same = next(p for p in together if p.process_id == "Process_complaint_triage")
    assert same.content_hash == alone.content_hash
