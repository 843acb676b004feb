"""Running SLAs: started and stopped with the steps of an instance, warned and breached by the worker.

The share of allowed time used is measured without paused time: a pause moves the due time later
by its length when it ends. Warnings (default 50 % and 75 %) and the breach are audit events; a
breach also names the escalation target (R-SLA-09) and may send a signal into the diagram.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy import Row, and_, insert, select, update
from sqlalchemy.orm import Session

from ..calendar.schedules import loaded_schedules
from ..calendar.working_days import CalendarYearUnknown, DutyHours, WorkingDayCalendar
from ..errors import ConflictError
from ..persistence.tables import RunningSla
from ..persistence.tables import HumanTask
from ..runtime.journal import Journal
from ..runtime.views import Fields
from ..timers.leases import Claim
from .policies import PolicyBook
from .policy import PROCESS, Due, SlaPolicy, Target, due_time

if TYPE_CHECKING:
    from ..notifications import Notifier
    from ..runtime.step_writes import StepWrites

SLAS = RunningSla.__table__
_CLAIM = Claim(SLAS, open_=and_(SLAS.c.state == "running", SLAS.c.next_check_at.is_not(None)),
               due=lambda now: SLAS.c.next_check_at < now, order_by=[SLAS.c.next_check_at, SLAS.c.id])
NEXT_CHECK = (select(SLAS.c.next_check_at).where(SLAS.c.state == "running", SLAS.c.next_check_at.is_not(None))
              .order_by(SLAS.c.next_check_at).limit(1))
TASKS = HumanTask.__table__
OPEN = ("running", "paused")


@dataclass
class StepFacts:
    """What a step did, as the SLA tracker needs it."""

    process_id: str
    data: dict[str, Any]
    created: list[dict[str, Any]]  # new human-task rows (id, element_id, candidate_group); due_at and
                                   # due_provisional are filled in
    completed_elements: set[str]
    cancelled_tasks: set[str]
    starting: bool
    final: bool


def _allowed(row) -> timedelta:
    return (row.due_at - row.started_at) - timedelta(seconds=row.paused_seconds)


def _next_check(row, warnings: list[float], warned: list[float], breached: bool) -> datetime | None:
    if breached:
        return None
    base = row.started_at + timedelta(seconds=row.paused_seconds)
    moments = [base + _allowed(row) * w for w in warnings if w not in warned] + [row.due_at]
    return min(moments)


def case_deadline(data: dict[str, Any], name: str) -> Due | None:
    """A deadline the case holds (an ISO date and time with its offset); None without one."""
    value = data.get(name)
    if isinstance(value, str) and value.strip():
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        return None
    return Due(value.astimezone(timezone.utc), False)


class SlaTracker:
    def __init__(self, book: PolicyBook, calendar: WorkingDayCalendar, duty: DutyHours,
                 notifier: "Notifier | None" = None):
        self.book = book
        self.calendar = calendar
        self.duty = duty
        self.notifier = notifier
        # what else a breach does (the engine's: the policy's `on_breach`), in the breach's transaction
        self.breach_hooks: list[Callable[[Session, Any, datetime], None]] = []

    # --- with each step ---------------------------------------------------------------------

    def on_step(self, session: Session, instance_id: int, facts: StepFacts, journal: Journal,
                writes: "StepWrites | None" = None) -> None:
        """Start and end the instance's SLAs as the step did; new SLA rows go to `writes` when given."""
        for task in facts.created:
            task.setdefault("due_provisional", False)
        policies = self.book.for_process(session, facts.process_id)
        if not policies:
            return
        now = journal.at
        connection = session.connection()
        still_running = []
        if not facts.starting:
            running = connection.execute(select(SLAS).where(SLAS.c.instance_id == instance_id,
                                                            SLAS.c.state.in_(OPEN))).all()
            for row in running:
                if row.ends in facts.completed_elements or (facts.final and row.ends == PROCESS):
                    self._end(connection, row, "met" if now <= row.due_at else "missed", journal)
                elif row.task_id in facts.cancelled_tasks or facts.final:
                    self._end(connection, row, "missed" if row.breached_at else "cancelled", journal)
                else:
                    still_running.append(row)
        if facts.final:
            return
        for task in facts.created:  # the task that ends a span shows the span's deadline (e.g. reply from dispatch)
            spans = [row for row in still_running if row.ends == task["element_id"] and row.task_id is None]
            if spans:
                soonest = min(spans, key=lambda row: row.due_at)
                task["due_at"], task["due_provisional"] = soonest.due_at, soonest.provisional
        if facts.starting:
            for policy in policies:
                if policy.starts == PROCESS:
                    self._start(session, instance_id, policy, facts.data, None, None, journal, writes)
        for task in facts.created:
            for policy in policies:
                if policy.starts == task["element_id"]:
                    task_id = task["id"] if policy.ends == policy.starts else None
                    due = self._start(session, instance_id, policy, facts.data, task_id,
                                      task["candidate_group"], journal, writes)
                    if task_id and due is not None:
                        task["due_at"], task["due_provisional"] = due.at, due.provisional

    def _start(self, session: Session, instance_id: int, policy: SlaPolicy, data: dict, task_id: str | None,
               department: str | None, journal: Journal, writes: "StepWrites | None" = None) -> Due | None:
        rule = policy.rule_for(data)
        if rule is None:
            return None
        target = rule.target
        now = journal.at
        due = self._due(session, target, now) if target.field is None else case_deadline(data, target.field)
        if due is None:
            return None
        first_check = min([now + (due.at - now) * w for w in policy.warnings] + [due.at])
        row = dict(
            instance_id=instance_id, policy_id=policy.id, name=policy.name, ends=policy.ends, task_id=task_id,
            department=department, target_amount=target.amount, target_unit=target.unit, started_at=now,
            due_at=due.at, provisional=due.provisional, state="running", warnings=list(policy.warnings), warned=[],
            paused_at=None, paused_seconds=0, breached_at=None, ended_at=None, escalate_to=rule.escalate_to or policy.escalate_to,
            signal=policy.signal, next_check_at=first_check, claimed_by=None, lease_until=None)
        if writes is not None:
            writes.add(SLAS, [row])
        else:
            session.connection().execute(insert(SLAS).values(**row))
        journal.add("engine", "sla.started", task_id=task_id, element_id=policy.starts, details={
            "policy": policy.id, "target": str(target), "due_at": due.at.isoformat(), "provisional": due.provisional})
        return due

    def _due(self, session: Session, target: Target, start: datetime) -> Due:
        """The due time by the schedules known now. A year this process counts provisionally (or would
        refuse) may have been loaded since by another process (`sqflow calendar load`): look for it first."""
        try:
            due = due_time(target, start, self.calendar, self.duty)
        except CalendarYearUnknown as unknown:
            if not self._take_in_loaded(session, (unknown.year,)):
                raise
            return self._due(session, target, start)
        if due.unknown_years and self._take_in_loaded(session, due.unknown_years):
            return self._due(session, target, start)
        return due

    def _take_in_loaded(self, session: Session, years: tuple[int, ...]) -> bool:
        found = loaded_schedules(session, years)
        if found:
            self.calendar.loaded = {**self.calendar.loaded, **found}
        return bool(found)

    @staticmethod
    def _end(connection, row, state: str, journal: Journal) -> None:
        connection.execute(update(SLAS).where(SLAS.c.id == row.id).values(
            state=state, ended_at=journal.at, next_check_at=None, claimed_by=None, lease_until=None))
        journal.add("engine", f"sla.{state}", task_id=row.task_id, element_id=row.ends,
                    details={"policy": row.policy_id, "due_at": row.due_at.isoformat()})

    # --- pausing ----------------------------------------------------------------------------

    def pause(self, session: Session, instance_id: int, journal: Journal, reason: str | None) -> int:
        rows = session.connection().execute(
            update(SLAS).where(SLAS.c.instance_id == instance_id, SLAS.c.state == "running")
            .values(state="paused", paused_at=journal.at, next_check_at=None, claimed_by=None, lease_until=None)
            .returning(SLAS.c.policy_id)).all()
        for row in rows:
            journal.add("engine", "sla.paused", details={"policy": row.policy_id, "reason": reason})
        return len(rows)

    def resume(self, session: Session, instance_id: int, journal: Journal) -> int:
        connection = session.connection()
        rows = connection.execute(select(SLAS).where(SLAS.c.instance_id == instance_id, SLAS.c.state == "paused")).all()
        for row in rows:
            pause = journal.at - row.paused_at
            moved = Fields(row._mapping, paused_seconds=row.paused_seconds + int(pause.total_seconds()),
                           due_at=row.due_at + timedelta(seconds=int(pause.total_seconds())))
            connection.execute(update(SLAS).where(SLAS.c.id == row.id).values(
                state="running", paused_at=None, paused_seconds=moved.paused_seconds, due_at=moved.due_at,
                next_check_at=_next_check(moved, row.warnings, row.warned, row.breached_at is not None)))
            self._move_task_due(connection, moved)
            journal.add("engine", "sla.resumed", details={
                "policy": row.policy_id, "paused_s": int(pause.total_seconds()), "due_at": moved.due_at.isoformat()})
        return len(rows)

    @staticmethod
    def _move_task_due(connection, sla) -> None:
        """The task that shows a moved SLA's due time shows it too: its own task, or the open tasks
        that end a span (which show the soonest of the spans they end)."""
        if sla.task_id:
            connection.execute(update(TASKS).where(TASKS.c.id == sla.task_id).values(
                due_at=sla.due_at, due_provisional=sla.provisional))
            return
        soonest = connection.execute(
            select(SLAS.c.due_at, SLAS.c.provisional).where(
                SLAS.c.instance_id == sla.instance_id, SLAS.c.ends == sla.ends, SLAS.c.task_id.is_(None),
                SLAS.c.state.in_(OPEN)).order_by(SLAS.c.due_at).limit(1)).first()
        if soonest is not None:
            connection.execute(update(TASKS).where(
                TASKS.c.instance_id == sla.instance_id, TASKS.c.element_id == sla.ends, TASKS.c.state == "open")
                .values(due_at=soonest.due_at, due_provisional=soonest.provisional))

    # --- the worker's part ------------------------------------------------------------------

    def claim(self, session: Session, worker: str, now: datetime, lease: timedelta, limit: int) -> list[Row]:
        return _CLAIM(session, worker, now, lease, limit)

    def check(self, session: Session, row, worker: str, journal: Journal) -> str | None:
        """Record the warnings and breach now due; returns the signal to send into the instance, if any."""
        now = journal.at
        allowed = _allowed(row).total_seconds()
        used = (now - row.started_at).total_seconds() - row.paused_seconds
        warned = list(row.warned)
        for threshold in row.warnings:
            if threshold not in warned and used >= threshold * allowed:
                warned.append(threshold)
                journal.add("engine", "sla.warning", task_id=row.task_id, element_id=row.ends, details={
                    "policy": row.policy_id, "threshold": threshold, "due_at": row.due_at.isoformat()})
        breached = row.breached_at is not None or now > row.due_at
        if self.notifier and len(warned) > len(row.warned) and not breached:  # the latest threshold only
            self.notifier.sla_warning(session, row, max(warned), now)
        signal = None
        if breached and row.breached_at is None:
            journal.add("engine", "sla.breached", task_id=row.task_id, element_id=row.ends, details={
                "policy": row.policy_id, "due_at": row.due_at.isoformat(),
                "late_ms": int((now - row.due_at).total_seconds() * 1000)})
            if row.escalate_to:
                journal.add("engine", "sla.escalated", task_id=row.task_id, element_id=row.ends,
                            details={"policy": row.policy_id, "to": row.escalate_to})
            if self.notifier:
                self.notifier.sla_breached(session, row, now)
            signal = row.signal
        result = session.connection().execute(
            update(SLAS).where(SLAS.c.id == row.id, SLAS.c.state == "running", SLAS.c.claimed_by == worker)
            .values(warned=warned, breached_at=row.breached_at or (now if breached else None),
                    next_check_at=_next_check(row, row.warnings, warned, breached), claimed_by=None,
                    lease_until=None))
        if result.rowcount != 1:
            raise ConflictError(f"SLA #{row.id} changed while being checked")
        if breached and row.breached_at is None:
            for hook in self.breach_hooks:
                hook(session, row, now)
        return signal

    def recompute_provisional(self, session: Session, at: datetime) -> int:
        """Count provisional deadlines again with the schedules known now (after an operator loaded a
        year); returns how many moved or became final. Each one is recorded on its instance."""
        connection = session.connection()
        rows = connection.execute(select(SLAS).where(SLAS.c.provisional.is_(True), SLAS.c.state.in_(OPEN))).all()
        changed = 0
        for row in rows:
            try:
                due = self._due(session, Target(row.target_amount, row.target_unit), row.started_at)
            except CalendarYearUnknown:  # the policy became `refuse`: it stays as it was counted
                continue
            moved = Fields(row._mapping, due_at=due.at + timedelta(seconds=row.paused_seconds),
                           provisional=due.provisional)
            if (moved.due_at, moved.provisional) == (row.due_at, row.provisional):
                continue
            connection.execute(update(SLAS).where(SLAS.c.id == row.id).values(
                due_at=moved.due_at, provisional=due.provisional,
                next_check_at=None if row.state == "paused" else _next_check(
                    moved, row.warnings, row.warned, row.breached_at is not None)))
            self._move_task_due(connection, moved)
            Journal(session, row.instance_id, at).add(
                "engine", "sla.recomputed", task_id=row.task_id, element_id=row.ends,
                details={"policy": row.policy_id, "was": row.due_at.isoformat(), "due_at": moved.due_at.isoformat(),
                         "provisional": due.provisional}).flush()
            changed += 1
        return changed
