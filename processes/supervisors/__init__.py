"""Service-quality supervisors (社会监督员): recruitment, appointment with verifiable IDs, terms, the
yearly cycle, mystery-visit reports, appeals (R-SUP-01..09, R-APL-03..07).

Diagrams in `bpmn/supervisors/`: `supervisor_recruitment` (a campaign), `supervisor_term` (one term
of office per certificate), `supervisor_report` (a mystery-visit report), `supervisor_appeal`
(appeals and disputes). Their helpers are below; the engine-facing operations are in `operations`
and `reports`, the ID and its verification in `credentials`, the roster in `roster`.
"""
from __future__ import annotations

from typing import Callable


def diagram_helpers() -> dict[str, Callable]:
    from . import appeals, recruitment, terms

    return {
        "admit_application": recruitment.admit_application,
        "sort_eligible": recruitment.sort_eligible,
        "qualification_outcome": recruitment.qualification_outcome,
        "panel_members": recruitment.panel_members,
        "panel_assignments": recruitment.panel_assignments,
        "rank_candidates": recruitment.rank_candidates,
        "appointable": recruitment.appointable,
        "with_appeal_deadline": recruitment.with_appeal_deadline,
        "term_end_after": terms.term_end_after,
        "days_before": terms.days_before,
        "renewal_refusal": terms.renewal_refusal,
        "yearly_plan": terms.yearly_plan,
        "assessment_outcome": terms.assessment_outcome,
        "open_agenda": terms.open_agenda,
        "agenda_after": terms.agenda_after,
        "agenda_for_new_term": terms.agenda_for_new_term,
        "next_wake": terms.next_wake,
        "noted": terms.noted,
        "late_appeal_refusal": appeals.late_appeal_refusal,
        "hearing_problem": appeals.hearing_problem,
        "working_days_before": appeals.working_days_before,
        "months_after": appeals.months_after,
        "without_interest": appeals.without_interest,
        "case_handler": appeals.case_handler,
    }
