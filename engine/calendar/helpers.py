"""Deadline helpers that diagrams call in scripts and timer expressions.

Each returns an exact due time as an ISO 8601 string with its offset, which a `timeDate` timer
accepts as it is and task data stores as plain JSON::

    <bpmn:timeDate>workdays(15)</bpmn:timeDate>      the end of the 15th working day from now
    <bpmn:timeDate>duty_hours(8)</bpmn:timeDate>     8 hours of the duty desk's time
    <bpmn:timeDate>hours(2)</bpmn:timeDate>          2 hours of plain time

Every helper takes an optional `start` (ISO string or datetime); "now" comes from the engine's
clock, never from the wall.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from ..clock import Clock
from .working_days import DutyHours, WorkingDayCalendar


def _moment(start: str | datetime | None, clock: Clock) -> datetime:
    if start is None:
        return clock.now()
    moment = datetime.fromisoformat(start) if isinstance(start, str) else start
    if moment.tzinfo is None:
        raise ValueError(f"start {start!r} needs a UTC offset, e.g. 2026-10-01T09:00:00+08:00")
    return moment


def deadline_helpers(clock: Clock, calendar: WorkingDayCalendar, duty: DutyHours) -> dict[str, Callable]:
    def workdays(count: int, start: str | datetime | None = None) -> str:
        return calendar.add_workdays(_moment(start, clock), int(count)).at.isoformat()

    def duty_hours(count: float, start: str | datetime | None = None) -> str:
        return duty.add(_moment(start, clock), float(count)).astimezone(calendar.zone).isoformat()

    def hours(count: float, start: str | datetime | None = None) -> str:
        return (_moment(start, clock) + timedelta(hours=float(count))).astimezone(calendar.zone).isoformat()

    return {"workdays": workdays, "duty_hours": duty_hours, "hours": hours}
