"""Managers' figures: open SLAs by standing, and the dashboard (instances by state, departments' month,
complaint hot topics)."""
from __future__ import annotations

from engine.reads import calendar_outlook, count_by_state, department_month, month_bounds, open_slas
from processes.complaints.analysis import analyse
from processes.complaints.assessment import assess_departments, assessment_date, is_final

from .. import runtime
from . import bp
from .access import require_role
from .framework import operation, paged
from .params import DashboardQuery, SlaQuery
from .schemas import DashboardSchema, SlaPageSchema


@operation(bp, "/slas", "GET", tag="reports", summary="Open SLAs, most urgent first (managers)",
           query=SlaQuery, response=SlaPageSchema,
           description="`standing`: on_track, warning (a warning threshold passed), breached, paused.")
def list_slas(query: dict):
    require_role("manager")
    with runtime.transaction() as db:
        rows = open_slas(db, runtime.engine().clock.now(), standing_is=query.get("standing"),
                         department=query.get("department"), instance_id=query.get("instance_id"))
    return paged(rows, query)


@operation(bp, "/dashboard", "GET", tag="reports", summary="Dashboard figures of a month (managers)",
           query=DashboardQuery, response=DashboardSchema,
           description="Instances by state, open breaches and provisional deadlines now; per department the "
                       "work orders whose SLA ended in the month: on-time rate (及时率) and average hours against "
                       "the limit (R-SLA-05) and the vendor assessment's score (R-MSR-02); complaints received in "
                       "the month by category and channel (R-CLS-03).")
def dashboard(query: dict):
    require_role("manager")
    engine = runtime.engine()
    zone, now, rules = engine.settings.zone(), engine.clock.now(), engine.settings.branch
    month = query.get("month") or now.astimezone(zone).strftime("%Y-%m")
    with runtime.transaction() as db:
        states = count_by_state(db)
        departments = department_month(db, month, zone, rules.handling_hours_limit)
        breaches = open_slas(db, now, standing_is="breached")
        outlook = calendar_outlook(db, engine.calendar, now)
        topics = analyse(db, *month_bounds(month, zone))
    scores = assess_departments(departments, rules)
    return {"month": month, "instances_by_state": states, "open_breaches": len(breaches),
            "hours_limit": rules.handling_hours_limit,
            "provisional_deadlines": outlook.provisional_deadlines,
            "calendar_years_not_loaded": list(outlook.unknown_years),
            "departments": departments,
            "vendor_scores": [{**vars(s), "score": s.score, "section_lost": s.section_lost} for s in scores],
            "assessed_on": assessment_date(month, rules),
            "assessment_final": is_final(month, now.astimezone(zone).date(), rules),
            "hot_topics": {"received": topics.received, "by_category": _counts(topics.by_category),
                           "by_channel": _counts(topics.by_channel), "repeat_rate": topics.repeat_rate,
                           "answered": topics.answered, "on_time_rate": topics.on_time_rate}}


def _counts(pairs: list[tuple[str, int]]) -> list[dict]:
    return [{"name": str(name), "count": count} for name, count in pairs]
