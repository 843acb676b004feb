"""Turning a set of uploaded .bpmn/.dmn files into process specs, or into a list of problems.

Nothing is deployed from a set that has any problem. The checks, in order: each file is read
without trust (`xml_guard`), elements sqflow cannot execute are listed, the BPMN 2.0 XSD is
applied (every error, with line and element id), timers are checked and their ISO 8601 literals
quoted (`timer_values`), SpiffWorkflow builds the specs, every script and expression is compiled by
the sandbox and checked for what surely fails when it runs (`runnable`), and call activities must
not lead back to their own process (`call_graph`; deploy also follows the deployed processes).
"""
from __future__ import annotations

import hashlib
from pathlib import PurePosixPath
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.spiff.parser import SpiffBpmnParser, VALIDATOR
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec

from ..errors import DefinitionError, DefinitionProblem, ScriptPolicyError, UnsafeXmlError, UnsupportedElementsError
from .call_graph import recursive_call_problems
from .camunda import read_camunda
from .hit_policies import decision_shapes, prepare_dmn
from .imports import import_problems
from .lint import lint_diagrams
from .problems import coded, complete, from_parser, readable_xsd
from .services import ServiceRegistry
from .decisions import one_document_per_decision, prepare_and_check
from .expressions import record_condition_flows
from .forms import is_form, read_form
from .shipped_policies import POLICY_SUFFIX, is_policy, policy_file_name, policy_problems
from .starters import read_starters
from .runnable import run_time_problems
from .timer_values import quote_iso_literals, timer_problems
from .xml_guard import BPMN_NS, document_kind, element_id_at, line_of, parse_untrusted


@dataclass(frozen=True)
class SourceFile:
    name: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class ParsedProcess:
    process_id: str
    name: str
    spec: BpmnProcessSpec
    embedded_specs: dict[str, BpmnProcessSpec]
    calls: list[str]
    files: list[SourceFile]
    content_hash: str = ""
    user_tasks: list[dict] = field(default_factory=list)
    warnings: list[DefinitionProblem] = field(default_factory=list)  # shown, not refused (definitions.lint)
    forms: dict[str, dict] = field(default_factory=dict)  # user task id -> JSON Schema
    report_fields: list[str] = field(default_factory=list)
    starters: list[str] | None = None  # who may start it from outside (definitions.starters)
    policy_file: SourceFile | None = None  # its SLA policies, shipped beside the diagram


_FLOW_NODES = {
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "subProcess", "adHocSubProcess", "transaction", "callActivity", "startEvent",
    "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway",
    "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway", "callChoreography",
    "choreographyTask", "subChoreography", "implicitThrowEvent",
}
_SUPPORTED_EVENTS = {
    "timerEventDefinition", "messageEventDefinition", "signalEventDefinition", "errorEventDefinition",
    "escalationEventDefinition", "cancelEventDefinition", "terminateEventDefinition",
    "conditionalEventDefinition",
}


class _Parser(SpiffBpmnParser):
    """Uses each decision as parsed and checked once (`decisions.prepare_and_check`), not parsed anew."""

    def get_engine(self, decision_ref, node):
        dmn_parser = self.dmn_parsers.get(decision_ref)
        if dmn_parser is not None and dmn_parser.decision is not None:
            return DMNEngine(dmn_parser.decision.decisionTables[0])
        return super().get_engine(decision_ref, node)

    def get_document_positions(self, root):
        """No drawing positions: SpiffWorkflow would order a gateway's outgoing flows by how high
        their targets are drawn, so moving a shape could change which branch wins. Without them
        the order is the file's, whatever the layout."""
        return {}


def _supported_flow_nodes() -> set[str]:
    tags = set(SpiffBpmnParser.PARSER_CLASSES) | set(SpiffBpmnParser.OVERRIDE_PARSER_CLASSES)
    return {etree.QName(t).localname for t in tags if etree.QName(t).namespace == BPMN_NS}


SUPPORTED_FLOW_NODES = frozenset(_supported_flow_nodes())


