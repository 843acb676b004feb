"""Assessments of the people who serve complaints (pure functions: no Flask, no database).

R-MSR-02, the monthly complaint assessment of a maintenance vendor (here: a handling department),
95 points (every number here is the default of a branch setting, engine.branch_settings, passed as `rules`):
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

from engine.branch_settings import BranchSettings

DEFAULT = BranchSettings()
BANDS = ("excellent", "good", "compliant", "failing")


def band_rules(rules: BranchSettings = DEFAULT) -> tuple[tuple[str, float, int | None], ...]:
    """Each band, its lowest score and its quota in percent of all halls (None: no quota)."""
    return (("excellent", rules.hall_excellent_from, rules.hall_excellent_quota_percent),
            ("good", rules.hall_good_from, rules.hall_good_quota_percent),
            ("compliant", rules.hall_compliant_from, None))


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
    rules: BranchSettings = DEFAULT

    @property
    def score(self) -> int:
        return self.rules.vendor_full_score - self.late_deduction - self.slow_deduction

    @property
    def section_lost(self) -> bool:
        return self.late > self.rules.vendor_late_allowed


class MonthFigures(Protocol):
    """What `department_month` reports for one department and month."""

    department: str
    month: str
    ended: int
    on_time: int
    average_hours: float


def late_deduction(late: int, rules: BranchSettings = DEFAULT) -> int:
    if late < 0:
        raise ValueError("a count of late work orders cannot be negative")
    return rules.vendor_late_section if late > rules.vendor_late_allowed else late * rules.vendor_late_cost


def slow_deduction(average_hours: float | None, rules: BranchSettings = DEFAULT) -> int:
    return rules.vendor_slow_cost if average_hours is not None and average_hours > rules.handling_hours_limit else 0


def assess_vendor(department: str, month: str, work_orders: int, on_time: int,
                  average_hours: float | None, rules: BranchSettings = DEFAULT) -> VendorScore:
    """R-MSR-02 for one department and month; `average_hours` is None when no work order ended."""
    if not 0 <= on_time <= work_orders:
        raise ValueError("on-time work orders must be between 0 and all work orders")
    late = work_orders - on_time
    hours = average_hours if work_orders else None
    return VendorScore(department, month, work_orders, late, hours, late_deduction(late, rules),
                       slow_deduction(hours, rules), rules)


def assess_departments(rows: Iterable[MonthFigures], rules: BranchSettings = DEFAULT) -> list[VendorScore]:
    """R-MSR-02 for every department in a month's SLA figures."""
    return [assess_vendor(r.department, r.month, r.ended, r.on_time, r.average_hours, rules) for r in rows]


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


def assessment_date(month: str, rules: BranchSettings = DEFAULT) -> date:
    """The day a month is assessed: the 7th (the branch's assessment day) of the following month."""
    return parse_month(next_month(month)).replace(day=rules.assessment_day)


def latest_assessment(day: date, rules: BranchSettings = DEFAULT) -> tuple[str, date]:
    """The most recent assessment on or before `day`: (the month it assessed, the day it was made)."""
    this_month = month_of(day)
    if day.day >= rules.assessment_day:
        assessed = previous_month(this_month)
    else:
        assessed = previous_month(previous_month(this_month))
    return assessed, assessment_date(assessed, rules)


def is_final(month: str, today: date, rules: BranchSettings = DEFAULT) -> bool:
    """Whether a month's assessment has been made by `today` (before that its score is provisional)."""
    return today >= assessment_date(month, rules)


# --- R-MSR-01 -------------------------------------------------------------------------------

def natural_band(score: float, rules: BranchSettings = DEFAULT) -> str:
    """The band a score reaches before quotas."""
    for band, lowest, _ in band_rules(rules):
        if score >= lowest:
            return band
    return "failing"


def band_halls(scores: Mapping[str, float], rules: BranchSettings = DEFAULT) -> dict[str, str]:
    """Each hall's band with the quotas applied (see the module notes for who drops)."""
    for hall, score in scores.items():
        if isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 100:
            raise ValueError(f"the score of {hall!r} must be a number from 0 to 100, not {score!r}")
    total = len(scores)
    bands: dict[str, str] = {}
    dropped: list[str] = []
    for band, _, quota_percent in band_rules(rules):
        candidates = dropped + [hall for hall, score in scores.items() if natural_band(score, rules) == band]
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
