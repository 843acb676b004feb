"""The branch's numbers: every limit the business rules (shared/DOMAIN.md) give, with the rule's number
as its default. A branch sets its own with `SQFLOW_<NAME>` (e.g. `SQFLOW_ANSWER_WORKDAYS=10`); the
README's settings table lists them. Diagrams copy them into a case when it starts
(`settings = branch_settings()`), so a running case keeps the numbers it started with; SLA policy files
name them (`"amount": "sign_for_hours"`); the assessments take them as an argument. The supervisor
processes' limits (R-SUP-*, R-APL-03..07) are here too, named `supervisor_*`.
"""
from __future__ import annotations

import os
import re
from dataclasses import Field, asdict, dataclass, field, fields
from datetime import date
from functools import cached_property
from typing import Any, Callable, Mapping

from .errors import ConfigurationError

PREFIX = "SQFLOW_"
_MAY_BE_ZERO = {"supervisor_written_weight"}  # 0: the interview alone decides


def _rule(default, rule: str, meaning: str):
    return field(default=default, metadata={"rule": rule, "meaning": meaning})


def _check_month_day(name: str, value: str) -> None:
    """A day of every year as MM-DD (29 February falls on the 28th in other years)."""
    try:
        if not re.fullmatch(r"\d\d-\d\d", value):
            raise ValueError(value)
        date.fromisoformat(f"2000-{value}")
    except ValueError:
        raise ConfigurationError(f"{PREFIX}{name.upper()}={value!r}: a month and day, e.g. 06-28") from None


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
    # The service-quality supervisors (bpmn/supervisors/) and their appeals and disputes.
    supervisor_term_years: int = _rule(2, "R-SUP-05", "years of one supervisor's term (some branches use 3)")
    supervisor_max_consecutive_years: int = _rule(4, "R-SUP-05", "consecutive years of service a renewal may reach "
                                                  "without a manager's recorded exception")
    supervisor_renewal_window_days: int = _rule(60, "R-SUP-05",
                                                "days before a term ends at which its renewal review opens")
    supervisor_pass_mark: float = _rule(60.0, "R-SUP-01",
                                        "lowest panel average (0..100) a candidate may be appointed with")
    supervisor_written_weight: float = _rule(0.5, "R-SUP-01",
                                             "share (0..1) of the written test in a candidate's score, the rest "
                                             "the interview's")
    supervisor_min_reviewers: int = _rule(2, "R-SUP-01, R-APL-07", "panel members who score each candidate, "
                                          "after those with a conflict of interest stand aside")
    supervisor_commend_from: float = _rule(90.0, "R-SUP-07",
                                           "yearly assessment score from which a supervisor is commended")
    supervisor_keep_from: float = _rule(70.0, "R-SUP-07", "yearly assessment score from which a supervisor is kept")
    supervisor_correct_from: float = _rule(60.0, "R-SUP-07", "yearly assessment score from which a supervisor is "
                                           "corrected; below it the appointment ends")
    supervisor_training_after_days: int = _rule(30, "R-SUP-07",
                                                "days into each year of service of the yearly training")
    supervisor_assessment_before_days: int = _rule(30, "R-SUP-07", "days before each year of service ends of the "
                                                   "yearly assessment")
    supervisor_symposium_on: str = _rule("06-28", "R-SUP-08", "month-day of the yearly supervisors' symposium (座谈会)")
    supervisor_year_end_visit_on: str = _rule("12-20", "R-SUP-08", "month-day of the year-end visit (走访慰问)")
    supervisor_appeal_workdays: int = _rule(30, "R-APL-03", "working days after a decision within which it is appealed")
    supervisor_hearing_workdays: int = _rule(15, "R-APL-04", "working days after an appeal is received within which "
                                             "it is heard")
    supervisor_notice_workdays: int = _rule(5, "R-APL-04", "working days before the hearing the appellant is notified")
    supervisor_witness_workdays: int = _rule(3, "R-APL-04", "working days before the hearing witnesses are named")
    supervisor_ruling_months: int = _rule(3, "R-APL-05", "months after filing within which an appeal is ruled on")
    supervisor_ordinary_answer_workdays: int = _rule(20, "R-APL-06", "working days to investigate and answer an "
                                                     "ordinary complaint or dispute")
    supervisor_major_answer_workdays: int = _rule(15, "R-APL-06", "working days for the expert group's written answer "
                                                  "to a major one")

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, (int, float)) and value <= 0 and item.name not in _MAY_BE_ZERO:
                raise ConfigurationError(f"{PREFIX}{item.name.upper()}={value}: must be more than 0")
        if any(not 0 < share < 1 for share in self.warning_shares()):
            raise ConfigurationError(f"{PREFIX}SLA_WARNINGS={self.sla_warnings!r}: shares between 0 and 1, "
                                     "comma-separated, e.g. 0.5,0.75")
        self._check_supervisor_limits()

    def _check_supervisor_limits(self) -> None:
        if self.supervisor_max_consecutive_years < self.supervisor_term_years:
            raise ConfigurationError(
                f"{PREFIX}SUPERVISOR_MAX_CONSECUTIVE_YEARS={self.supervisor_max_consecutive_years}: at least "
                f"one term ({PREFIX}SUPERVISOR_TERM_YEARS={self.supervisor_term_years})")
        if not 0 <= self.supervisor_written_weight <= 1:
            raise ConfigurationError(f"{PREFIX}SUPERVISOR_WRITTEN_WEIGHT={self.supervisor_written_weight}: "
                                     "a share from 0 (interview only) to 1 (written test only)")
        if not self.supervisor_correct_from <= self.supervisor_keep_from <= self.supervisor_commend_from <= 100:
            raise ConfigurationError(
                f"{PREFIX}SUPERVISOR_CORRECT_FROM, _KEEP_FROM, _COMMEND_FROM=({self.supervisor_correct_from}, "
                f"{self.supervisor_keep_from}, {self.supervisor_commend_from}): rising, at most 100")
        if self.supervisor_pass_mark > 100:
            raise ConfigurationError(f"{PREFIX}SUPERVISOR_PASS_MARK={self.supervisor_pass_mark}: at most 100")
        for name in ("supervisor_symposium_on", "supervisor_year_end_visit_on"):
            _check_month_day(name, getattr(self, name))

    def warning_shares(self) -> tuple[float, ...]:
        try:
            return tuple(sorted(float(part) for part in self.sla_warnings.split(",") if part.strip()))
        except ValueError:
            raise ConfigurationError(f"{PREFIX}SLA_WARNINGS={self.sla_warnings!r}: e.g. 0.5,0.75") from None

    def numbers(self) -> dict[str, float | int | str]:
        """Every setting by name, as diagrams and policy files read them (a new dict each call: a script
        may change what it got)."""
        return dict(self._numbers)

    @cached_property
    def _numbers(self) -> dict[str, float | int | str]:
        return asdict(self)  # every field is a number or a string, so a shallow copy is a full one

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "BranchSettings":
        return cls(**values_from_env(cls, environ, _typed_like_default))


def values_from_env(settings: type, environ: Mapping[str, str] | None,
                    convert: Callable[[Field, str], Any]) -> dict[str, Any]:
    """The fields of the dataclass `settings` that `SQFLOW_<NAME>` sets (empty counts as unset), converted."""
    environ = os.environ if environ is None else environ
    values = {}
    for item in fields(settings):
        raw = environ.get(PREFIX + item.name.upper())
        if raw is not None and raw != "":
            values[item.name] = convert(item, raw)
    return values


def _typed_like_default(item: Field, raw: str) -> Any:
    kind = type(item.default)
    try:
        return kind(raw)
    except ValueError:
        raise ConfigurationError(f"{PREFIX}{item.name.upper()}={raw!r} is not a {kind.__name__}") from None


def described() -> list[tuple[str, object, str, str]]:
    """(environment variable, default, rule, meaning) of every setting, for the README and the docs test."""
    return [(PREFIX + item.name.upper(), item.default, item.metadata["rule"], item.metadata["meaning"])
            for item in fields(BranchSettings)]
