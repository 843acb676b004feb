"""Problems a designer can act on: a stable code, its parameters, and English text saying what to do.

The web layer translates a problem by its code (web/designer/problem_text.py holds one template per
code here); the English below is what the CLI and the API print. Every problem names the file and,
wherever a diagram element is at fault, its id, name and line (`complete`). Messages of the
parser underneath are reworded here (`from_parser`) so no Python internals reach a designer.
"""
from __future__ import annotations

import re
from typing import Iterable

from lxml import etree

from ..errors import DefinitionProblem
from .xml_guard import BPMN_NS

TEMPLATES: dict[str, str] = {
    "camunda.groups_several": "{element} offers the task to several groups ({groups}); sqflow gives a task to "
                              "one group: name one group (put the people of the others in it)",
    "camunda.users_several": "{element} offers the task to several people ({users}); sqflow gives a task to one "
                             "person or one group: name one person, or a group in camunda:candidateGroups",
    "camunda.form_unmatched": "{element} names the form {form_key}; no form file {expected} is deployed with the "
                              "diagram: add {expected} (a JSON Schema) to the files you deploy",
    "camunda.service_unknown": "{element} calls {kind} {service}, which is not a service registered with sqflow "
                               "(registered: {registered}): register it, or do the work in a script task",
    "camunda.expression": "{what} of {element} is {expression}: sqflow runs only variable comparisons written "
                          "this way (such as ${{approved}} or ${{amount > 1000}}); write it in Python instead",
    "camunda.script_language": "{element} is written in {language} ({script}); sqflow runs Python only: "
                               "rewrite it in Python",
    "camunda.listener": "{element} has a listener ({kind}: {target}); sqflow runs no listeners: do that work "
                        "in a script task",
    "camunda.extension": "{element} uses camunda:{extension}, which sqflow does not run: remove it",
    "camunda.io_value": "{element} maps {name} with camunda:{kind}; sqflow reads plain values and ${{variable}} "
                        "only: use a plain value, or a script task",
    "camunda.call_mapping": "{element} passes only some variables (camunda:{kind} {detail}); a called process "
                            "in sqflow sees all the caller's data: use variables=\"all\" or remove the mapping",
    "import.missing": "the diagram imports {location}, which is not among the files deployed: deploy {location} "
                      "together with it",
    "dmn.hit_policy": "decision {element} has the hit policy {policy}, which sqflow does not run: use UNIQUE, "
                      "FIRST, PRIORITY, ANY or COLLECT",
    "dmn.unique_overlap": "rules {first} and {second} of decision {element} can both match (for instance {example}); "
                          "a UNIQUE table allows one: make the rules exclusive or use the hit policy FIRST",
    "dmn.any_conflict": "rules {first} and {second} of decision {element} can both match with different outputs; "
                        "the hit policy ANY needs equal outputs: make them equal or use FIRST",
    "dmn.priority_values": "decision {element} has the hit policy PRIORITY, but its output {output} lists no "
                           "allowed values in order: list them (outputValues), highest priority first",
    "dmn.aggregation": "decision {element} collects with {aggregation}; sqflow collects lists only: remove the "
                       "aggregation and compute it in a script task",
    "dmn.feel": "{what} of decision {element} is {expression}, which sqflow cannot read: write it in Python",
    "parse.task_split": "{element} has {count} outgoing flows; sqflow takes one flow out of a task: split with a "
                        "parallel gateway, or choose with an exclusive gateway",
    "parse.data_association": "{element} writes to {target}, which is not a data object of this process: "
                              "connect it to a data object in the same process",
    "parse.subprocess_start": "subprocess {element} has {count} start events; it needs exactly one blank start "
                              "event",
    "parse.flow_condition": "flow {element} leaves an exclusive gateway without a condition and is not its "
                            "default: give it a condition, or make it the default flow",
    "parse.data_store": "{element} is a data store, which sqflow does not have: keep the data in the process "
                        "(a data object) instead",
    "parse.service_operator": "{element} is a service task with no service: do the work in a script task, or "
                              "name a registered service (camunda:type=\"external\" camunda:topic=...)",
    "parse.other": "{element} cannot be read: {detail}",
    "parse.xsd": "{element} does not follow the BPMN 2.0 schema: {detail}",
}


def element_label(element_id: str | None, element_name: str | None) -> str:
    if element_name and element_id:
        return f"{element_name!r} ({element_id})"
    return element_name or element_id or "the diagram"


