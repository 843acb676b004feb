"""A first responder's own cases until closure (首问负责制), and a caller's cases found by phone number.

A person owns a case they started or whose first responder they are (`received_by`, a field the
complaint keeps on the case). For each case: the tasks open now (its stage and who holds it), its
running deadlines, and the latest answer the handling department gave the customer.

A caller's cases (the customer calling again while a case is open gets no new ticket) are found by
the exact phone number the caller gives: every first responder must find an open case of the caller,
whoever received it, so open cases are listed even when the person does not otherwise see them, but
then only with what identifies the ticket (number, stage, who received it), never the customer's data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..people.directory import User
from ..people.visibility import case_condition
from ..persistence.tables import AuditEntry, HumanTask, ProcessInstance
from ..runtime.views import TaskView
from ..sla.reports import OpenSla, open_slas

OPEN_STATES = ("active", "suspended", "error")
CLOSED_STATES = ("completed", "terminated")
ANSWERING_TASK, ANSWER_FIELD = "reply", "answer"  # the task whose completion answers the customer
RECORDING_TASK = "intake"  # the task that records the contact
OWNER_FIELD, PHONE_FIELD = "received_by", "customer_phone"
NOT_DIGITS = re.compile(r"[^0-9]")


@dataclass(frozen=True)
class Answer:
    text: str
    by: str
    at: datetime


@dataclass(frozen=True)
class OwnedCase:
    id: int
    process_id: str
    business_key: str | None
    state: str
    started_by: str
    started_at: datetime
    ended_at: datetime | None
    attributes: dict[str, Any]
    open_tasks: list[TaskView] = field(default_factory=list)
    deadlines: list[OpenSla] = field(default_factory=list)
    answer: Answer | None = None
    recorded: dict[str, Any] = field(default_factory=dict)  # the contact as its first responder recorded it

    @property
    def facts(self) -> dict[str, Any]:
        """The case's fields: as recorded at intake, updated by what the case keeps since."""
        return {**self.recorded, **self.attributes}

    def task_for(self, login: str) -> TaskView | None:
        """The case's open task waiting for `login` (e.g. the callback that closes it), if any."""
        return next((task for task in self.open_tasks if task.assignee == login), None)

    @property
    def soonest_due(self) -> datetime | None:
        dues = [sla.due_at for sla in self.deadlines] + [t.due_at for t in self.open_tasks if t.due_at]
        return min(dues) if dues else None


@dataclass(frozen=True)
class CallerCase:
    """A case of the caller's phone number; `seen`: the person may open it (else identification only)."""
    id: int
    business_key: str | None
    state: str
    started_at: datetime
    ended_at: datetime | None
    received_by: str | None
    stage: list[str]
    category: str | None
    customer_name: str | None
    seen: bool

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


def owns(login: str):
    """The condition on instances: `login` started the case or is its first responder."""
    return or_(ProcessInstance.started_by == login, ProcessInstance.attributes[OWNER_FIELD].as_string() == login)


def owned_cases(session: Session, user: User, now: datetime, *, closed: bool = False,
                limit: int = 100) -> list[OwnedCase]:
    """Open cases first needing the person (a task of the case waits for them), then by the soonest
    deadline; or (`closed`) the most recently closed ones."""
    query = select(ProcessInstance).where(owns(user.login),
                                          ProcessInstance.state.in_(CLOSED_STATES if closed else OPEN_STATES))
    order = ProcessInstance.ended_at.desc() if closed else ProcessInstance.started_at.desc()
    rows = session.scalars(query.order_by(order, ProcessInstance.id.desc()).limit(limit)).all()
    tasks = _open_tasks(session, [row.id for row in rows])
    answers = latest_answers(session, [row.id for row in rows])
    recorded = _recorded(session, [row.id for row in rows])
    cases = [OwnedCase(row.id, row.process_id, row.business_key, row.state, row.started_by, row.started_at,
                       row.ended_at, dict(row.attributes or {}), tasks.get(row.id, []),
                       [] if closed else open_slas(session, now, instance_id=row.id), answers.get(row.id),
                       recorded.get(row.id, {}))
             for row in rows]
    if closed:
        return cases
    far = now + timedelta(days=36500)
    return sorted(cases, key=lambda case: (case.task_for(user.login) is None, case.soonest_due or far))


