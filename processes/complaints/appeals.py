"""Appeals to the regulator's appeal centre (申诉): when one is refused (R-APL-01), and its quarter (R-APL-02).

The limits are the branch's settings (`appeal_billing_months`, `appeal_other_years`): the diagram
passes those its case started with, e.g. `appeal_refusal(..., billing_months=limits['appeal_billing_months'])`;
without them the settings' defaults apply.
"""
from __future__ import annotations

from calendar import monthrange
from datetime import date

from engine.branch_settings import BranchSettings

DEFAULT = BranchSettings()

GROUNDS = {
    "billing_too_old": "billing dispute older than {months} months",
    "too_old": "matter older than {years} years",
    "settled": "the parties already settled and carried it out",
    "mediated": "the centre already mediated it with a written opinion",
}


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _day(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def appeal_refusal(category: str, occurred_on: str | date, received_on: str | date, settled: bool,
                   mediated: bool, billing_months: int | None = None, other_years: int | None = None) -> str | None:
    """The ground on which the centre refuses the appeal, or None when it is admissible (R-APL-01)."""
    billing_months = billing_months or DEFAULT.appeal_billing_months
    other_years = other_years or DEFAULT.appeal_other_years
    occurred, received = _day(occurred_on), _day(received_on)
    if received < occurred:
        raise ValueError(f"the appeal ({received}) cannot come before the matter ({occurred})")
    if category == "billing" and received > _add_months(occurred, billing_months):
        return GROUNDS["billing_too_old"].format(months=billing_months)
    if category != "billing" and received > _add_months(occurred, 12 * other_years):
        return GROUNDS["too_old"].format(years=other_years)
    if settled:
        return GROUNDS["settled"]
    if mediated:
        return GROUNDS["mediated"]
    return None


def quarter_of(day: str | date) -> str:
    """The statistics quarter of a date, e.g. '2026Q3' (R-APL-02)."""
    when = _day(day)
    return f"{when.year}Q{(when.month - 1) // 3 + 1}"


APPEAL_ROUTE = ("不满意可向工业和信息化部电信用户申诉受理中心申诉（电话 12300）: the customer may appeal to the MIIT "
                "telecom user appeal centre, 12300")


def appeal_route() -> str:
    """What the customer is told about appealing (R-SLA-02)."""
    return APPEAL_ROUTE


def diagram_helpers() -> dict:
    return {"appeal_refusal": appeal_refusal, "quarter_of": quarter_of, "appeal_route": appeal_route}
