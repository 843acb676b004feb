"""The inbox query, shaped for the indexes so a page costs the same with 100 or 100,000 open tasks.

A task reaches a person's inbox by one of a few branches: assigned to them, or open in one of
their groups (unclaimed; team leads see claimed ones too). Each branch is read in due order from
its own index and cut at `offset + limit` rows (tasks with a deadline and without one separately,
so the index order holds), and only the union of those short lists is sorted and paged. A single
query with `OR` would read every visible task and sort them all.

Building that statement costs more than running it, so each `Shape` (scope, number of groups,
which filters) is built once, with every value a bound parameter that `params` fills in.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, String, Update, and_, bindparam, cast, exists, func, or_, select, union, update
from sqlalchemy.sql.elements import ColumnElement

from ..errors import InvalidInputError
from ..persistence.tables import HumanTask, ProcessInstance, RunningSla
from .directory import User

SCOPES = ("all", "mine", "unclaimed")
SLA_STANDINGS = ("on_track", "warning", "breached")
CASE_FILTERS = ("urgency", "channel", "text")
ORDER = (HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at, HumanTask.id)


@dataclass(frozen=True)
class InboxFilter:
    scope: str = "all"            # mine + my groups' unclaimed (team leads: their groups' claimed too)
    process_id: str | None = None
    urgency: str | None = None
    channel: str | None = None
    sla: str | None = None
    text: str | None = None       # complaint number (business key) or customer name / phone

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise InvalidInputError(f"scope must be one of {', '.join(SCOPES)}")
        if self.sla not in (None, *SLA_STANDINGS):
            raise InvalidInputError(f"sla must be one of {', '.join(SLA_STANDINGS)}")
        if self.text is not None and len(self.text) > 100:
            raise InvalidInputError("search text is limited to 100 characters")

    def case_filters(self) -> tuple[str, ...]:
        """The filters on the task's case (its attributes), checked row by row."""
        return tuple(name for name in CASE_FILTERS if _given(getattr(self, name)))


@dataclass(frozen=True)
class Shape:
    """What an inbox statement's SQL depends on (not the values)."""

    scope: str
    groups: int
    leads: bool                   # a team lead's "all" also shows the groups' claimed tasks
    sla: str | None
    process: bool
    case_filters: tuple[str, ...]

    @classmethod
    def of(cls, user: User, filters: InboxFilter, scope: str | None = None) -> "Shape":
        scope = scope or filters.scope
        return cls(scope, len(user.groups), scope == "all" and "team_lead" in user.roles, filters.sla,
                   _given(filters.process_id), filters.case_filters())


def params(user: User, filters: InboxFilter, now: datetime, **extra: Any) -> dict[str, Any]:
    # Named apart from every column: an UPDATE (`take_first_free`) reserves the column names.
    values: dict[str, Any] = {"me": user.login, "now": now, **extra}
    values.update({f"group_{n}": group for n, group in enumerate(sorted(user.groups))})
    for name in ("process_id", "urgency", "channel"):
        if _given(getattr(filters, name)):
            values["filter_" + name] = getattr(filters, name)
    if _given(filters.text):
        values["like"] = f"%{filters.text.strip()}%"
    return values


@lru_cache(maxsize=512)
def page(shape: Shape) -> Select | None:
    """One page of tasks with their case's process, key and attributes (`limit`, `offset`)."""
    ids = _page_ids(shape)
    if ids is None:
        return None
    return (select(HumanTask, ProcessInstance.process_id, ProcessInstance.business_key, ProcessInstance.attributes)
            .join(ids, ids.c.id == HumanTask.id)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .order_by(*ORDER).limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))


@lru_cache(maxsize=512)
def page_of_ids(shape: Shape) -> Select | None:
    """Only the ids of one page (`limit`, `offset`), in inbox order."""
    ids = _page_ids(shape)
    if ids is None:
        return None
    return (select(ids.c.id).order_by(ids.c.due_at.is_(None), ids.c.due_at, ids.c.created_at, ids.c.id)
            .limit(bindparam("limit", type_=Integer)).offset(bindparam("offset", type_=Integer)))


