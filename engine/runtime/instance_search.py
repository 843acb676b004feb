"""Instance lists for managers: filters (including the SLA standing of each instance), counted pages,
and counts by state.

An instance's SLA standing is the worst of its open (running or paused) SLAs - breached, warning,
on track, paused - or "none" when it has no open SLA. Standings depend on the time asked, so they
are worked out in Python over the open SLAs (few per open instance) rather than stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from math import ceil
from typing import Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from ..errors import InvalidInputError
from ..persistence.tables import HumanTask, ProcessDefinition, ProcessInstance, RunningSla
from ..sla.reports import standing
from .instance_store import InstanceStore
from .queries import INSTANCE_STATES, instance_conditions
from .views import InstanceView, TaskView

RANK = {"paused": 0, "on_track": 1, "warning": 2, "breached": 3}
SLA_STANDINGS = ("breached", "warning", "on_track", "paused", "none")


@dataclass(frozen=True)
class InstanceFilter:
    process_id: str | None = None
    version: int | None = None
    state: str | None = None
    sla: str | None = None
    started_from: date | None = None  # local dates, both inclusive
    started_to: date | None = None
    business_key: str | None = None

    def __post_init__(self) -> None:
        if self.state is not None and self.state not in INSTANCE_STATES:
            raise InvalidInputError(f"state must be one of {', '.join(INSTANCE_STATES)}")
        if self.sla is not None and self.sla not in SLA_STANDINGS:
            raise InvalidInputError(f"SLA standing must be one of {', '.join(SLA_STANDINGS)}")
        if self.started_from and self.started_to and self.started_from > self.started_to:
            raise InvalidInputError("the start date range ends before it begins")


@dataclass(frozen=True)
class ListedInstance:
    instance: InstanceView
    sla: str


@dataclass(frozen=True)
class InstancePage:
    rows: list[ListedInstance]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))


def worst_standings(session: Session, now: datetime, instance_ids: Iterable[int] | None = None) -> dict[int, str]:
    """The worst standing of each instance's open SLAs (instances without open SLAs are left out)."""
    query = select(RunningSla).where(RunningSla.state.in_(("running", "paused")))
    if instance_ids is not None:
        ids = list(instance_ids)
        if not ids:
            return {}
        query = query.where(RunningSla.instance_id.in_(ids))
    worst: dict[int, str] = {}
    for row in session.scalars(query):
        current = standing(row, now)
        if RANK[current] > RANK.get(worst.get(row.instance_id, ""), -1):
            worst[row.instance_id] = current
    return worst


def search_instances(session: Session, now: datetime, zone: ZoneInfo, filters: InstanceFilter,
                     page: int = 1, per_page: int = 25, visible: ColumnElement[bool] | None = None) -> InstancePage:
    """`visible`: the cases the person asking may see (engine.people.visibility.case_condition)."""
    if page < 1:
        raise InvalidInputError("page numbers start at 1")
    query = select(ProcessInstance).where(visible if visible is not None else true(), *instance_conditions(
        process_id=filters.process_id, state=filters.state, business_key=filters.business_key,
        version=filters.version,
        started_after=datetime.combine(filters.started_from, time(0), zone) if filters.started_from else None,
        started_before=(datetime.combine(filters.started_to + timedelta(days=1), time(0), zone)
                        if filters.started_to else None)))
    if filters.sla:
        standings = worst_standings(session, now)
        if filters.sla == "none":
            if standings:
                query = query.where(ProcessInstance.id.not_in(list(standings)))
        else:
            query = query.where(ProcessInstance.id.in_([i for i, s in standings.items() if s == filters.sla]))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(ProcessInstance.id.desc())
                           .limit(per_page).offset((page - 1) * per_page)).all()
    standings = worst_standings(session, now, [row.id for row in rows])
    listed = [ListedInstance(InstanceView.of(row), standings.get(row.id, "none")) for row in rows]
    return InstancePage(listed, total or 0, page, per_page)


def active_with_key(session: Session, business_key: str, process_id: str | None = None) -> list:
    """The open cases with a business key (ids and processes), as a message would look for them."""
    return InstanceStore().active_with_key(session, business_key, process_id)


def count_by_state(session: Session) -> dict[str, int]:
    counts = dict(session.execute(select(ProcessInstance.state, func.count()).group_by(ProcessInstance.state)).all())
    return {state: counts.get(state, 0) for state in INSTANCE_STATES}


@dataclass(frozen=True)
class ProcessVersion:
    definition_id: int
    process_id: str
    version: int
    name: str


def process_versions(session: Session) -> list[ProcessVersion]:
    """Every deployed process version, newest version of each process first."""
    rows = session.execute(select(ProcessDefinition.id, ProcessDefinition.process_id, ProcessDefinition.version,
                                  ProcessDefinition.name)
                           .order_by(ProcessDefinition.process_id, ProcessDefinition.version.desc())).all()
    return [ProcessVersion(*row) for row in rows]


def instance_state(session: Session, instance_id: int) -> str | None:
    return session.scalar(select(ProcessInstance.state).where(ProcessInstance.id == instance_id))


def instance_tasks(session: Session, instance_id: int) -> list[TaskView]:
    """Every human task an instance ever had, open or not."""
    rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)
                           .order_by(HumanTask.created_at, HumanTask.id))
    return [TaskView.of(row) for row in rows]
