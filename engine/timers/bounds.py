"""What a timer may ask for: due at most `timer_years` ahead, cycles no shorter than `cycle_seconds`.

SpiffWorkflow turns a duration into days by walking every month of it, so `P99999999999Y` would
keep a worker busy for ever; a timer's value is therefore checked, with SpiffWorkflow's own
(bounded) parser of the ISO 8601 text, before SpiffWorkflow computes anything from it.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition,
                                                               DurationTimerEventDefinition, TimerEventDefinition)

from ..errors import RunLimitExceeded
from ..limits import RunLimits

_DAYS = {"years": 366, "months": 31, "weeks": 7, "days": 1, "hours": 1 / 24, "minutes": 1 / 1440,
         "seconds": 1 / 86400}


def duration_days(text: str) -> float:
    """About how many days an ISO 8601 duration spans (months as 31 days, years as 366), parsed safely."""
    try:
        parts = TimerEventDefinition.parse_iso_duration(text)
    except Exception:
        raise RunLimitExceeded(f"{text!r} is not an ISO 8601 duration (e.g. PT2H, P3D)") from None
    return sum(float(value) * _DAYS[name] for name, value in parts.items())


def check_timer_value(definition: TimerEventDefinition, value: Any, limits: RunLimits, now: datetime) -> None:
    """Refuse a timer value (what the timer's expression evaluated to) that is out of bounds."""
    most = limits.timer_years * 366
    if not isinstance(value, str) or not value.strip():
        raise RunLimitExceeded(f"the timer's expression gave {value!r}; a timer needs an ISO 8601 text "
                               "such as 'PT2H', 'R3/PT1H' or '2027-01-04T09:00:00+08:00'")
    text = value.strip()
    if isinstance(definition, CycleTimerEventDefinition):
        parts = text.upper().replace("--", "/").split("/")
        if not parts[0].startswith("R") or len(parts) not in (2, 3):
            raise RunLimitExceeded(f"{text!r} is not an ISO 8601 cycle (e.g. R3/PT1H)")
        for part in parts[1:]:
            if part.startswith("P"):
                days = duration_days(part)
                if days * 86400 < limits.cycle_seconds:
                    raise RunLimitExceeded(f"the cycle {text!r} repeats more often than every "
                                           f"{limits.cycle_seconds} s")
                if days > most:
                    raise RunLimitExceeded(f"the cycle {text!r} is longer than {limits.timer_years} years")
            else:
                _check_moment(part, now, most, limits)
        return
    if isinstance(definition, DurationTimerEventDefinition) or text.upper().startswith("P"):
        if duration_days(text) > most:
            raise RunLimitExceeded(f"the timer {text!r} is due more than {limits.timer_years} years from now")
        return
    _check_moment(text, now, most, limits)


def _check_moment(text: str, now: datetime, most_days: float, limits: RunLimits) -> None:
    try:
        moment = TimerEventDefinition.parse_time_or_duration(text)
    except Exception:
        raise RunLimitExceeded(f"{text!r} is not an ISO 8601 date and time (e.g. 2027-01-04T09:00:00+08:00)") from None
    if isinstance(moment, datetime) and moment - now.astimezone(timezone.utc) > timedelta(days=most_days):
        raise RunLimitExceeded(f"the timer {text!r} is due more than {limits.timer_years} years from now")
