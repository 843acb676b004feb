"""Assessments of the people who serve complaints (pure functions: no Flask, no database).

R-MSR-02, the monthly complaint assessment of a maintenance vendor (here: a handling department),
95 points:
  * late work orders cost 2 points each, out of a 40-point section; more than 5 late work orders in
    the month lose the whole section (so 5 late cost 10 points, 6 late cost 40);
  * a monthly average handling time over 17 h (R-SLA-05) costs 5 points (exactly 17 h does not);
  * a month is assessed on the 7th of the following month.
Fed from the SLA data per department (`engine.sla.reports.department_month`): every work-order SLA
that ended missed counts as one late work order.

R-MSR-01, business-hall evaluation bands: >= 95 excellent, 90 to < 95 good, 80 to < 90 compliant,
below 80 failing; at most 5 % of the halls may be excellent and at most 20 % good.
Quotas are whole halls rounded down (20 halls allow 1 excellent, 19 allow none): "at most" is kept
literally. A band over its quota keeps its best-scoring halls; the others drop to the next band,
where they compete by score with the halls that scored into it. When halls with equal scores
straddle the cut, all of them drop - equal scores are never split by an arbitrary order, and the
quota is never exceeded. Compliant has no quota, so nobody drops below it for lack of room.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping, Protocol

FULL_SCORE = 95
LATE_SECTION = 40
LATE_COST = 2
LATE_ALLOWED = 5
SLOW_COST = 5
HOURS_LIMIT = 17.0
ASSESSMENT_DAY = 7

BANDS = ("excellent", "good", "compliant", "failing")
# band, lowest score, quota in percent of all halls (None: no quota)
BAND_RULES: tuple[tuple[str, float, int | None], ...] = (
    ("excellent", 95.0, 5), ("good", 90.0, 20), ("compliant", 80.0, None))


# --- R-MSR-02 -------------------------------------------------------------------------------

@dataclass(frozen=True)
class VendorScore:
    department: str
    month: str
    work_orders: int
    late: int
    average_hours: float | None
    late_deduction: int
    slow_deduction: int

    @property
    def score(self) -> int:
        return FULL_SCORE - self.late_deduction - self.slow_deduction

    @property
    def section_lost(self) -> bool:
        return self.late > LATE_ALLOWED


class MonthFigures(Protocol):
    """What `department_month` reports for one department and month."""

    department: str
    month: str
    ended: int
    on_time: int
    average_hours: float


def late_deduction(late: int) -> int:
    if late < 0:
        raise ValueError("a count of late work orders cannot be negative")
    return LATE_SECTION if late > LATE_ALLOWED else late * LATE_COST


def slow_deduction(average_hours: float | None) -> int:
    return SLOW_COST if average_hours is not None and average_hours > HOURS_LIMIT else 0


def assess_vendor(department: str, month: str, work_orders: int, on_time: int,
                  average_hours: float | None) -> VendorScore:
    """R-MSR-02 for one department and month; `average_hours` is None when no work order ended."""
    if not 0 <= on_time <= work_orders:
        raise ValueError("on-time work orders must be between 0 and all work orders")
    late = work_orders - on_time
    hours = average_hours if work_orders else None
    return VendorScore(department, month, work_orders, late, hours, late_deduction(late), slow_deduction(hours))


def assess_departments(rows: Iterable[MonthFigures]) -> list[VendorScore]:
    """R-MSR-02 for every department in a month's SLA figures."""
    return [assess_vendor(r.department, r.month, r.ended, r.on_time, r.average_hours) for r in rows]


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(month: str) -> date:
    """The first day of a "YYYY-MM" month; ValueError otherwise."""
    year, _, number = month.partition("-")
    if len(year) != 4 or len(number) != 2 or not (year + number).isdigit():
        raise ValueError(f"a month looks like 2026-03, not {month!r}")
    return date(int(year), int(number), 1)


def previous_month(month: str) -> str:
    first = parse_month(month)
    return f"{first.year - 1:04d}-12" if first.month == 1 else f"{first.year:04d}-{first.month - 1:02d}"


def next_month(month: str) -> str:
    first = parse_month(month)
    return f"{first.year + 1:04d}-01" if first.month == 12 else f"{first.year:04d}-{first.month + 1:02d}"


def assessment_date(month: str) -> date:
    """The day a month is assessed: the 7th of the following month."""
    return parse_month(next_month(month)).replace(day=ASSESSMENT_DAY)


def latest_assessment(day: date) -> tuple[str, date]:
    """The most recent assessment on or before `day`: (the month it assessed, the day it was made)."""
    this_month = month_of(day)
    assessed = previous_month(this_month) if day.day >= ASSESSMENT_DAY else previous_month(previous_month(this_month))
    return assessed, assessment_date(assessed)


def is_final(month: str, today: date) -> bool:
    """Whether a month's assessment has been made by `today` (before that its score is provisional)."""
    return today >= assessment_date(month)


# --- R-MSR-01 -------------------------------------------------------------------------------

def natural_band(score: float) -> str:
    """The band a score reaches before quotas."""
    for band, lowest, _ in BAND_RULES:
        if score >= lowest:
            return band
    return "failing"


def band_halls(scores: Mapping[str, float]) -> dict[str, str]:
    """Each hall's band with the quotas applied (see the module notes for who drops)."""
    for hall, score in scores.items():
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 100:
            raise ValueError(f"the score of {hall!r} must be a number from 0 to 100, not {score!r}")
    total = len(scores)
    bands: dict[str, str] = {}
    dropped: list[str] = []
    for band, _, quota_percent in BAND_RULES:
        candidates = dropped + [hall for hall, score in scores.items() if natural_band(score) == band]
        candidates.sort(key=lambda hall: -scores[hall])
        room = len(candidates) if quota_percent is None else total * quota_percent // 100
        kept = candidates[:room]
        if room < len(candidates):
            cut = scores[candidates[room]]
            kept = [hall for hall in kept if scores[hall] != cut]
        bands.update((hall, band) for hall in kept)
        dropped = [hall for hall in candidates if hall not in bands]
    bands.update((hall, "failing") for hall, score in scores.items() if hall not in bands)
    return {hall: bands[hall] for hall in scores}