def coded(code: str, file: str, element: etree._Element | None = None, *, element_id: str | None = None,
          line: int | None = None, **params: object) -> DefinitionProblem:
    """A problem with code `code`, about `element` (or the element called `element_id`)."""
    if element is not None:
        element_id = element_id or element.get("id")
        line = line or element.sourceline
    name = element.get("name") if element is not None else None
    params = {key: _plain(value) for key, value in params.items()}
    message = TEMPLATES[code].format(element=element_label(element_id, name), **params)
    return DefinitionProblem(file, message, line=line, element_id=element_id, element_name=name or None,
                             code=code, params=params)


def _plain(value: object) -> str:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)


def complete(problems: Iterable[DefinitionProblem], trees: dict[str, etree._ElementTree]) -> list[DefinitionProblem]:
    """Each problem with its element's name, kind (`element_type`) and line, from the file it names."""
    done = []
    for problem in problems:
        tree = trees.get(problem.file)
        if tree is None or not problem.element_id:
            done.append(problem)
            continue
        found = tree.xpath("//*[@id=$id]", id=problem.element_id)
        if found and isinstance(found[0].tag, str):  # what a nameless element is, for the designer's words
            problem.params.setdefault("element_type", etree.QName(found[0]).localname)
        name = problem.element_name or (found[0].get("name") if found else None)
        line = problem.line or (found[0].sourceline if found else None)
        if name == problem.element_name and line == problem.line:
            done.append(problem)
            continue
        done.append(DefinitionProblem(problem.file, problem.message, line, problem.element_id, name or None,
                                      problem.code, problem.params))
    return done


_NS_BRACES = re.compile(r"\{([^}]*)\}")
_SHORT_NS = {BPMN_NS: "bpmn:", "http://www.omg.org/spec/BPMN/20100524/DI": "bpmndi:"}


def readable_xsd(message: str) -> str:
    """An XSD error without namespace URIs in braces."""
    return _NS_BRACES.sub(lambda m: _SHORT_NS.get(m.group(1), ""), message)


def from_parser(exc: Exception, file: str, tree: etree._ElementTree | None) -> DefinitionProblem:
    """The parser's complaint about a diagram, reworded for a designer, with the element at fault."""
    text = str(exc)
    element_id = getattr(exc, "id", None) or None
    line = getattr(exc, "line_number", None) or None
    element = _element(tree, element_id)
    if element is None and tree is not None and line:
        element = _element_at(tree, line)
    if "Multiple outgoing flows" in text and element is not None:
        count = len(element.findall(f"{{{BPMN_NS}}}outgoing")) or len(
            tree.xpath("//*[local-name()='sequenceFlow'][@sourceRef=$id]", id=element.get("id")))
        return coded("parse.task_split", file, element, count=count)
    if "dataOutputAssociation" in text or "dataInputAssociation" in text:
        target = element.xpath("string(.//*[local-name()='targetRef'])") if element is not None else ""
        return coded("parse.data_association", file, element, element_id=element_id, line=line,
                     target=target or "a data object")
    if "start event is required" in text:
        count = re.search(r"found (\d+)", text)
        return coded("parse.subprocess_start", file, element, element_id=element_id, line=line,
                     count=count.group(1) if count else 0)
    if "without condition" in text:
        return coded("parse.flow_condition", file, element, element_id=element_id, line=line)
    if "Data Store with name" in text and tree is not None:
        name = re.search(r"name (.+?) has no implementation", text)
        store = tree.xpath("//*[local-name()='dataStore'][@name=$n]", n=name.group(1)) if name else []
        return coded("parse.data_store", file, store[0] if store else element, element_id=element_id, line=line)
    if "must have an operator" in text:
        return coded("parse.service_operator", file, element, element_id=element_id, line=line)
    detail = re.sub(r"<[^>]* at 0x[0-9a-f]+>", "an element", text).strip().rstrip(".")
    if not isinstance(exc, _validation_types()):
        detail = f"the diagram has a shape the engine does not expect ({type(exc).__name__})"
    return coded("parse.other", file, element, element_id=element_id or _root_id(tree), line=line, detail=detail)


def _validation_types() -> tuple[type, ...]:
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
    return (ValidationException,)


def _element(tree: etree._ElementTree | None, element_id: str | None) -> etree._Element | None:
    if tree is None or not element_id:
        return None
    found = tree.xpath("//*[@id=$id]", id=element_id)
    return found[0] if found else None


def _element_at(tree: etree._ElementTree, line: int) -> etree._Element | None:
    best = None
    for element in tree.iter():
        if isinstance(element.tag, str) and element.sourceline is not None and element.sourceline <= line:
            best = element
    while best is not None and best.get("id") is None:
        best = best.getparent()
    return best


def _root_id(tree: etree._ElementTree | None) -> str | None:
    return tree.getroot().get("id") if tree is not None else None