@lru_cache(maxsize=512)
def take_first_free(shape: Shape) -> Update | None:
    """Claim (for `taker`) the first task of one page of ids that is still unclaimed and that no one
    is claiming right now (row locks, skipped, on PostgreSQL); the claimed task's row, or none."""
    window = page_of_ids(shape)
    if window is None:
        return None
    tasks = HumanTask.__table__
    first_free = (select(tasks.c.id).where(tasks.c.id.in_(window), tasks.c.state == "open", tasks.c.assignee.is_(None))
                  .order_by(*ORDER).limit(1).with_for_update(skip_locked=True).scalar_subquery())
    return (update(tasks).where(tasks.c.id == first_free, tasks.c.assignee.is_(None))
            .values(assignee=bindparam("taker")).returning(*tasks.c))


@lru_cache(maxsize=512)
def count(shape: Shape) -> Select | None:
    on_task, on_instance = _conditions(shape)
    parts = []
    for branch in _branches(shape):
        query = select(HumanTask.id).where(*branch, *on_task)
        if on_instance:
            query = query.where(_case_matches(HumanTask.instance_id, on_instance))
        parts.append(query)
    if not parts:
        return None
    found = union(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    return select(func.count()).select_from(found)


WARNED = (select(RunningSla.task_id, RunningSla.ends, RunningSla.instance_id)
          .where(RunningSla.instance_id.in_(bindparam("instance_ids", expanding=True)),
                 RunningSla.state == "running", cast(RunningSla.warned, String) != "[]"))


def _page_ids(shape: Shape):
    """The ids (with their sort keys) of the first `offset + limit` tasks of each branch."""
    on_task, on_instance = _conditions(shape)
    take = bindparam("offset", type_=Integer) + bindparam("limit", type_=Integer)
    parts = [select(_ordered(branch, on_task, on_instance, dated, take).subquery())
             for branch in _branches(shape) for dated in (True, False)]
    if not parts:
        return None
    return union(*parts).subquery("page") if len(parts) > 1 else parts[0].subquery("page")


def _branches(shape: Shape) -> list[list[ColumnElement]]:
    is_open = HumanTask.state == "open"
    found = []
    if shape.scope in ("all", "mine"):
        found.append([HumanTask.assignee == bindparam("me"), is_open])
    if shape.scope in ("all", "unclaimed"):
        for n in range(shape.groups):
            branch = [HumanTask.candidate_group == bindparam(f"group_{n}"), is_open]
            if not shape.leads:
                branch.append(HumanTask.assignee.is_(None))
            found.append(branch)
    return found


def _conditions(shape: Shape) -> tuple[list[ColumnElement], list[ColumnElement]]:
    """The filters' conditions: on the task, and on its instance (the case)."""
    now = bindparam("now", type_=HumanTask.due_at.type)
    on_task: list[ColumnElement] = []
    if shape.sla == "breached":
        on_task.append(HumanTask.due_at < now)
    elif shape.sla == "warning":
        on_task.extend([HumanTask.due_at >= now, _warned_sla()])
    elif shape.sla == "on_track":
        on_task.extend([or_(HumanTask.due_at.is_(None), HumanTask.due_at >= now), ~_warned_sla()])
    if shape.process:
        on_task.append(HumanTask.process_id == bindparam("filter_process_id"))
    on_instance: list[ColumnElement] = []
    for name in shape.case_filters:
        if name == "text":
            like = bindparam("like", type_=String)
            on_instance.append(or_(ProcessInstance.business_key.like(like), _attribute("customer_name").like(like),
                                   _attribute("customer_phone").like(like)))
        else:
            on_instance.append(_attribute(name) == bindparam("filter_" + name, type_=String))
    return on_task, on_instance


def _ordered(branch: list[ColumnElement], on_task: list[ColumnElement], on_instance: list[ColumnElement],
             dated: bool, take: ColumnElement) -> Select:
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
    return query.order_by(*order).limit(take)


def _case_matches(instance_id: ColumnElement, on_instance: list[ColumnElement]) -> ColumnElement:
    """The task's case passes the filters: a per-row look-up by primary key (a scalar subquery is
    never turned into a join that would read every instance)."""
    return select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.id == instance_id, *on_instance).scalar_subquery() > 0


def _attribute(name: str):
    return ProcessInstance.attributes[name].as_string()


def _warned_sla():
    return exists().where(RunningSla.instance_id == HumanTask.instance_id, RunningSla.state == "running",
                          cast(RunningSla.warned, String) != "[]",
                          or_(RunningSla.task_id == HumanTask.id,
                              and_(RunningSla.task_id.is_(None), RunningSla.ends == HumanTask.element_id)))


def _given(value: str | None) -> bool:
    return bool(value and value.strip())
