"""The limits of the supervisor processes: defaults from the rules, each overridable per branch.

Every number of R-SUP-* and R-APL-03..07 lives here, never in a diagram. A branch overrides one with
an environment variable `SQFLOW_SUPERVISOR_<NAME>` (e.g. `SQFLOW_SUPERVISOR_TERM_YEARS=3`). Diagrams
copy the policy into their data when they start (`policy = supervisor_policy()`), so a running
instance keeps the limits it started with.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, fields
from typing import Mapping

ENV_PREFIX = "SQFLOW_SUPERVISOR_"


@dataclass(frozen=True)
class SupervisorPolicy:
    term_years: int = 2                 # R-SUP-05 (some branches use 3)
    max_consecutive_years: int = 4      # R-SUP-05
    renewal_window_days: int = 60       # the renewal review opens this long before the term ends
    pass_mark: float = 60.0             # R-SUP-01 selection on merit: lowest panel average appointed
    written_weight: float = 0.5         # the written test's share of a candidate's score
    min_reviewers: int = 2              # panel members who must score each candidate (after 回避)
    commend_from: float = 90.0          # R-SUP-07 yearly assessment outcome thresholds
    keep_from: float = 70.0
    correct_from: float = 60.0          # below: the appointment ends
    training_after_days: int = 30       # the yearly training, this long into each year of service
    assessment_before_days: int = 30    # the yearly assessment, this long before the year ends
    symposium_on: str = "06-28"         # R-SUP-08 座谈会, month-day in each year of service
    year_end_visit_on: str = "12-20"    # R-SUP-08 走访慰问
    appeal_workdays: int = 30           # R-APL-03
    hearing_workdays: int = 15          # R-APL-04
    notice_workdays: int = 5            # R-APL-04
    witness_workdays: int = 3           # R-APL-04
    ruling_months: int = 3              # R-APL-05
    ordinary_answer_workdays: int = 20  # R-APL-06
    major_answer_workdays: int = 15     # R-APL-06

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "SupervisorPolicy":
        environ = os.environ if environ is None else environ
        values = {}
        for item in fields(cls):
            raw = environ.get(ENV_PREFIX + item.name.upper())
            if raw is None:
                continue
            kind = type(getattr(cls, item.name))
            try:
                values[item.name] = kind(raw)
            except ValueError:
                raise ValueError(f"{ENV_PREFIX}{item.name.upper()}={raw!r} is not a {kind.__name__}") from None
        policy = cls(**values)
        if policy.term_years < 1 or policy.max_consecutive_years < policy.term_years:
            raise ValueError("a term is at least 1 year and no longer than the consecutive service allowed")
        return policy


def supervisor_policy() -> dict:
    """The policy as plain data, for a diagram to keep in its instance (diagram helper)."""
    return asdict(SupervisorPolicy.from_env())
