"""Running SpiffWorkflow steps while recording what happened and catching every failure of a diagram."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge

from ..clock import Clock
from ..limits import RunLimits, step_budget
from .failures import describe_failure, mark_failed
from .history import prune, prune_after
from .spiff_time import step_clock

log = logging.getLogger(__name__)


def json_safe(value: Any) -> Any:
    """A JSON-compatible copy for the audit log (dates as ISO strings, sets as lists)."""
    return json.loads(json.dumps(value, default=lambda v: sorted(v) if isinstance(v, (set, frozenset)) else str(v)))


@dataclass
class ElementRun:
    task_id: str
    element_id: str
    element_type: str
    changed: dict[str, Any] | None


@dataclass
class StepRecord:
    runs: list[ElementRun] = field(default_factory=list)
    error_element: str | None = None
    error_message: str | None = None

    @property
    def failed(self) -> bool:
        return self.error_message is not None


def element_run(task: Task, with_changes: bool) -> ElementRun | None:
    spec = task.task_spec
    if getattr(spec, "bpmn_id", None) is None:
        return None
    changed = None
    if with_changes:
        parent_data = task.parent.data if task.parent is not None else {}
        updates = DeepMerge.get_updated_keys(parent_data, task.data)
        if updates:
            changed = json_safe(updates)
    return ElementRun(str(task.id), spec.bpmn_id, type(spec).__name__, changed)


def run_guarded(workflow: BpmnWorkflow, action: Callable[[Callable[[Task], None]], None], clock: Clock,
                limits: RunLimits) -> StepRecord:
    """Run `action(did_complete)` and then the engine on `clock`'s time, recording element runs.

    Any failure (a script, an expression, a condition, a multi-instance collection, a timer, a
    correlation, SpiffWorkflow itself) is recorded in the result, not raised: the task it
    happened at is left in ERROR, and `failures.rerun_failed` resumes it.
    """
    record = StepRecord()

    def did_complete(task: Task) -> None:
        run = element_run(task, with_changes=task.task_spec.__class__.__name__ in ("ScriptTask", "BusinessRuleTask"))
        if run is not None:
            record.runs.append(run)
        prune_after(task)
        budget.task_done()

    try:
        with step_clock(clock), step_budget(limits) as budget:
            action(did_complete)
            workflow.do_engine_steps(did_complete_task=did_complete)
    except Exception as exc:  # whatever a diagram makes the engine raise stops the step here
        failure = describe_failure(exc)
        mark_failed(failure)
        record.error_element, record.error_message = failure.element_id, failure.message
        log.info("step failed at %s: %s", failure.element_id or "?", failure.message)
        log.debug("what the failed step raised", exc_info=exc)  # the diagram's fault: its trace is for debugging
    prune(workflow)
    return record
