"""Which task holds a case's data now.

SpiffWorkflow keeps data per task, and a workflow's `last_task` is the last task *that workflow*
completed. While a called process (call activity) runs, its tasks complete in a sub-workflow of
their own, so the caller's last task still holds the data from before the call; the case's data is
the called process's, followed down one call at a time. Event sub-processes (e.g. the customer
calling again) are not followed: they work on a copy of the data taken when they are triggered
(`refresh_event_subprocesses`) and do not carry the case on.
"""
from __future__ import annotations

from copy import deepcopy
from typing import Iterator

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity
from SpiffWorkflow.bpmn.util.subworkflow import BpmnBaseWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState


def current_task(workflow: BpmnWorkflow) -> Task:
    """The task whose data is the case's data: the last one completed on the case's main line."""
    current: BpmnBaseWorkflow = workflow
    task = workflow.last_task or workflow.task_tree
    while True:
        called = [sub for sub in _running_calls(workflow, current) if sub.last_task is not None]
        if not called:
            return task
        current = max(called, key=lambda sub: sub.last_task.last_state_change)
        task = current.last_task


def _running_calls(top: BpmnWorkflow, caller_workflow: BpmnBaseWorkflow) -> Iterator[BpmnBaseWorkflow]:
    """The called processes that tasks of `caller_workflow` are running now."""
    for task_id, sub in top.subprocesses.items():
        if sub.completed:
            continue
        caller = top.get_task_from_id(task_id)
        if (caller is not None and caller.workflow is caller_workflow and caller.state == TaskState.STARTED
                and isinstance(caller.task_spec, CallActivity)):
            yield sub


def refresh_event_subprocesses(workflow: BpmnWorkflow) -> None:
    """Before a message or a signal from outside is caught: SpiffWorkflow starts the event sub-process
    it triggers with the data of the instance's start task, so that task takes the case's data as it
    is now; a task inside (e.g. assigned to `received_by`) then sees the case, not its empty start."""
    if getattr(workflow.spec.start, "trigger_specs", None):
        workflow.task_tree.data = deepcopy(current_task(workflow).data)