def unsupported_elements(name: str, tree: etree._ElementTree) -> list[DefinitionProblem]:
    problems = []
    for element in tree.iter(f"{{{BPMN_NS}}}*"):
        local = etree.QName(element).localname
        unsupported = (local in _FLOW_NODES and local not in SUPPORTED_FLOW_NODES) or (
            local.endswith("EventDefinition") and local not in _SUPPORTED_EVENTS)
        if unsupported:
            owner = element.getparent() if local.endswith("EventDefinition") else element
            element_id = owner.get("id") or element_id_at(tree, element.sourceline)
            problems.append(DefinitionProblem(
                name, f"bpmn:{local} is not supported by sqflow", line=element.sourceline,
                element_id=element_id, code="unsupported.element", params={"type": local}))
    return problems


def _xsd_problems(name: str, tree: etree._ElementTree) -> list[DefinitionProblem]:
    VALIDATOR.preprocess(tree)
    schema = VALIDATOR.validator
    if schema.validate(tree):
        return []
    return [
        coded("parse.xsd", name, element_id=element_id_at(tree, error.line) or tree.getroot().get("id"),
              line=error.line, detail=readable_xsd(error.message))
        for error in schema.error_log
    ]


def _problem_from_spiff(exc: Exception, trees: dict[str, etree._ElementTree], default_file: str) -> DefinitionProblem:
    file_name = getattr(exc, "file_name", "") or default_file
    return from_parser(exc, file_name, trees.get(file_name))


def _embedded_and_calls(parser: SpiffBpmnParser, spec: BpmnProcessSpec,
                        embedded: dict[str, BpmnProcessSpec], calls: list[str]) -> None:
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, CallActivity):
            if task_spec.spec not in calls:
                calls.append(task_spec.spec)
        elif isinstance(task_spec, SubWorkflowTask) and task_spec.spec not in embedded:
            embedded[task_spec.spec] = parser.get_spec(task_spec.spec)
            _embedded_and_calls(parser, embedded[task_spec.spec], embedded, calls)


def _report_fields(process: etree._Element) -> list[str]:
    """The case fields a process asks to keep queryable: its `reportFields` property ("a, b, c")."""
    values = process.xpath("./*[local-name()='extensionElements']//*[local-name()='property']"
                           "[@name='reportFields']/@value")
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def _decision_refs(process: etree._Element) -> set[str]:
    refs = set()
    for task in process.iter(f"{{{BPMN_NS}}}businessRuleTask"):
        refs.update(t.strip() for t in task.xpath(".//*[local-name()='calledDecisionId']/text()"))
        refs.update(v for k, v in task.attrib.items() if k.endswith("decisionRef"))
    return refs


def _user_tasks(spec: BpmnProcessSpec) -> list[dict]:
    rows = []
    for task_spec in spec.task_specs.values():
        if getattr(task_spec, "manual", False):
            props = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
            rows.append({"id": task_spec.bpmn_id or task_spec.name, "name": task_spec.bpmn_name, "lane": task_spec.lane,
                         "form": props.get("formJsonSchemaFilename"),
                         "instructions": getattr(task_spec, "extensions", {}).get("instructionsForEndUser")})
    return rows


def parse_files(files: list[SourceFile], max_bytes: int, services: ServiceRegistry | None = None
                ) -> list[ParsedProcess]:
    """Parse and check a deployment; raises DefinitionError listing every problem found, each with the
    name and line of the element at fault."""
    trees: dict[str, etree._ElementTree] = {}
    try:
        parsed = _parse_files(files, max_bytes, services or ServiceRegistry(), trees)
    except DefinitionError as error:
        named = {(p.file, p.element_id) for p in error.problems}
        lint = _lint(files, trees)
        error.problems = complete(error.problems + [p for p in lint.refusals if (p.file, p.element_id) not in named],
                                  trees)
        error.args = ("; ".join(str(p) for p in error.problems),)
        error.warnings = complete(lint.warnings, trees)
        raise
    lint = _lint(files, trees)
    warnings = complete(lint.warnings, trees)
    if lint.refusals:
        refused = DefinitionError(complete(lint.refusals, trees))
        refused.warnings = warnings
        raise refused
    for process in parsed:
        process.warnings = [w for w in warnings if w.file == process.files[0].name or w.code == "lint.unavailable"]
    return parsed


