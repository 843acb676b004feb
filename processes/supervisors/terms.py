"""Terms of office and the yearly cycle (R-SUP-05, R-SUP-07, R-SUP-08): diagram helpers over ISO times.

Times are ISO 8601 strings with their offset (what `hours(0)` and the deadline helpers return), so
timer expressions use them as they are.
"""
from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, time, timedelta

from .limits import limit

OUTCOMES = ("commend", "keep", "correct", "end")


def _moment(value: str | datetime) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} needs a UTC offset, e.g. 2026-10-01T09:00:00+08:00")
    return moment


def _add_years(moment: datetime, years: int) -> datetime:
    year = moment.year + years
    return moment.replace(year=year, day=min(moment.day, monthrange(year, moment.month)[1]))


def term_end_after(start: str, years: int) -> str:
    """When a term of `years` starting at `start` ends (R-SUP-05)."""
    return _add_years(_moment(start), int(years)).isoformat()


def days_before(moment: str, days: int) -> str:
    return (_moment(moment) - timedelta(days=int(days))).isoformat()


def consecutive_years(served_since: str, until: str) -> float:
    return round((_moment(until) - _moment(served_since)).days / 365.25, 2)


def renewal_refusal(served_since: str, term_end: str, term_years: int, max_years: int) -> str | None:
    """Why renewing would break R-SUP-05 (consecutive service past `max_years`), or None."""
    since, new_end = _moment(served_since), _add_years(_moment(term_end), int(term_years))
    if new_end <= _add_years(since, int(max_years)):
        return None
    return (f"续聘至 {new_end:%Y-%m-%d} 将自 {since:%Y-%m-%d} 起连续任职 "
            f"{consecutive_years(served_since, new_end.isoformat())} 年，超过 {max_years} 年上限；"
            "除非经理记录理由予以例外续聘")


def _first_in(start: datetime, end: datetime, month_day: str, at: time) -> datetime:
    month, day = (int(part) for part in month_day.split("-"))
    for year in (start.year, start.year + 1):
        candidate = datetime.combine(date(year, month, min(day, monthrange(year, month)[1])), at, start.tzinfo)
        if start <= candidate < end:
            return candidate
    raise ValueError(f"{month_day} does not fall in the year from {start:%Y-%m-%d}")


def yearly_plan(cycle_start: str, limits: dict) -> dict:
    """The dates of one year of service (R-SUP-07, R-SUP-08): training, symposium (座谈会),
    year-end visit (走访慰问) and the yearly assessment (年度考核), each once in the year."""
    start = _moment(cycle_start)
    end = _add_years(start, 1)
    return {
        "cycle_start": start.isoformat(), "cycle_end": end.isoformat(),
        "training_at": (start + timedelta(days=int(limit(limits, "training_after_days")))).isoformat(),
        "symposium_at": _first_in(start, end, limit(limits, "symposium_on"), time(9, 0)).isoformat(),
        "visit_at": _first_in(start, end, limit(limits, "year_end_visit_on"), time(10, 0)).isoformat(),
        "assessment_at": (end - timedelta(days=int(limit(limits, "assessment_before_days")))).isoformat(),
    }


def assessment_outcome(score: float, limits: dict) -> str:
    """R-SUP-07: commend and reward, keep, correct (整改, the ID suspended meanwhile), or end the appointment."""
    score = float(score)
    if not 0 <= score <= 100:
        raise ValueError(f"an assessment score is 0..100, not {score}")
    if score >= float(limit(limits, "commend_from")):
        return "commend"
    if score >= float(limit(limits, "keep_from")):
        return "keep"
    if score >= float(limit(limits, "correct_from")):
        return "correct"
    return "end"


YEARLY = ("training", "symposium", "year_end_visit", "annual_assessment")
_PLANNED_AT = {"training": "training_at", "symposium": "symposium_at", "year_end_visit": "visit_at",
               "annual_assessment": "assessment_at"}


def _with_next(agenda: dict) -> dict:
    pending = agenda["pending"]
    item = min(pending, key=lambda name: (_moment(pending[name]), name))
    return dict(agenda, next={"item": item, "at": pending[item]})


def open_agenda(cycle_start: str, limits: dict, renewal_at: str) -> dict:
    """What a supervisor in office waits for: the year's four items and the renewal review.

    The term's diagram waits for `agenda['next']['at']` (or the term's end, whichever comes first),
    handles `agenda['next']['item']`, then asks `agenda_after` for the next one.
    """
    plan = yearly_plan(cycle_start, limits)
    pending = {item: plan[_PLANNED_AT[item]] for item in YEARLY}
    pending["renewal_review"] = renewal_at
    return _with_next({"plan": plan, "pending": pending, "this_year": {}, "years": []})


def agenda_after(agenda: dict, item: str, facts: dict, limits: dict) -> dict:
    """The agenda once `item` is done, `facts` kept for the year; a finished year is filed in
    `years` and the next year of service is planned."""
    pending = {name: at for name, at in agenda["pending"].items() if name != item}
    this_year = dict(agenda["this_year"], **facts)
    years, plan = list(agenda["years"]), agenda["plan"]
    if not any(name in pending for name in YEARLY):
        years.append({"year_from": plan["cycle_start"][:10], "year_to": plan["cycle_end"][:10], **this_year})
        plan, this_year = yearly_plan(plan["cycle_end"], limits), {}
        pending.update({name: plan[_PLANNED_AT[name]] for name in YEARLY})
    return _with_next({"plan": plan, "pending": pending, "this_year": this_year, "years": years})


def next_wake(agenda: dict, term_end: str) -> dict:
    """What the term waits for next: the agenda's next item, or the end of the term if that comes first.

    One timer waits for it (an event-based gateway with two timers would keep only one due time)."""
    if _moment(term_end) <= _moment(agenda["next"]["at"]):
        return {"item": "term_end", "at": term_end}
    return dict(agenda["next"])


def agenda_for_new_term(agenda: dict, renewal_at: str) -> dict:
    """A renewed term's agenda: the year goes on, and its own renewal review is due at `renewal_at`."""
    return _with_next(dict(agenda, pending=dict(agenda["pending"], renewal_review=renewal_at)))


def noted(history: list, at: str, event: str, note: str = "") -> list:
    """`history` with one more entry (the roster shows it)."""
    return list(history) + [{"at": at, "event": event, "note": note}]
