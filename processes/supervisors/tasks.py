"""What one open task of a multi-instance step is about (which candidate to review or score).

The panel's inbox shows a task's item (e.g. `assignment`: reviewer and applicant) so each member
knows whom they score; the engine's task rows do not carry it.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.orm import Session

from engine import Engine
from engine.errors import TaskNotOpen
from engine.persistence.tables import ProcessInstance


def task_item(engine: Engine, session: Session, task_id: str, name: str) -> Any:
    """The value of `name` (a multi-instance input item) in the open task `task_id`."""
    task = engine.instances.task(session, task_id)
    row = session.get(ProcessInstance, task.instance_id, populate_existing=True)
    definition = engine.definitions.get(session, row.definition_id)
    workflow = engine.codec.loads(row.workflow_state, row.serializer_version,
                                  engine.definitions.specs(definition).spec,
                                  engine.definitions.subprocess_specs(session, definition, row.called_definitions))
    found = workflow.get_task_from_id(UUID(task.id))
    if found is None:
        raise TaskNotOpen(f"task {task_id} is no longer waiting")
    return found.data.get(name)
