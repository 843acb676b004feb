"""Marking a case's data from outside its diagram at the moment something becomes true (e.g. an SLA
breach makes a complaint appealable, R-SLA-02), as one recorded step.

SpiffWorkflow copies data into a task when it becomes ready, so the values go to the case's current
task and to every task already waiting or running (in the main process and the processes it calls):
whatever the case does next carries them on.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session
from SpiffWorkflow.util.task import TaskState

from ..persistence.database import step_reads
from .case_data import current_task
from .instance_store import InstanceRow
from .journal import Journal
from .projection import Snapshot
from .stepping import json_safe, run_guarded

if TYPE_CHECKING:
    from .instances import InstanceService

UNFINISHED = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def mark_case(service: "InstanceService", session: Session, instance_id: int, values: dict[str, Any], *,
              by: str, reason: str) -> bool:
    """Set `values` in an active case's data; False when the case is no longer active."""
    values = json_safe(dict(values))
    with step_reads(session) as reads:
        instance = InstanceRow.of(service._store.instance(reads, instance_id))
        if instance.state != "active":
            return False
        workflow = service._load(reads, instance)
    before = Snapshot.of(workflow)
    journal = Journal(session, instance.id, service._clock.now())
    journal.add(by, "case.marked", details={"reason": reason, "changed": values})

    def mark(_did_complete) -> None:
        tasks = [current_task(workflow), *workflow.get_tasks(state=UNFINISHED)]
        for sub in workflow.subprocesses.values():
            tasks.extend(sub.get_tasks(state=UNFINISHED))
        for task in tasks:
            task.data.update(values)

    record = run_guarded(workflow, mark, service._clock, service._limits)
    service._save(session, instance, workflow, before, record, journal)
    return True
