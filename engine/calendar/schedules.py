"""Official year schedules that operators load (from a file or, later, an admin page), kept in the database."""
from __future__ import annotations

from datetime import date, datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..documents import load_json_object
from ..errors import InvalidInputError
from ..persistence.tables import CalendarYear
from .working_days import YearSchedule, parse_schedule

FILE_FORMAT = """{"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知",
 "holidays": ["2027-01-01", "2027-10-01..2027-10-07"], "workdays": ["2027-09-26"]}"""


def read_schedule(name: str, content: bytes) -> tuple[YearSchedule, str]:
    """A year's schedule and its source from a JSON file; InvalidInputError says what is wrong."""
    document = load_json_object(name, content, FILE_FORMAT)
    if not isinstance(document.get("year"), int):
        raise InvalidInputError(f"{name}: needs an integer \"year\"; expected e.g. {FILE_FORMAT}")
    holidays, workdays = document.get("holidays", []), document.get("workdays", [])
    if not isinstance(holidays, list) or not isinstance(workdays, list) or not holidays:
        raise InvalidInputError(f"{name}: \"holidays\" (non-empty) and \"workdays\" must be lists of dates")
    try:
        schedule = parse_schedule(document["year"], holidays, workdays)
    except ValueError as exc:
        raise InvalidInputError(f"{name}: {exc}") from None
    return schedule, str(document.get("source") or name)


def save_schedule(session: Session, schedule: YearSchedule, source: str, by: str, at: datetime) -> bool:
    """Store (or replace) a year; True when it replaced an earlier load."""
    row = session.get(CalendarYear, schedule.year)
    replaced = row is not None
    if row is None:
        row = CalendarYear(year=schedule.year)
        session.add(row)
    row.holidays = sorted(d.isoformat() for d in schedule.holidays)
    row.workdays = sorted(d.isoformat() for d in schedule.workdays)
    row.source, row.loaded_at, row.loaded_by = source, at, by
    session.flush()
    return replaced


def loaded_schedules(session: Session, years: Iterable[int] | None = None) -> dict[int, YearSchedule]:
    """The years operators loaded (only `years`, when given)."""
    query = select(CalendarYear) if years is None else select(CalendarYear).where(CalendarYear.year.in_(list(years)))
    return {
        row.year: YearSchedule(row.year, frozenset(map(date.fromisoformat, row.holidays)),
                               frozenset(map(date.fromisoformat, row.workdays)))
        for row in session.scalars(query)
    }


def loaded_years(session: Session) -> set[int]:
    return set(session.scalars(select(CalendarYear.year)))


def loaded_year(session: Session, year: int) -> CalendarYear | None:
    return session.get(CalendarYear, year)
