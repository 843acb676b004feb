"""Periodic analysis of complaints (R-CLS-03): hot topics, repeat rate and on-time rate (及时率)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.persistence.tables import ProcessInstance, RunningSla

PROCESS_ID = "complaint"


@dataclass(frozen=True)
class ComplaintAnalysis:
    received: int
    by_category: list[tuple[str, int]]  # hot topics, most frequent first
    by_channel: list[tuple[str, int]]
    repeat_rate: float                  # share of cases that repeat an earlier one (R-CMP-07)
    answered: int                       # cases whose 15-working-day answer clock ended in the period
    on_time_rate: float | None          # share of those answered in time (None when none ended)


def analyse(session: Session, start: datetime, end: datetime) -> ComplaintAnalysis:
    """Complaints received in [start, end), from the fields the process keeps on each case."""
    cases = session.scalars(select(ProcessInstance.attributes).where(
        ProcessInstance.process_id == PROCESS_ID, ProcessInstance.started_at >= start,
        ProcessInstance.started_at < end)).all()
    cases = [c for c in cases if c.get("contact_type") in ("complaint", "fault_report")]
    categories = Counter(c.get("category", "unknown") for c in cases)
    channels = Counter(c.get("channel", "unknown") for c in cases)
    repeats = sum(1 for c in cases if c.get("repeat_of"))
    answers = session.scalars(select(RunningSla.state).where(
        RunningSla.policy_id == "answer", RunningSla.state.in_(("met", "missed")),
        RunningSla.ended_at >= start, RunningSla.ended_at < end)).all()
    return ComplaintAnalysis(
        received=len(cases), by_category=categories.most_common(), by_channel=channels.most_common(),
        repeat_rate=repeats / len(cases) if cases else 0.0, answered=len(answers),
        on_time_rate=answers.count("met") / len(answers) if answers else None)
