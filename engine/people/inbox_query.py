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


def _part(branch: list[ColumnElement], conditions: list[ColumnElement], by_instance: bool) -> Select:
    query = select(HumanTask.id, HumanTask.due_at, HumanTask.created_at)
    if by_instance:
        query = query.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
    return query.where(*branch, *conditions)


def page_ids(user: User, scope: str, conditions: list[ColumnElement], by_instance: bool,
             limit: int, offset: int) -> Select | None:
    """The ids (with their sort keys) of one inbox page, or None when the scope reaches no task."""
    take = limit + offset
    parts = []
    for branch in branches(user, scope):
        base = _part(branch, conditions, by_instance)
        dated = base.where(HumanTask.due_at.is_not(None)).order_by(HumanTask.due_at, HumanTask.created_at,
                                                                    HumanTask.id)
        undated = base.where(HumanTask.due_at.is_(None)).order_by(HumanTask.created_at, HumanTask.id)
        parts += [select(dated.limit(take).subquery()), select(undated.limit(take).subquery())]
    if not parts:
        return None
    return union(*parts).subquery("page") if len(parts) > 1 else parts[0].subquery("page")


def count(user: User, scope: str, conditions: list[ColumnElement], by_instance: bool) -> Select | None:
    parts = [_part(branch, conditions, by_instance).with_only_columns(HumanTask.id)
             for branch in branches(user, scope)]
    if not parts:
        return None
    found = union(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    return select(func.count()).select_from(found)
