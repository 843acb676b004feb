"""What the service's metrics report of the database: instances, open tasks, due timers, SLAs, mails."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..notifications.tables import OutboxMail
from ..persistence.tables import HumanTask, ProcessInstance, RunningSla, Timer

INSTANCES, TASKS, TIMERS = ProcessInstance.__table__, HumanTask.__table__, Timer.__table__
SLAS, OUTBOX = RunningSla.__table__, OutboxMail.__table__
MAIL_STATES = ("pending", "sent", "failed")


@dataclass(frozen=True)
class ServiceFigures:
    instances: list[tuple[str, str, int]]      # (process id, state, how many)
    open_tasks: list[tuple[str, int]]          # (candidate group or "", how many)
    timers_due: int                            # due but not fired yet, of active instances
    timer_lag_seconds: float                   # the age of the oldest of those
    open_slas: dict[str, int]                  # standing -> how many running or paused
    sla_warnings: int
    sla_breaches: int
    mails: dict[str, int]                      # outbox state -> how many


def service_figures(session: Session, now: datetime) -> ServiceFigures:
    connection = session.connection()
    instances = [tuple(row) for row in connection.execute(
        select(INSTANCES.c.process_id, INSTANCES.c.state, func.count())
        .group_by(INSTANCES.c.process_id, INSTANCES.c.state))]
    tasks = [(group or "", count) for group, count in connection.execute(
        select(TASKS.c.candidate_group, func.count()).where(TASKS.c.state == "open")
        .group_by(TASKS.c.candidate_group))]
    due = (TIMERS.c.state.in_(("waiting", "claimed")), TIMERS.c.due_at < now, INSTANCES.c.state == "active")
    oldest, timers_due = connection.execute(
        select(func.min(TIMERS.c.due_at), func.count()).select_from(TIMERS)
        .join(INSTANCES, INSTANCES.c.id == TIMERS.c.instance_id).where(*due)).one()
    lag = 0.0 if oldest is None else max(0.0, (now - _aware(oldest, now)).total_seconds())
    standing = {"on_track": 0, "warning": 0, "breached": 0}
    for breached_at, warned in connection.execute(select(SLAS.c.breached_at, SLAS.c.warned)
                                                  .where(SLAS.c.state.in_(("running", "paused")))):
        standing["breached" if breached_at else "warning" if warned else "on_track"] += 1
    warnings = connection.execute(select(func.coalesce(func.sum(func.json_array_length(SLAS.c.warned)), 0))).scalar()
    breaches = connection.execute(select(func.count()).where(SLAS.c.breached_at.is_not(None))).scalar()
    mails = dict(connection.execute(select(OUTBOX.c.state, func.count()).group_by(OUTBOX.c.state)).all())
    return ServiceFigures(instances, tasks, timers_due, lag, standing, int(warnings or 0), breaches or 0,
                          {state: mails.get(state, 0) for state in MAIL_STATES})


def _aware(moment: datetime, like: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=like.tzinfo)
