"""What team leads and department heads oversee: their department (its own inbox and the groups that
belong to it), its cases by state, and the open tasks of their groups that are late or about to be.

A team lead (role `team_lead`) or a department head (member of the `department_head` group) oversees
the department their account names; managers oversee the whole branch.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..people.desk import InboxFilter, InboxRow, WorkDesk
from ..people.directory import User
from ..people.visibility import case_condition
from ..persistence.tables import Group, HumanTask, ProcessInstance
from ..runtime.queries import INSTANCE_STATES, Page
from ..runtime.views import TaskView

DEPARTMENT_HEADS = "department_head"
LATE = ("breached", "warning")
CHASES = "x-chases"  # a chase task's form names the task it chases (e.g. the sign-for of the work order)


def overseen_department(user: User) -> str | None:
    """The department a team lead or department head oversees (None: they oversee none)."""
    if user.department and ("team_lead" in user.roles or DEPARTMENT_HEADS in user.groups):
        return user.department
    return None


def leads_team(user: User) -> bool:
    """Team leads and department heads watch their groups' late tasks."""
    return "team_lead" in user.roles or DEPARTMENT_HEADS in user.groups


def department_groups(session: Session, department: str) -> set[str]:
    """The department itself (its inbox) and the groups that belong to it."""
    names = session.scalars(select(Group.name).where(or_(Group.name == department, Group.department == department)))
    return {department, *names}


def cases_by_state(session: Session, user: User) -> dict[str, int]:
    """How many cases the person sees (a team lead: those of their department) are in each state."""
    counts = dict(session.execute(select(ProcessInstance.state, func.count()).where(case_condition(user))
                                  .group_by(ProcessInstance.state)).all())
    return {state: counts.get(state, 0) for state in INSTANCE_STATES}


@dataclass(frozen=True)
class LateTask:
    row: InboxRow
    chase: TaskView | None  # the open chase task of its case, if the lateness is being chased


@dataclass(frozen=True)
class ChaseTask:
    task: TaskView
    business_key: str | None
    chased: TaskView | None  # the late task it chases, with who holds it (None: done meanwhile)


def late_tasks(session: Session, desk: WorkDesk, user: User, chased_elements: dict[str, str],
               limit: int = 200) -> list[LateTask]:
    """The open tasks of the person's groups (a team lead sees the claimed ones too) whose deadline is
    missed or in warning, soonest due first, each with its case's open chase task."""
    rows = [row for standing in LATE
            for row in desk.inbox(session, user, InboxFilter(sla=standing), Page(limit))]
    rows.sort(key=lambda row: (row.task.due_at is None, row.task.due_at, row.task.id))
    chases = _open_of(session, {row.task.instance_id for row in rows}, set(chased_elements))
    return [LateTask(row, next(iter(chases.get(row.task.instance_id, {}).values()), None)) for row in rows[:limit]]


def chase_tasks(session: Session, user: User, chased_elements: dict[str, str], limit: int = 200) -> list[ChaseTask]:
    """The open chase tasks of the person's groups or held by them, oldest first, each naming the late
    task it chases. `chased_elements` maps a chase task's element to the element it chases."""
    if not chased_elements:
        return []
    mine = or_(HumanTask.assignee == user.login, HumanTask.candidate_group.in_(sorted(user.groups)))
    rows = session.execute(select(HumanTask, ProcessInstance.business_key)
                           .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                           .where(HumanTask.state == "open", mine, HumanTask.element_id.in_(sorted(chased_elements)))
                           .order_by(HumanTask.created_at, HumanTask.id).limit(limit)).all()
    chased = _open_of(session, {row.instance_id for row, _ in rows}, set(chased_elements.values()))
    return [ChaseTask(TaskView.of(row), key, chased.get(row.instance_id, {}).get(chased_elements[row.element_id]))
            for row, key in rows]


@dataclass(frozen=True)
class RemindedTask:
    task: TaskView
    business_key: str | None
    reminders: int                  # how often the customer called again about the case (催办)


def often_reminded(session: Session, user: User, at_least: int, limit: int = 200) -> list[RemindedTask]:
    """The open tasks of the person's groups whose case the customer has chased `at_least` times (the
    branch's reminder escalation count), the most chased first."""
    if not user.groups:
        return []
    reminders = ProcessInstance.attributes["reminders"].as_integer()
    rows = session.execute(select(HumanTask, ProcessInstance.business_key, reminders)
                           .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                           .where(HumanTask.state == "open", HumanTask.candidate_group.in_(sorted(user.groups)),
                                  ProcessInstance.state == "active", reminders >= at_least)
                           .order_by(reminders.desc(), HumanTask.created_at, HumanTask.id).limit(limit)).all()
    return [RemindedTask(TaskView.of(row), key, count) for row, key, count in rows]


def chased_elements(forms: dict[str, dict]) -> dict[str, str]:
    """Chase task element -> the element it chases, from a definition's forms (`x-chases`)."""
    return {element: schema[CHASES] for element, schema in forms.items()
            if isinstance(schema, dict) and isinstance(schema.get(CHASES), str)}


def _open_of(session: Session, instance_ids: set[int], elements: set[str]) -> dict[int, dict[str, TaskView]]:
    """The open tasks of these elements in these cases, by case and element."""
    if not instance_ids or not elements:
        return {}
    rows = session.scalars(select(HumanTask).where(
        HumanTask.instance_id.in_(sorted(instance_ids)), HumanTask.state == "open",
        HumanTask.element_id.in_(sorted(elements))).order_by(HumanTask.created_at, HumanTask.id))
    found: dict[int, dict[str, TaskView]] = {}
    for row in rows:
        found.setdefault(row.instance_id, {})[row.element_id] = TaskView.of(row)
    return found


def case_keys(session: Session, instance_ids: list[int]) -> dict[int, str]:
    """The business key (e.g. the complaint number) of each of these cases that has one."""
    if not instance_ids:
        return {}
    rows = session.execute(select(ProcessInstance.id, ProcessInstance.business_key).where(
        ProcessInstance.id.in_(sorted(set(instance_ids))), ProcessInstance.business_key.is_not(None)))
    return dict(rows.tuples().all())
