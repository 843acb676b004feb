"""Every script and expression a diagram's element carries, named the way a designer finds it.

One list serves two ends: validation checks each source before anything runs, and a failed step
names what failed ("the condition of flow Flow_1", "the timer expression of event wait").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent, ThrowingEvent
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask, MultiInstanceTask, StandardLoopTask
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity, SubWorkflowTask
from SpiffWorkflow.dmn.specs.business_rule_task_mixin import BusinessRuleTaskMixin
from SpiffWorkflow.specs.base import TaskSpec

from .xml_guard import BPMN_NS

# Gateways keep the ids of their conditional flows here (SpiffWorkflow keeps only the target).
CONDITION_FLOWS = "sqflowConditionFlows"


@dataclass(frozen=True)
class Expression:
    element_id: str      # where a designer fixes it: the flow for a condition, else the element
    what: str            # "script of task compute", "condition of flow Flow_1", ...
    source: str
    mode: str            # "exec" for scripts, "eval" for expressions


def element_noun(task_spec: TaskSpec) -> str:
    """What a designer calls the element: task, event, gateway, multi-instance task, ..."""
    if isinstance(task_spec, MultiInstanceTask):
        return "multi-instance task"
    if isinstance(task_spec, StandardLoopTask):
        return "loop task"
    if isinstance(task_spec, (ExclusiveGateway, InclusiveGateway, ParallelGateway)):
        return "gateway"
    if isinstance(task_spec, (CatchingEvent, ThrowingEvent)):
        return "event"
    if isinstance(task_spec, CallActivity):
        return "call activity"
    if isinstance(task_spec, SubWorkflowTask):
        return "subprocess"
    if isinstance(task_spec, BusinessRuleTaskMixin):
        return "business rule task"
    if isinstance(task_spec, ServiceTask):
        return "service task"
    return "task"


def element_of(task_spec: TaskSpec) -> str:
    """ "task compute", "event wait", "gateway decide" ..."""
    element_id = getattr(task_spec, "bpmn_id", None) or task_spec.name
    return f"{element_noun(task_spec)} {element_id}"


def record_condition_flows(spec: BpmnProcessSpec, tree: etree._ElementTree) -> None:
    """Keep on each gateway spec the id of every conditional flow leaving it, for run-time messages."""
    for task_spec in spec.task_specs.values():
        if not getattr(task_spec, "cond_task_specs", None) or not isinstance(getattr(task_spec, "extensions", None), dict):
            continue
        flows = []
        for flow in tree.iter(f"{{{BPMN_NS}}}sequenceFlow"):
            condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
            if flow.get("sourceRef") == task_spec.bpmn_id and condition is not None:
                flows.append([flow.get("id"), flow.get("targetRef"), (condition.text or "").strip()])
        task_spec.extensions[CONDITION_FLOWS] = flows


def _condition_flow(task_spec: TaskSpec, target: str, condition: str) -> str | None:
    target_spec = task_spec._wf_spec.task_specs.get(target) if task_spec._wf_spec else None
    target_id = getattr(target_spec, "bpmn_id", None) or target
    flows = (getattr(task_spec, "extensions", None) or {}).get(CONDITION_FLOWS) or []
    for flow_id, flow_target, text in flows:
        if flow_target == target_id and text == condition.strip():
            return flow_id
    return next((flow_id for flow_id, _, text in flows if text == condition.strip()), None)


def _event_definitions(task_spec: TaskSpec) -> list:
    event = getattr(task_spec, "event_definition", None)
    if isinstance(event, MultipleEventDefinition):
        return list(event.event_definitions)
    return [event] if event is not None else []


def _event_expressions(task_spec: TaskSpec, element_id: str, who: str) -> Iterator[Expression]:
    for event in _event_definitions(task_spec):
        expression = getattr(event, "expression", None)
        if isinstance(event, TimerEventDefinition):
            what = f"timer expression of {who}"
        elif isinstance(event, ConditionalEventDefinition):
            what = f"condition of {who}"
        elif isinstance(event, MessageEventDefinition):
            what = f"message payload of {who}"
        else:
            what = f"event payload of {who}"
        if expression:
            yield Expression(element_id, what, expression, "eval")
        for prop in [*(getattr(event, "correlation_properties", None) or []),
                     *(getattr(event, "process_correlations", None) or [])]:
            if prop.retrieval_expression:
                yield Expression(element_id, f"correlation property {prop.name} of {who}",
                                 prop.retrieval_expression, "eval")


def expressions_of_task(task_spec: TaskSpec) -> Iterator[Expression]:
    element_id = getattr(task_spec, "bpmn_id", None)
    if element_id is None:
        return
    who = element_of(task_spec)
    for attribute, what, mode in (("script", "script", "exec"), ("prescript", "pre-script", "exec"),
                                  ("postscript", "post-script", "exec")):
        source = getattr(task_spec, attribute, None)
        if source:
            yield Expression(element_id, f"{what} of {who}", source, mode)
    for condition, target in getattr(task_spec, "cond_task_specs", None) or []:
        if condition is not None:
            text = condition.args[0]
            flow_id = _condition_flow(task_spec, target, text)
            what = f"condition of flow {flow_id}" if flow_id else f"condition of the flow from {element_id} to {target}"
            yield Expression(flow_id or element_id, what, text, "eval")
    if isinstance(task_spec, LoopTask):
        if getattr(task_spec, "cardinality", None):
            yield Expression(element_id, f"loop cardinality of {who}", task_spec.cardinality, "eval")
        if getattr(task_spec, "condition", None):
            kind = "loop condition" if isinstance(task_spec, StandardLoopTask) else "completion condition"
            yield Expression(element_id, f"{kind} of {who}", task_spec.condition, "eval")
    yield from _event_expressions(task_spec, element_id, who)
    for name, parameter in (getattr(task_spec, "operation_params", None) or {}).items():
        value = parameter.get("value") if isinstance(parameter, dict) else None
        if value:
            yield Expression(element_id, f"parameter {name} of {who}", value, "eval")
    lane = getattr(task_spec, "lane", None) or ""
    if lane.startswith("="):
        yield Expression(element_id, f"lane expression of {who}", lane[1:], "eval")
    assignee = ((getattr(task_spec, "extensions", None) or {}).get("properties") or {}).get("assignee")
    if assignee:
        yield Expression(element_id, f"assignee expression of {who}", assignee, "eval")


def expressions_of(spec: BpmnProcessSpec) -> Iterator[Expression]:
    seen = set()
    for task_spec in spec.task_specs.values():
        for expression in expressions_of_task(task_spec):
            if expression not in seen:
                seen.add(expression)
                yield expression


def what_evaluated(task_spec: TaskSpec, source: str) -> str | None:
    """Which of the element's expressions `source` is ("script of task compute"), if it is one."""
    for expression in expressions_of_task(task_spec):
        if expression.source == source:
            return expression.what
    return None
