"""A deployment problem in the designer's language: one template per problem code of the engine
(engine/definitions/problems.py), filled with the problem's parameters. A problem without a code
(or with one this table lacks) keeps the engine's English message."""
from __future__ import annotations

from dataclasses import asdict

from flask_babel import gettext, lazy_gettext

from engine.errors import DefinitionProblem

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
    "lint": lazy_gettext("%(element)s: %(detail)s"),
}


def element_text(problem: DefinitionProblem) -> str:
    if problem.element_name and problem.element_id:
        return gettext("“%(name)s” (%(id)s)", name=problem.element_name, id=problem.element_id)
    return problem.element_name or problem.element_id or gettext("the diagram")


def localized_message(problem: DefinitionProblem) -> str:
    template = TEMPLATES.get(problem.code or "")
    if template is None:
        return problem.message
    try:
        return str(template) % {**problem.params, "element": element_text(problem)}
    except (KeyError, TypeError, ValueError):
        return problem.message


def problem_json(problem: DefinitionProblem) -> dict:
    """file, line, element id and name, code, parameters, and the message in the user's language."""
    row = asdict(problem)
    row["message"] = localized_message(problem)
    return row
