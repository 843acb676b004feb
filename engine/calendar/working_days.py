"""Deadlines in working days (official Chinese calendar), duty hours, and plain hours.

Pure computation, no I/O. The official schedule of a year comes from `chinese-calendar` unless
an operator loaded it (loaded years take precedence, see `YearSchedule`). For a year nobody
knows, the policy decides: `provisional` (the default) counts Monday-Friday without the year's
statutory holidays (engine.calendar.statutory; no 调休 swaps) and marks the deadline provisional,
to be recomputed once the year is loaded; `refuse` raises `CalendarYearUnknown` naming the year.

A deadline of N working days from a moment is the end of the N-th working day after the day of
that moment (local time), i.e. midnight at the start of the following day.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Iterable, Literal
from zoneinfo import ZoneInfo

import chinese_calendar

from ..errors import StateError
from .statutory import statutory_holidays

UnknownYearPolicy = Literal["refuse", "provisional"]
MAX_WORKDAYS = 3660


class CalendarYearUnknown(StateError):
    """No official schedule is known for a year and the policy is to refuse: nothing that needs a
    deadline in that year can be done until the year is loaded."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"the official working-day schedule of {year} is not loaded, so a deadline reaching into {year} "
            f"cannot be counted: load the State Council's {year} holiday notice (sqflow calendar load FILE) "
            "or set SQFLOW_UNKNOWN_YEAR_POLICY=provisional")


@dataclass(frozen=True)
class YearSchedule:
    """A year's official schedule as published: days off and adjusted working days (调休)."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]

    def __post_init__(self) -> None:
        strays = sorted(d for d in self.holidays | self.workdays if d.year != self.year)
        if strays:
            raise ValueError(f"dates outside {self.year}: {', '.join(map(str, strays[:5]))}")
        both = sorted(self.holidays & self.workdays)
        if both:
            raise ValueError(f"dates both holiday and working day: {', '.join(map(str, both[:5]))}")

    def is_workday(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5


@dataclass(frozen=True)
class Deadline:
    at: datetime
    provisional: bool = False
    unknown_years: tuple[int, ...] = ()


@dataclass
class WorkingDayCalendar:
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    loaded: dict[int, YearSchedule] = field(default_factory=dict)
    unknown_year_policy: UnknownYearPolicy = "provisional"

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(is it a working day, is that answer provisional)."""
        schedule = self.loaded.get(day.year)
        if schedule is not None:
            return schedule.is_workday(day), False
        try:
            return chinese_calendar.is_workday(day), False
        except NotImplementedError:
            if self.unknown_year_policy == "refuse":
                raise CalendarYearUnknown(day.year) from None
            return day.weekday() < 5 and day not in statutory_holidays(day.year), True

    def knows(self, year: int) -> bool:
        """Whether `year`'s official schedule is known (loaded by an operator or in `chinese-calendar`)."""
        return year in self.loaded or package_knows(year)

    def add_workdays(self, start: datetime, count: int) -> Deadline:
        if start.tzinfo is None:
            raise ValueError("working-day deadlines need a timezone-aware start")
        if not 0 < count <= MAX_WORKDAYS:
            raise ValueError(f"working days must be between 1 and {MAX_WORKDAYS}, not {count}")
        day = start.astimezone(self.zone).date()
        unknown: set[int] = set()
        remaining = count
        while remaining:
            day += timedelta(days=1)
            workday, provisional = self.is_workday(day)
            if provisional:
                unknown.add(day.year)
            if workday:
                remaining -= 1
        end = datetime.combine(day + timedelta(days=1), time(0), self.zone)
        return Deadline(end, bool(unknown), tuple(sorted(unknown)))


def package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class DutyHours:
    """A desk staffed every day (365 x N) from `opens` to `closes`, local time (R-CMP-09)."""

    opens: time = time(8, 30)
    closes: time = time(16, 30)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError("duty hours must open before they close")

    def add(self, start: datetime, hours: float) -> datetime:
        if start.tzinfo is None:
            raise ValueError("duty-hour deadlines need a timezone-aware start")
        if hours <= 0:
            raise ValueError("duty hours must be positive")
        remaining = timedelta(hours=hours)
        moment = start.astimezone(self.zone)
        while True:
            opens = datetime.combine(moment.date(), self.opens, self.zone)
            closes = datetime.combine(moment.date(), self.closes, self.zone)
            if moment < opens:
                moment = opens
            if moment >= closes:
                moment = datetime.combine(moment.date() + timedelta(days=1), self.opens, self.zone)
                continue
            if moment + remaining <= closes:
                return moment + remaining
            remaining -= closes - moment
            moment = datetime.combine(moment.date() + timedelta(days=1), self.opens, self.zone)


def parse_schedule(year: int, holidays: Iterable[str], workdays: Iterable[str]) -> YearSchedule:
    """A schedule from ISO dates or ranges ('2027-10-01..2027-10-07'); raises ValueError naming bad entries."""

    def expand(entries: Iterable[str], what: str) -> frozenset[date]:
        days: set[date] = set()
        for entry in entries:
            text = str(entry).strip()
            try:
                if ".." in text:
                    first, last = (date.fromisoformat(p.strip()) for p in text.split("..", 1))
                    if last < first:
                        raise ValueError
                    days.update(first + timedelta(days=i) for i in range((last - first).days + 1))
                else:
                    days.add(date.fromisoformat(text))
            except ValueError:
                raise ValueError(f"{what}: {text!r} is not a date (YYYY-MM-DD) or range (YYYY-MM-DD..YYYY-MM-DD)") from None
        return frozenset(days)

    return YearSchedule(year, expand(holidays, "holidays"), expand(workdays, "workdays"))
