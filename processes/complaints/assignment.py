"""Who gets a complaint's department tasks when the diagram does not say.

- The handler who signed for the work order keeps it: its field test and reply go to them (in a
  complaint, and in the plain `work_order` process).
- R-CMP-08: complaints of one batch (the same `batch_id`) are grouped under one handler: the
  sign-for of every later complaint of the batch goes to whoever signed for (or holds the
  sign-for of) the batch's first one in that department.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.persistence.tables import HumanTask, ProcessInstance
from engine.runtime.projection import NewTask

PROCESS = "complaint"
KEPT_BY_SIGNER = {PROCESS: ("field_test", "reply"), "work_order": ("reply",)}


def complaint_assignee(session: Session, task: NewTask) -> str | None:
    if task.element_id in KEPT_BY_SIGNER.get(task.process_id, ()):
        return task.completed_now.get("sign_for") or signed_for_by(session, task.instance_id)
    if task.process_id != PROCESS:
        return None
    if task.element_id == "sign_for" and task.data.get("batch_id"):
        return batch_handler(session, str(task.data["batch_id"]), task.candidate_group, task.instance_id)
    return None


def signed_for_by(session: Session, instance_id: int) -> str | None:
    return session.scalar(select(HumanTask.completed_by).where(
        HumanTask.instance_id == instance_id, HumanTask.element_id == "sign_for", HumanTask.state == "completed",
    ).order_by(HumanTask.completed_at.desc()).limit(1))


def batch_handler(session: Session, batch_id: str, group: str | None, instance_id: int) -> str | None:
    """The handler of a batch in a department: who signed for its earliest complaint there, or holds it."""
    sign_fors = (select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                 .where(ProcessInstance.process_id == PROCESS, ProcessInstance.id != instance_id,
                        ProcessInstance.attributes["batch_id"].as_string() == batch_id,
                        HumanTask.element_id == "sign_for", HumanTask.candidate_group == group)
                 .order_by(HumanTask.created_at, HumanTask.id))
    for row in session.scalars(sign_fors.limit(20)):
        who = row.completed_by if row.state == "completed" else row.assignee if row.state == "open" else None
        if who:
            return who
    return None
