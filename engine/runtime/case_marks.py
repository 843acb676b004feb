"""Marking a case's data from outside its diagram at the moment something becomes true (e.g. an SLA
breach makes a complaint appealable, R-SLA-02), as one recorded step.

SpiffWorkflow copies data into a task when it becomes ready, so the values go to the case's current
task and to every task already waiting or running (in the main process and the processes it calls):
whatever the case does next carries them on.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from .case_data import current_task
from .stepping import json_safe

if TYPE_CHECKING:
    from .instances import InstanceService

UNFINISHED = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def mark_case(service: "InstanceService", session: Session, instance_id: int, values: dict[str, Any], *,
              by: str, reason: str) -> bool:
    """Set `values` in an active case's data; False when the case is no longer active."""
    values = json_safe(dict(values))

    def mark(workflow: BpmnWorkflow) -> None:
        tasks = [current_task(workflow), *workflow.get_tasks(state=UNFINISHED)]
        for sub in workflow.subprocesses.values():
            tasks.extend(sub.get_tasks(state=UNFINISHED))
        for task in tasks:
            task.data.update(values)

    details = {"reason": reason, "changed": values}
    return service.step_on_active(session, instance_id, by, "case.marked", details, mark) is not None
