"""The inbox query, shaped for the indexes so a page costs the same with 100 or 100,000 open tasks.

A task reaches a person's inbox by one of a few branches: assigned to them, or open in one of
their groups (unclaimed; team leads see claimed ones too). Each branch is read in due order from
its own index and cut at `offset + limit` rows (tasks with a deadline and without one separately,
so the index order holds), and only the union of those short lists is sorted and paged. A single
query with `OR` would read every visible task and sort them all.
"""
from __future__ import annotations

from sqlalchemy import Select, func, select, union
from sqlalchemy.sql.elements import ColumnElement

from ..persistence.tables import HumanTask, ProcessInstance
from .directory import User

ORDER = (HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id)


def branches(user: User, scope: str) -> list[list[ColumnElement]]:
    is_open = HumanTask.state == "open"
    found = []
    if scope in ("all", "mine"):
        found.append([HumanTask.assignee == user.login, is_open])
    if scope in ("all", "unclaimed"):
        leads = scope == "all" and "team_lead" in user.roles
        for group in sorted(user.groups):
            branch = [HumanTask.candidate_group == group, is_open]
            if not leads:
                branch.append(HumanTask.assignee.is_(None))
            found.append(branch)
    return found


def _ordered(branch: list[ColumnElement], on_task: list[ColumnElement], on_instance: list[ColumnElement],
             dated: bool, take: int | None) -> Select:
    """One branch's tasks (with or without a deadline) in due order. Filters on the case are checked
    row by row after the branch's own rows are listed, so the planner never starts from every
    instance because it misjudges how many match an attribute."""
    order = (HumanTask.due_at, HumanTask.created_at, HumanTask.id) if dated else (HumanTask.created_at, HumanTask.id)
    query = select(HumanTask.id, HumanTask.due_at, HumanTask.created_at, HumanTask.instance_id).where(
        *branch, *on_task, HumanTask.due_at.is_not(None) if dated else HumanTask.due_at.is_(None))
    if on_instance:
        listed = query.cte().prefix_with("MATERIALIZED")
        query = select(listed.c.id, listed.c.due_at, listed.c.created_at, listed.c.instance_id).where(
            _case_matches(listed.c.instance_id, on_instance))
        order = tuple(listed.c[column.key] for column in order)
    query = query.order_by(*order)
    return query.limit(take) if take is not None else query


def page_ids(user: User, scope: str, on_task: list[ColumnElement], on_instance: list[ColumnElement],
             limit: int, offset: int) -> Select | None:
    """The ids (with their sort keys) of one inbox page, or None when the scope reaches no task."""
    parts = [select(_ordered(branch, on_task, on_instance, dated, limit + offset).subquery())
             for branch in branches(user, scope) for dated in (True, False)]
    if not parts:
        return None
    return union(*parts).subquery("page") if len(parts) > 1 else parts[0].subquery("page")


def count(user: User, scope: str, on_task: list[ColumnElement], on_instance: list[ColumnElement]) -> Select | None:
    parts = []
    for branch in branches(user, scope):
        query = select(HumanTask.id).where(*branch, *on_task)
        if on_instance:
            query = query.where(_case_matches(HumanTask.instance_id, on_instance))
        parts.append(query)
    if not parts:
        return None
    found = union(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    return select(func.count()).select_from(found)


def _case_matches(instance_id: ColumnElement, on_instance: list[ColumnElement]) -> ColumnElement:
    """The task's case passes the filters: a per-row look-up by primary key (a scalar subquery is
    never turned into a join that would read every instance)."""
    return select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.id == instance_id, *on_instance).scalar_subquery() > 0