def latest_answers(session: Session, instance_ids: list[int]) -> dict[int, Answer]:
    """Each case's latest answer to the customer (from the completion of its answering task)."""
    found: dict[int, Answer] = {}
    for row in _completions(session, instance_ids, ANSWERING_TASK):
        text = ((row.details or {}).get("data") or {}).get(ANSWER_FIELD)
        if isinstance(text, str) and text.strip():
            found[row.instance_id] = Answer(text.strip(), row.actor, row.at)
    return found


def _recorded(session: Session, instance_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each case's contact as recorded (the data its recording task was completed with)."""
    return {row.instance_id: dict((row.details or {}).get("data") or {})
            for row in _completions(session, instance_ids, RECORDING_TASK)}


def _completions(session: Session, instance_ids: list[int], element: str) -> list[AuditEntry]:
    """The completions of tasks of `element` in these cases, oldest first."""
    if not instance_ids:
        return []
    return list(session.scalars(select(AuditEntry).where(
        AuditEntry.instance_id.in_(instance_ids), AuditEntry.event == "task.completed",
        AuditEntry.element_id == element).order_by(AuditEntry.id)))


def phone_digits(phone: str) -> str:
    return NOT_DIGITS.sub("", phone or "")


def caller_cases(session: Session, user: User, phone: str, now: datetime, *, process_id: str,
                 recent_days: int, limit: int = 10) -> list[CallerCase]:
    """The cases of `process_id` whose customer phone is `phone` (dashes and spaces ignored): the open
    ones first, then those closed in the last `recent_days` (the branch's repeat window: a closed case
    older than that cannot be named as repeated) that the person sees. Fewer than 7 digits
    find nothing: a number is looked up, never guessed at."""
    digits = phone_digits(phone)
    if len(digits) < 7:
        return []
    recent = or_(ProcessInstance.state.in_(OPEN_STATES), ProcessInstance.ended_at >= now - timedelta(days=recent_days))
    return _caller_cases(session, user, digits, recent, process_id, limit)


def caller_case(session: Session, user: User, instance_id: int, phone: str, *, process_id: str) -> CallerCase | None:
    """The open case `instance_id` if its customer phone is `phone` (what a first responder may remind)."""
    digits = phone_digits(phone)
    if len(digits) < 7:
        return None
    found = _caller_cases(session, user, digits, ProcessInstance.id == instance_id, process_id, 1)
    return found[0] if found and found[0].is_open else None


def _caller_cases(session: Session, user: User, digits: str, condition, process_id: str,
                  limit: int) -> list[CallerCase]:
    stored = func.replace(func.replace(ProcessInstance.attributes[PHONE_FIELD].as_string(), "-", ""), " ", "")
    seen = case_condition(user)
    rows = session.execute(select(ProcessInstance, seen.label("seen")).where(
        ProcessInstance.process_id == process_id, stored == digits, condition,
        or_(seen, ProcessInstance.state.in_(OPEN_STATES)))
        .order_by(ProcessInstance.started_at.desc(), ProcessInstance.id.desc()).limit(limit)).all()
    tasks = _open_tasks(session, [row.id for row, _ in rows])
    found = [CallerCase(row.id, row.business_key, row.state, row.started_at, row.ended_at,
                        (row.attributes or {}).get(OWNER_FIELD) or row.started_by,
                        [task.name for task in tasks.get(row.id, [])],
                        (row.attributes or {}).get("category") if visible else None,
                        (row.attributes or {}).get("customer_name") if visible else None, bool(visible))
             for row, visible in rows]
    return sorted(found, key=lambda case: not case.is_open)


def _open_tasks(session: Session, instance_ids: list[int]) -> dict[int, list[TaskView]]:
    if not instance_ids:
        return {}
    found: dict[int, list[TaskView]] = {}
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id.in_(instance_ids), HumanTask.state == "open")
                           .order_by(HumanTask.created_at, HumanTask.id))
    for row in rows:
        found.setdefault(row.instance_id, []).append(TaskView.of(row))
    return found
