"""Broken and hostile diagram files: each refused with the file, line and element a designer needs.

XXE, billion laughs, XInclude and external imports must never be read or expanded; scripts that
try to leave the sandbox are refused at deploy time.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from engine.definitions.parsing import SourceFile
from engine.errors import DefinitionError, ScriptPolicyError, UnsafeXmlError, UnsupportedElementsError
from tests.diagram_checks import bad, line_of, only, refuse, span_of

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


