"""The branch's numbers: every limit the business rules (shared/DOMAIN.md) give, with the rule's number
as its default. A branch sets its own with `SQFLOW_<NAME>` (e.g. `SQFLOW_ANSWER_WORKDAYS=10`); the
README's settings table lists them. Diagrams copy them into a case when it starts
(`settings = branch_settings()`), so a running case keeps the numbers it started with; SLA policy files
name them (`"amount": "sign_for_hours"`); the assessments take them as an argument.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from typing import Mapping

from .errors import ConfigurationError

PREFIX = "SQFLOW_"


def _rule(default, rule: str, meaning: str):
    return field(default=default, metadata={"rule": rule, "meaning": meaning})


@dataclass(frozen=True)
class BranchSettings:
    consultation_hours: float = _rule(24.0, "R-CMP-02", "a consultation not answered within it becomes a complaint")
    answer_workdays: int = _rule(15, "R-SLA-01, R-SLA-02", "the customer is answered within it; then appealable")
    sign_for_hours: float = _rule(2.0, "R-SLA-03", "a work order is signed for within it of dispatch")
    reply_critical_hours: float = _rule(10.0, "R-SLA-04", "final reply from dispatch, 特急 critical")
    reply_urgent_hours: float = _rule(15.0, "R-SLA-04", "final reply from dispatch, 紧急 urgent")
    reply_normal_hours: float = _rule(24.0, "R-SLA-04", "final reply from dispatch, 一般 normal")
    level1_reply_hours: float = _rule(12.0, "R-SLA-07", "final reply for a level-1 network complaint")
    level2_reply_hours: float = _rule(18.0, "R-SLA-07", "final reply for a level-2 network complaint")
    key_customer_reply_hours: float = _rule(8.0, "R-SLA-08", "final reply for a key customer (green channel)")
    field_test_workdays: int = _rule(3, "R-SLA-06", "field test data and traffic analysis collected within it")
    sla_warnings: str = _rule("0.5,0.75", "R-SLA-10", "shares of the allowed time at which a deadline warns")
    callback_attempts: int = _rule(3, "R-CLS-01", "callback attempts before an unreachable customer's case is archived")
    appeal_billing_months: int = _rule(5, "R-APL-01", "a billing dispute older than this is refused")
    appeal_other_years: int = _rule(2, "R-APL-01", "any other matter older than this is refused")
    vendor_full_score: int = _rule(95, "R-MSR-02", "points of the monthly vendor assessment")
    vendor_late_section: int = _rule(40, "R-MSR-02", "points of the late work orders section")
    vendor_late_cost: int = _rule(2, "R-MSR-02", "points each late work order costs")
    vendor_late_allowed: int = _rule(5, "R-MSR-02", "late work orders beyond which the whole section is lost")
    vendor_slow_cost: int = _rule(5, "R-MSR-02", "points lost when the monthly average is over the limit")
    handling_hours_limit: float = _rule(17.0, "R-SLA-05, R-MSR-02", "a department's monthly average handling time")
    assessment_day: int = _rule(7, "R-MSR-02", "day of the next month on which a month is assessed")
    hall_excellent_from: float = _rule(95.0, "R-MSR-01", "business-hall score rated excellent")
    hall_good_from: float = _rule(90.0, "R-MSR-01", "business-hall score rated good")
    hall_compliant_from: float = _rule(80.0, "R-MSR-01", "business-hall score rated compliant")
    hall_excellent_quota_percent: int = _rule(5, "R-MSR-01", "most halls that may be excellent, in % of all")
    hall_good_quota_percent: int = _rule(20, "R-MSR-01", "most halls that may be good, in % of all")
    repair_hours: float = _rule(24.0, "R-MSR-03", "repair of a reported fault")
    cable_repair_hours: float = _rule(72.0, "R-MSR-03", "repair of a cable fault")
    data_line_equipment_hours: float = _rule(4.0, "R-MSR-03", "data-line fault of on-site equipment")
    data_line_hours: float = _rule(24.0, "R-MSR-03", "ordinary data-line fault")
    data_line_key_hours: float = _rule(6.0, "R-MSR-03", "data-line fault of an important user")
    reminder_escalation_count: int = _rule(3, "R-CMP-06", "reminders (催办) of one open case at which its team lead is alerted")
    report_chain: str = _rule("team_lead,department_head,branch_leadership", "R-CMP-05, R-FR-05",
                              "groups a major or over-the-head complaint is reported to, level by level, in order")
    repeat_window_days: int = _rule(180, "R-CMP-07", "a closed complaint may be named as repeated within it of closing")
    duty_desk_accept_hours: float = _rule(1.0, "R-CMP-09", "duty hours within which the duty desk takes an escalated complaint")

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, (int, float)) and value <= 0:
                raise ConfigurationError(f"{PREFIX}{item.name.upper()}={value}: must be more than 0")
        if any(not 0 < share < 1 for share in self.warning_shares()):
            raise ConfigurationError(f"{PREFIX}SLA_WARNINGS={self.sla_warnings!r}: shares between 0 and 1, "
                                     "comma-separated, e.g. 0.5,0.75")

    def warning_shares(self) -> tuple[float, ...]:
        try:
            return tuple(sorted(float(part) for part in self.sla_warnings.split(",") if part.strip()))
        except ValueError:
            raise ConfigurationError(f"{PREFIX}SLA_WARNINGS={self.sla_warnings!r}: e.g. 0.5,0.75") from None

    def numbers(self) -> dict[str, float | int | str]:
        """Every setting by name, as diagrams and policy files read them."""
        return asdict(self)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "BranchSettings":
        environ = os.environ if environ is None else environ
        values: dict = {}
        for item in fields(cls):
            raw = environ.get(PREFIX + item.name.upper())
            if raw is None or raw == "":
                continue
            kind = type(item.default)
            try:
                values[item.name] = kind(raw)
            except ValueError:
                raise ConfigurationError(f"{PREFIX}{item.name.upper()}={raw!r} is not a {kind.__name__}") from None
        return cls(**values)


def described() -> list[tuple[str, object, str, str]]:
    """(environment variable, default, rule, meaning) of every setting, for the README and the docs test."""
    return [(PREFIX + item.name.upper(), item.default, item.metadata["rule"], item.metadata["meaning"])
            for item in fields(BranchSettings)]
