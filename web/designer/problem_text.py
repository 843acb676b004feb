"""A deployment problem in the designer's language: one template per problem code of the engine
(engine/definitions/problems.py), filled with the problem's parameters. A problem without a code
(or with one this table lacks) keeps the engine's English message. Every problem the engine makes has a code;
the designer's own (uploads, the draft) carry theirs with a message already in the user's language."""
from __future__ import annotations

from dataclasses import asdict
from typing import Iterable

from flask_babel import gettext, lazy_gettext

from engine.errors import DefinitionError, DefinitionProblem

TEMPLATES = {
    "camunda.groups_several": lazy_gettext(
        "%(element)s offers the task to several groups (%(groups)s); sqflow gives a task to one group: "
        "name one group"),
    "camunda.users_several": lazy_gettext(
        "%(element)s offers the task to several people (%(users)s); sqflow gives a task to one person or "
        "one group: name one person, or a group"),
    "camunda.form_unmatched": lazy_gettext(
        "%(element)s names the form %(form_key)s, but no form file %(expected)s is deployed with the diagram: "
        "add %(expected)s to the files you deploy"),
    "camunda.service_unknown": lazy_gettext(
        "%(element)s calls %(service)s, which is not a service registered with sqflow (registered: "
        "%(registered)s): register it, or do the work in a script task"),
    "camunda.expression": lazy_gettext(
        "%(what)s of %(element)s is %(expression)s, which sqflow cannot run (only variable comparisons such "
        "as ${approved} are translated): write it in Python"),
    "camunda.script_language": lazy_gettext(
        "%(element)s is written in %(language)s (%(script)s); sqflow runs Python only: rewrite it in Python"),
    "camunda.listener": lazy_gettext(
        "%(element)s has a listener (%(target)s); sqflow runs no listeners: do that work in a script task"),
    "camunda.extension": lazy_gettext(
        "%(element)s uses camunda:%(extension)s, which sqflow does not run: remove it"),
    "camunda.io_value": lazy_gettext(
        "%(element)s maps %(name)s with camunda:%(kind)s; sqflow reads plain values and ${variable} only"),
    "camunda.call_mapping": lazy_gettext(
        "%(element)s passes only some variables (%(detail)s); a called process sees all the caller's data: "
        "remove the mapping"),
    "import.missing": lazy_gettext(
        "the diagram imports %(location)s, which is not among the files deployed: deploy them together"),
    "dmn.hit_policy": lazy_gettext(
        "decision %(element)s has the hit policy %(policy)s, which sqflow does not run: use UNIQUE, FIRST, "
        "PRIORITY, ANY or COLLECT"),
    "dmn.unique_overlap": lazy_gettext(
        "rules %(first)s and %(second)s of decision %(element)s can both match (for instance %(example)s); "
        "make them exclusive or use the hit policy FIRST"),
    "dmn.any_conflict": lazy_gettext(
        "rules %(first)s and %(second)s of decision %(element)s can both match with different outputs: make "
        "them equal or use FIRST"),
    "dmn.priority_values": lazy_gettext(
        "decision %(element)s has the hit policy PRIORITY, but its output %(output)s lists no allowed values "
        "in order: list them, highest priority first"),
    "dmn.aggregation": lazy_gettext(
        "decision %(element)s collects with %(aggregation)s; sqflow collects lists only: remove the "
        "aggregation"),
    "dmn.feel": lazy_gettext("%(what)s of decision %(element)s is %(expression)s, which sqflow cannot read"),
    "parse.task_split": lazy_gettext(
        "%(element)s has %(count)s outgoing flows; a task leaves by one flow: split with a parallel gateway "
        "or choose with an exclusive gateway"),
    "parse.data_association": lazy_gettext(
        "%(element)s writes to %(target)s, which is not a data object of this process"),
    "parse.subprocess_start": lazy_gettext(
        "subprocess %(element)s has %(count)s start events; it needs exactly one blank start event"),
    "parse.flow_condition": lazy_gettext(
        "flow %(element)s leaves an exclusive gateway without a condition and is not its default: give it a "
        "condition or make it the default flow"),
    "parse.data_store": lazy_gettext("%(element)s is a data store, which sqflow does not have: use a data "
                                     "object"),
    "parse.service_operator": lazy_gettext(
        "%(element)s is a service task with no service: do the work in a script task, or name a registered "
        "service"),
    "parse.other": lazy_gettext("%(element)s cannot be read: %(detail)s"),
    "parse.xsd": lazy_gettext("%(element)s does not follow the BPMN 2.0 schema: %(detail)s"),
}
# The older problem kinds (engine/definitions: files, XML, forms, timers, groups, scripts, starters).
TEMPLATES.update({
    "file.too_large": lazy_gettext("the file is %(size)s bytes; the limit is %(limit)s bytes"),
    "xml.doctype": lazy_gettext("DOCTYPE and ENTITY declarations are not allowed: remove them"),
    "xml.malformed": lazy_gettext("the file is not well-formed XML"),
    "xml.xinclude": lazy_gettext("XInclude is not allowed: remove it"),
    "xml.external_import": lazy_gettext(
        "the diagram imports %(location)s from outside; deploy the files together instead"),
    "starters.entry": lazy_gettext(
        "the starter %(entry)s is not understood: write role:<role>, group:<group>, or none"),
    "starters.none_combined": lazy_gettext(
        "the starters none (only other processes start it) cannot be combined with others"),
    "call.recursive": lazy_gettext("%(element)s calls processes in a circle that never finishes: %(cycle)s"),
    "timer.no_time": lazy_gettext("the timer of %(element)s has no time: give it a date, a duration or a cycle"),
    "timer.empty": lazy_gettext("the %(kind)s of %(element)s is empty: write a value or an expression"),
    "timer.value": lazy_gettext("the %(kind)s of %(element)s is %(value)s, which this kind of timer cannot use"),
    "lane.unknown_group": lazy_gettext(
        "the lane %(group)s names no group: create the group first or rename the lane"),
    "starters.unknown_group": lazy_gettext(
        "the starter group %(group)s does not exist: create it first or change the starters"),
    "dmn.expression": lazy_gettext("%(element)s of a decision cannot be run: %(objection)s"),
    "script.refused": lazy_gettext("the script or expression of %(element)s cannot be run: %(objection)s"),
    "service.none": lazy_gettext(
        "%(element)s calls the service %(service)s, but sqflow has no services to call: use a script task"),
    "form.outside_ref": lazy_gettext(
        "the form refers outside itself (%(value)s at %(where)s): refer only to its own parts"),
    "form.dangling_ref": lazy_gettext("the form refers to %(value)s at %(where)s, which does not exist"),
    "form.not_json": lazy_gettext("the form is not valid JSON"),
    "form.not_object": lazy_gettext("a form schema is a JSON object"),
    "form.unknown_draft": lazy_gettext(
        "the form names the JSON Schema draft %(draft)s, which is not known: leave it out"),
    "form.invalid_schema": lazy_gettext("the form is not a valid JSON Schema at %(where)s"),
    "form.pattern": lazy_gettext(
        "the pattern %(pattern)s at %(where)s cannot be checked in linear time: write it without back-"
        "references or look-arounds"),
    "unsupported.element": lazy_gettext(
        "%(element)s is a %(type)s, which sqflow does not run: remove it or draw it another way"),
    "deploy.no_files": lazy_gettext("no files were given"),
    "upload.not_multipart": lazy_gettext("send the files as multipart/form-data, in the field files"),
    "file.duplicate_name": lazy_gettext("two different files have this name: rename one"),
    "form.duplicate_name": lazy_gettext("another form is also named %(name)s: rename one"),
    "file.unknown_kind": lazy_gettext("the file is not a BPMN 2.0 or DMN document"),
    "deploy.no_bpmn": lazy_gettext("there is no .bpmn diagram among the files"),
    "process.not_executable": lazy_gettext(
        "%(element)s is not executable: mark the process as executable to deploy it"),
    "form.missing": lazy_gettext("%(element)s uses the form %(form)s, which is not among the files deployed: add it"),
    "deploy.dmn_alone": lazy_gettext(
        "there is no process to deploy: deploy a decision file together with the diagram that uses it"),
    "policy.invalid": lazy_gettext("the SLA policy file cannot be used: %(reason)s"),
    "policy.no_process": lazy_gettext(
        "no process deployed with it is called %(process)s: deploy the policy file together with its diagram"),
    "policy.misnamed": lazy_gettext("the SLA policies of %(process)s ship as %(expected)s: rename the file"),
    "layout.no_node": lazy_gettext("auto-layout needs Node.js on this server"),
    "layout.timeout": lazy_gettext("auto-layout took too long"),
    "layout.failed": lazy_gettext("auto-layout failed on this diagram"),
})
# The modeler's lint rules, run by the server's validation (engine/definitions/lint.py): one per rule.
TEMPLATES.update({
    "lint.sqflow/timer-has-time": lazy_gettext(
        "the timer of %(element)s has no time: give it a date, a duration or a cycle"),
    "lint.sqflow/script-required": lazy_gettext("%(element)s has no script: write one"),
    "lint.sqflow/decision-required": lazy_gettext("%(element)s names no decision: choose a decision table"),
    "lint.sqflow/called-element-required": lazy_gettext("%(element)s names no process: choose the process it calls"),
    "lint.sqflow/message-required": lazy_gettext("%(element)s names no message: choose a message"),
    "lint.sqflow/supported-elements": lazy_gettext(
        "%(element)s is an element sqflow cannot run (%(type)s): remove it or draw it another way"),
    "lint.sqflow/user-task-has-group": lazy_gettext(
        "%(element)s has no group: draw it in a lane named after a group, or give it an assignee"),
    "lint.no-disconnected": lazy_gettext(
        "%(element)s is not connected: connect it with sequence flows, or remove it"),
    "lint.start-event-required": lazy_gettext("%(element)s has no start event: add one"),
    "lint.end-event-required": lazy_gettext("%(element)s has no end event: add one"),
    "lint.single-blank-start-event": lazy_gettext("%(element)s has more than one blank start event: keep one"),
    "lint.sub-process-blank-start-event": lazy_gettext("%(element)s must be a blank start event in a sub-process"),
    "lint.event-sub-process-typed-start-event": lazy_gettext(
        "%(element)s starts an event sub-process and needs an event type"),
    "lint.single-event-definition": lazy_gettext("%(element)s has more than one event definition: keep one"),
    "lint.no-duplicate-sequence-flows": lazy_gettext("%(element)s duplicates another sequence flow: remove one"),
    "lint.event-based-gateway": lazy_gettext(
        "%(element)s: an event-based gateway needs at least two outgoing flows, none conditional"),
    "lint.link-event": lazy_gettext("%(element)s has no matching link event in its scope"),
    "lint.no-complex-gateway": lazy_gettext(
        "%(element)s is a complex gateway: use an exclusive, parallel or inclusive gateway"),
    "lint.ad-hoc-sub-process": lazy_gettext("%(element)s: an ad-hoc sub-process holds no start or end event"),
    "lint.conditional-flows": lazy_gettext("%(element)s needs a condition, or make it the default flow"),
    "lint.no-implicit-split": lazy_gettext("%(element)s splits the flow without a gateway: split with a gateway"),
    "lint.no-implicit-start": lazy_gettext("%(element)s has no incoming flow: connect it, or make it a start event"),
    "lint.no-implicit-end": lazy_gettext("%(element)s has no outgoing flow: connect it, or make it an end event"),
    "lint.no-gateway-join-fork": lazy_gettext("%(element)s joins and forks at once: split it into two gateways"),
    "lint.fake-join": lazy_gettext(
        "several flows enter %(element)s without a joining gateway: join them with a gateway first"),
    "lint.label-required": lazy_gettext("%(element)s has no name: give it one"),
    "lint.no-bpmndi": lazy_gettext("%(element)s is not drawn: lay out the diagram"),
    "lint.no-inclusive-gateway": lazy_gettext(
        "%(element)s is an inclusive gateway: prefer exclusive or parallel ones"),
    "lint.no-overlapping-elements": lazy_gettext("%(element)s overlaps another element: move it"),
    "lint.superfluous-gateway": lazy_gettext("%(element)s has one way in and one way out: remove it"),
    "lint.superfluous-termination": lazy_gettext("%(element)s: the terminate end event is superfluous"),
    "lint.global": lazy_gettext("%(element)s is defined globally but not used: remove it"),
    "lint.other": lazy_gettext("%(element)s: a drawing rule (%(rule)s) objects"),
    "lint.unavailable": lazy_gettext(
        "the modeler's drawing rules could not run on the server, so the diagram was checked without them"),
})