def _lint(files: list[SourceFile], trees: dict[str, etree._ElementTree]):
    """The modeler's lint of the BPMN files that were read safely (definitions.lint)."""
    return lint_diagrams({f.name: f.content for f in files
                          if f.name in trees and document_kind(trees[f.name]) == "bpmn"})


def _parse_files(files: list[SourceFile], max_bytes: int, services: ServiceRegistry,
                 trees: dict[str, etree._ElementTree]) -> list[ParsedProcess]:
    if not files:
        raise DefinitionError(DefinitionProblem("<deployment>", "no files given", code="deploy.no_files"))
    problems: list[DefinitionProblem] = []
    names = [f.name for f in files]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(DefinitionProblem(name, "two different files have this name; rename one",
                                          code="file.duplicate_name"))
    if problems:
        raise DefinitionError(problems)
    kinds: dict[str, str] = {}
    forms: dict[str, dict] = {}
    form_files: dict[str, SourceFile] = {}
    policy_files: dict[str, SourceFile] = {}
    unsafe = False
    for source in files:
        if is_policy(source.name):
            problems.extend(policy_problems(source.name, source.content))
            policy_files[PurePosixPath(source.name).name] = source
            continue
        if is_form(source.name):
            schema, form_problems = read_form(source.name, source.content, max_bytes)
            problems.extend(form_problems)
            base_name = PurePosixPath(source.name).name  # a task names its form by file name
            if base_name in form_files:
                problems.append(DefinitionProblem(source.name, f"another form is also named {base_name}",
                                                  code="form.duplicate_name", params={"name": base_name}))
            form_files[base_name] = source
            if schema is not None:
                forms[base_name] = schema
            continue
        try:
            tree = parse_untrusted(source.name, source.content, max_bytes)
        except DefinitionError as exc:
            unsafe = unsafe or isinstance(exc, UnsafeXmlError)
            problems.extend(exc.problems)
            continue
        kind = document_kind(tree)
        if kind == "unknown":
            problems.append(DefinitionProblem(source.name, "not a BPMN 2.0 or DMN document (root element "
                                              f"{tree.getroot().tag!r})", line=1, code="file.unknown_kind"))
            continue
        trees[source.name], kinds[source.name] = tree, kind
    if problems:
        raise (UnsafeXmlError if unsafe else DefinitionError)(problems)
    if not trees:
        raise DefinitionError(DefinitionProblem(files[0].name, "no .bpmn diagram among the files",
                                                code="deploy.no_bpmn"))
    problems.extend(import_problems(trees))
    for name, tree in trees.items():
        if kinds[name] == "dmn":
            prepare_dmn(tree)
    shapes = decision_shapes([tree for name, tree in trees.items() if kinds[name] == "dmn"])
    form_names = {PurePosixPath(n).name for n in form_files}
    for name, tree in trees.items():
        if kinds[name] == "bpmn":
            problems.extend(read_camunda(name, tree, form_names, services, shapes))
    if problems:
        raise DefinitionError(problems)

    unsupported = [p for name, tree in trees.items() if kinds[name] == "bpmn" for p in unsupported_elements(name, tree)]
    if unsupported:
        raise UnsupportedElementsError(unsupported)
    for name, tree in trees.items():
        if kinds[name] == "bpmn":
            problems.extend(_xsd_problems(name, tree))
    if problems:
        raise DefinitionError(problems)
    for name, tree in trees.items():
        if kinds[name] == "bpmn":
            problems.extend(timer_problems(name, tree))
    if problems:
        raise DefinitionError(problems)
    for name, tree in trees.items():
        if kinds[name] == "bpmn":
            quote_iso_literals(tree)

    parser = _Parser()
    by_name = {f.name: f for f in files}
    try:
        for name, tree in trees.items():
            if kinds[name] == "dmn":
                for document in one_document_per_decision(tree.getroot()):
                    parser.add_dmn_xml(document, filename=name)
        for dmn_parser in parser.dmn_parsers.values():
            problems.extend(prepare_and_check(dmn_parser, dmn_parser.filename, trees[dmn_parser.filename]))
        for name, tree in trees.items():
            if kinds[name] == "bpmn":
                parser.add_bpmn_xml(tree, filename=name)
    except Exception as exc:  # the parser raises many types on odd input; each becomes a problem
        raise DefinitionError(_problem_from_spiff(exc, trees, files[0].name)) from None
    if problems:
        raise ScriptPolicyError(problems)

    decision_files = {did: p.filename for did, p in parser.dmn_parsers.items()}
    executable = parser.get_process_ids()
    if not executable and any(k == "bpmn" for k in kinds.values()):
        name = next(n for n, k in kinds.items() if k == "bpmn")
        process = next(trees[name].iter(f"{{{BPMN_NS}}}process"), None)
        raise DefinitionError(DefinitionProblem(
            name, "no executable process: set isExecutable=\"true\" on the process to deploy",
            line=process.sourceline if process is not None else None,
            element_id=process.get("id") if process is not None else None, code="process.not_executable"))

    parsed = []
    script_problems: list[DefinitionProblem] = []
    for process_id in executable:
        process_parser = parser.get_process_parser(process_id)
        file_name = process_parser.filename
        try:
            spec = parser.get_spec(process_id)
            embedded: dict[str, BpmnProcessSpec] = {}
            calls: list[str] = []
            _embedded_and_calls(parser, spec, embedded, calls)
        except Exception as exc:
            problems.append(_problem_from_spiff(exc, trees, file_name))
            continue
        for each in [spec, *embedded.values()]:
            record_condition_flows(each, trees[file_name])
            script_problems.extend(run_time_problems(each, file_name, trees[file_name]))
        dmn_names = sorted({decision_files[d] for d in _decision_refs(process_parser.node) if d in decision_files})
        user_tasks = [task for each in [spec, *embedded.values()] for task in _user_tasks(each)]
        task_forms = {}
        for task in user_tasks:
            if task["form"] and task["form"] not in forms:
                problems.append(DefinitionProblem(
                    file_name, f"form {task['form']!r} is not among the files deployed with the diagram",
                    line=line_of(trees[file_name], task["id"]), element_id=task["id"], code="form.missing",
                    params={"form": task["form"]}))
            elif task["form"]:
                task_forms[task["id"]] = forms[task["form"]]
        form_names = sorted({task["form"] for task in user_tasks if task["form"] in forms})
        policy_file = policy_files.pop(policy_file_name(process_id), None)
        used = [by_name[file_name], *(by_name[n] for n in dmn_names), *(form_files[n] for n in form_names),
                *([policy_file] if policy_file else [])]
        digest = hashlib.sha256()
        for source in used:
            digest.update(source.sha256.encode())
        starters, starter_problems = read_starters(process_parser.node, file_name)
        problems.extend(starter_problems)
        parsed.append(ParsedProcess(
            process_id=process_id, name=spec.description or process_id, spec=spec,
            embedded_specs=embedded, calls=calls, files=used, content_hash=digest.hexdigest(),
            user_tasks=user_tasks, forms=task_forms, report_fields=_report_fields(process_parser.node),
            starters=starters, policy_file=policy_file))
    problems.extend(DefinitionProblem(name, "no process deployed with it has this id: deploy it with its diagram",
                                      code="policy.no_process", params={"process": name[:-len(POLICY_SUFFIX)]})
                    for name in policy_files)
    problems.extend(recursive_call_problems(parsed))
    if problems:
        raise DefinitionError(problems + script_problems)
    if script_problems:
        raise ScriptPolicyError(script_problems)
    return parsed
