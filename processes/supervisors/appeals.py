"""Appeals and disputes of the supervisor programme (R-APL-03..07): diagram helpers.

Working days come from the engine's calendar through the `workdays(n, start)` diagram helper; a
helper here that needs it takes it as an argument, e.g.
`witnesses_due = working_days_before(hearing_at, limits['supervisor_witness_workdays'], workdays)`.
"""
from __future__ import annotations

from calendar import monthrange
from datetime import datetime, time, timedelta
from typing import Callable

CASE_KINDS = ("appeal", "dispute")


def _moment(value: str | datetime) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} needs a UTC offset, e.g. 2026-10-01T09:00:00+08:00")
    return moment


def _day(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}"


def late_appeal_refusal(case_kind: str, received_at: str, appeal_deadline: str, appeal_workdays: int) -> str | None:
    """R-APL-03: an appeal against a decision filed after the working days allowed is refused, naming the rule."""
    if case_kind not in CASE_KINDS:
        raise ValueError(f"case kind {case_kind!r}: use {', '.join(CASE_KINDS)}")
    if case_kind != "appeal" or _moment(received_at) <= _moment(appeal_deadline):
        return None
    last_day = _moment(appeal_deadline) - timedelta(seconds=1)
    return (f"R-APL-03: an appeal is filed within {appeal_workdays} working days of the decision; that time ended "
            f"on {_day(last_day)} and this appeal came on {_day(_moment(received_at))}")


def hearing_problem(hearing_at: str, hearing_due: str, earliest: str, notice_workdays: int,
                    hearing_workdays: int) -> str | None:
    """R-APL-04: the hearing is within `hearing_workdays` of receipt and the appellant is notified at
    least `notice_workdays` before it (`earliest` is the first moment the notice allows)."""
    at = _moment(hearing_at)
    if at > _moment(hearing_due):
        return (f"R-APL-04: the hearing must be held within {hearing_workdays} working days of receiving the appeal, "
                f"by {_day(_moment(hearing_due) - timedelta(seconds=1))}")
    if at < _moment(earliest):
        return (f"R-APL-04: the appellant must be notified at least {notice_workdays} working days before the "
                f"hearing; notified today, the hearing can be on {_day(_moment(earliest))} at the earliest")
    return None


def working_days_before(moment: str, count: int, workdays: Callable[..., str]) -> str:
    """The end of the last day on which something may happen and still leave `count` working days
    before `moment` (e.g. naming witnesses 3 working days before the hearing, R-APL-04)."""
    at = _moment(moment)
    for back in range(1, int(count) * 7 + 60):
        day = at.date() - timedelta(days=back)
        if _moment(workdays(int(count), datetime.combine(day, time(12), at.tzinfo))) <= at:
            return datetime.combine(day + timedelta(days=1), time(0), at.tzinfo).isoformat()
    raise ValueError(f"no day leaves {count} working days before {moment}")


def months_after(moment: str, months: int) -> str:
    """R-APL-05: a ruling is due `months` calendar months after the appeal was filed."""
    at = _moment(moment)
    index = at.month - 1 + int(months)
    year, month = at.year + index // 12, index % 12 + 1
    return at.replace(year=year, month=month, day=min(at.day, monthrange(year, month)[1])).isoformat()


def without_interest(members: list, interested: list, appellant: str | None = None) -> list:
    """R-APL-07 (回避): the members who may handle the case; the appellant and anyone with a direct
    interest are excluded."""
    excluded = set(interested or []) | ({appellant} if appellant else set())
    return [member for member in members or [] if member not in excluded]


def case_handler(committee: list, interested: list, appellant: str | None = None) -> str:
    """The committee member who handles the case: the first one without an interest (R-APL-07)."""
    free = without_interest(committee, interested, appellant)
    if not free:
        raise ValueError("R-APL-07: every committee member named has a direct interest in the case; "
                         "name another member")
    return free[0]