ELEMENT_TYPES = {
    "process": lazy_gettext("the process"), "startEvent": lazy_gettext("start event"),
    "endEvent": lazy_gettext("end event"), "sequenceFlow": lazy_gettext("sequence flow"),
    "exclusiveGateway": lazy_gettext("exclusive gateway"), "parallelGateway": lazy_gettext("parallel gateway"),
    "inclusiveGateway": lazy_gettext("inclusive gateway"), "eventBasedGateway": lazy_gettext("event-based gateway"),
    "userTask": lazy_gettext("user task"), "scriptTask": lazy_gettext("script task"),
    "serviceTask": lazy_gettext("service task"), "businessRuleTask": lazy_gettext("business rule task"),
    "callActivity": lazy_gettext("call activity"), "subProcess": lazy_gettext("sub-process"),
    "intermediateCatchEvent": lazy_gettext("intermediate event"),
    "intermediateThrowEvent": lazy_gettext("intermediate event"), "boundaryEvent": lazy_gettext("boundary event"),
    "lane": lazy_gettext("lane"), "task": lazy_gettext("task"), "manualTask": lazy_gettext("manual task"),
}


def element_text(problem: DefinitionProblem) -> str:
    if problem.element_name and problem.element_id:
        return gettext("“%(name)s” (%(id)s)", name=problem.element_name, id=problem.element_id)
    kind = ELEMENT_TYPES.get(str(problem.params.get("element_type", "")))
    if kind is not None and problem.element_id:
        return gettext("%(kind)s %(id)s", kind=kind, id=problem.element_id)
    return problem.element_name or problem.element_id or gettext("the diagram")


def localized_message(problem: DefinitionProblem) -> str:
    template = TEMPLATES.get(problem.code or "")
    if template is None:
        return problem.message
    params = dict(problem.params)
    if "objection" in params:  # the sandbox's English, in the designer's words
        from .editor_api import readable_objection  # editor_api imports this module
        params["objection"] = readable_objection(str(params["objection"]))
    try:
        return str(template) % {**params, "element": element_text(problem)}
    except (KeyError, TypeError, ValueError):
        return problem.message


def problem_json(problem: DefinitionProblem) -> dict:
    """file, line, element id and name, code, parameters, and the message in the user's language."""
    row = asdict(problem)
    row["message"] = localized_message(problem)
    return row


def warnings_json(processes: Iterable) -> list[dict]:
    """The warnings of validated processes (the modeler's lint: shown with a deployment, not refused), once each."""
    return [problem_json(w) for w in dict.fromkeys(w for process in processes for w in process.warnings)]


def refusal_warnings_json(error: DefinitionError) -> list[dict]:
    """The lint's warnings that came with a refusal."""
    return [problem_json(w) for w in error.warnings]
