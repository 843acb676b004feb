"""What managers ask of SLAs: which are open and how they stand, and each department's month (R-SLA-05)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from ..calendar.schedules import loaded_years
from ..calendar.working_days import WorkingDayCalendar
from ..errors import InvalidInputError
from ..persistence.tables import ProcessInstance, RunningSla, SlaPolicySet

STANDINGS = ("on_track", "warning", "breached", "paused")


@dataclass(frozen=True)
class OpenSla:
    id: int
    instance_id: int
    policy_id: str
    name: str
    ends: str  # the element whose completion stops it, or "process"
    task_id: str | None
    department: str | None
    started_at: datetime
    due_at: datetime
    provisional: bool
    standing: str
    seconds_left: int


def standing_of(due_at: datetime, warned: bool, now: datetime, *, breached: bool = False) -> str:
    """The one rule for how a deadline stands, wherever it is shown (inbox, monitor, `sqflow sla`):
    breached once it has passed; in warning once the worker has recorded a warning threshold as
    passed (R-SLA-10: when the warning was sent); on track before."""
    if breached or now > due_at:
        return "breached"
    return "warning" if warned else "on_track"


def standing(row: RunningSla, now: datetime) -> str:
    if row.state == "paused":
        return "paused"
    return standing_of(row.due_at, bool(row.warned), now, breached=row.breached_at is not None)


def open_slas(session: Session, now: datetime, *, standing_is: str | None = None,
              department: str | None = None, instance_id: int | None = None) -> list[OpenSla]:
    """Running and paused SLAs, most urgent first, with how each stands and the time left."""
    if standing_is is not None and standing_is not in STANDINGS:
        raise InvalidInputError(f"standing must be one of {', '.join(STANDINGS)}")
    query = select(RunningSla).where(RunningSla.state.in_(("running", "paused"))).order_by(RunningSla.due_at)
    if department is not None:
        query = query.where(RunningSla.department == department)
    if instance_id is not None:
        query = query.where(RunningSla.instance_id == instance_id)
    views = []
    for row in session.scalars(query):
        current = standing(row, now)
        if standing_is is None or current == standing_is:
            left = (row.due_at - (row.paused_at or now)).total_seconds()
            views.append(OpenSla(row.id, row.instance_id, row.policy_id, row.name, row.ends, row.task_id,
                                 row.department, row.started_at, row.due_at, row.provisional, current, int(left)))
    return views


@dataclass(frozen=True)
class CalendarOutlook:
    """What a manager or an operator needs to know of the calendar: the years near now or reached by an
    open deadline whose official schedule is not loaded, and how many open deadlines are provisional."""

    unknown_years: tuple[int, ...]
    provisional_deadlines: int
    policy: str


def calendar_outlook(session: Session, calendar: WorkingDayCalendar, now: datetime) -> CalendarOutlook:
    provisional = (RunningSla.provisional.is_(True), RunningSla.state.in_(("running", "paused")))
    count = session.scalar(select(func.count()).select_from(RunningSla).where(*provisional)) or 0
    this_year = now.astimezone(calendar.zone).year
    years = {this_year, this_year + 1}
    if count:
        latest = session.scalar(select(func.max(RunningSla.due_at)).where(*provisional))
        years.update(range(this_year, latest.astimezone(calendar.zone).year + 1))
    loaded = loaded_years(session)  # another process may have loaded some since this one started
    return CalendarOutlook(tuple(sorted(y for y in years if y not in loaded and not calendar.knows(y))), count,
                           calendar.unknown_year_policy)


@dataclass(frozen=True)
class DepartmentMonth:
    department: str
    month: str
    ended: int
    on_time: int
    on_time_rate: float
    average_hours: float
    over_limit: bool


def month_bounds(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InvalidInputError(f"month must look like 2026-03, not {month!r}") from None
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return datetime.combine(first, time(0), zone), datetime.combine(following, time(0), zone)


def department_month(session: Session, month: str, zone: ZoneInfo, limit_hours: float
                     ) -> list[DepartmentMonth]:
    """Per department, the work orders that ended in `month` (local time), one per SLA of a policy that
    `"measures": "work_order"` (dispatch to final reply): on-time rate (及时率: its deadline met) and
    average handling time, flagged when over `limit_hours` (R-SLA-05). Other deadlines of a work order
    (e.g. signing for it) are not work orders and are not counted."""
    start, end = month_bounds(month, zone)
    measured = _work_order_policies(session)
    if not measured:
        return []
    rows = session.scalars(select(RunningSla).join(ProcessInstance, ProcessInstance.id == RunningSla.instance_id)
                           .where(RunningSla.state.in_(("met", "missed")), RunningSla.department.is_not(None),
                                  RunningSla.ended_at >= start, RunningSla.ended_at < end,
                                  tuple_(ProcessInstance.process_id, RunningSla.policy_id).in_(measured)))
    totals: dict[str, list] = {}
    for row in rows:
        hours = ((row.ended_at - row.started_at).total_seconds() - row.paused_seconds) / 3600
        entry = totals.setdefault(row.department, [0, 0, 0.0])
        entry[0] += 1
        entry[1] += row.state == "met"
        entry[2] += hours
    return [DepartmentMonth(department, month, ended, on_time, on_time / ended, hours / ended,
                            hours / ended > limit_hours)
            for department, (ended, on_time, hours) in sorted(totals.items())]


def _work_order_policies(session: Session) -> list[tuple[str, str]]:
    return [(row.process_id, item["id"]) for row in session.scalars(select(SlaPolicySet))
            for item in row.policies or [] if item.get("measures") == "work_order"]
