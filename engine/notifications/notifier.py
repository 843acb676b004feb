"""Who hears about what: written as rows in the transaction of the step that caused it.

A step only inserts rows (the in-app notification for each person, and an outbox mail for those
who chose mail and have an address); a worker delivers the mail later. Notifying never breaks a
workflow step: the hooks for deadlines and answers run in a savepoint and swallow their own failures;
the one for new tasks, which every step calls, works out everything that could fail before it writes.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..people.directory import changes as account_changes
from ..persistence.bulk import insert_rows
from ..persistence.tables import Group, HumanTask, ProcessInstance, UserAccount
from ..timers.store import NOTIFY_CHANNEL
from .kinds import SLA_BREACHED, SLA_WARNING, SUPERVISOR_ANSWERED, TASK_ASSIGNED, TASK_FOR_GROUP
from .preferences import wanting_mail
from .tables import Notification, OutboxMail
from .texts import render

if TYPE_CHECKING:
    from ..runtime.step_writes import StepWrites

log = logging.getLogger("sqflow.notifications")
NOTIFICATIONS = Notification.__table__
OUTBOX = OutboxMail.__table__
USERS = UserAccount.__table__


@dataclass(frozen=True)
class Person:
    login: str
    locale: str
    email: str | None
    groups: frozenset[str]


class Notifier:
    def __init__(self, zone: ZoneInfo, mail_enabled: bool, people_ttl_seconds: float = 5.0):
        self.zone = zone
        self.mail_enabled = mail_enabled  # without an SMTP server configured, in-app only
        # Who may be told, read again when accounts change here, and at least every few seconds for
        # changes made by other processes: every step asks, accounts rarely change.
        self._people_ttl = people_ttl_seconds
        self._people: tuple[float, int, list[Person]] | None = None

    def people(self, session: Session) -> list[Person]:
        now, generation = time.monotonic(), account_changes()
        if self._people is None or now - self._people[0] > self._people_ttl or self._people[1] != generation:
            self._people = (now, generation, _people(session))
        return self._people[2]

    # --- hooks called by the engine ---------------------------------------------------------

    def tasks_created(self, session: Session, instance_id: int, rows: list[dict[str, Any]], at: datetime,
                      case: str | None = None, writes: "StepWrites | None" = None) -> int:
        """New human tasks: to their assignee, or else to every member of their candidate group.
        `case` is the instance's business key, when the caller has it at hand; the notifications go to
        `writes` (saved with the step) when given."""
        if not rows:
            return 0
        # Every step that creates a task comes here, so it writes without a savepoint: what could
        # fail (who is told, the texts) is worked out first, and a step never fails for it.
        try:
            people = self.people(session)
            told = []
            for row in rows:
                if row.get("assignee"):
                    told.append((row, TASK_ASSIGNED, [p for p in people if p.login == row["assignee"]]))
                else:
                    told.append((row, TASK_FOR_GROUP, _members(people, row.get("candidate_group"))))
            if not any(readers for _, _, readers in told):
                return 0
            case = case or _case(session, instance_id)
            letters = []
            for row, kind, readers in told:
                params = {"task": row["name"], "case": case, "due": self._time(row.get("due_at")),
                          "group": _group_label(session, row.get("candidate_group"))}
                details = {"element_id": row["element_id"], "group": row.get("candidate_group")}
                letters.append(self._letter(kind, readers, params, details, instance_id, row["id"]))
        except Exception:
            log.exception("could not write task notifications; the step goes on without them")
            return 0
        return sum(self._send(session, letter, at, writes) for letter in letters)

    def sla_warning(self, session: Session, sla: Any, threshold: float, at: datetime) -> int:
        """A deadline passed a warning threshold: to the members of its escalation group (without one,
        of the department working it) and to the assignee of its task."""
        return self._guarded(session, "sla warning", lambda: self._sla(session, SLA_WARNING, sla, at, {
            "percent": round(threshold * 100), "threshold": threshold}))

    def sla_breached(self, session: Session, sla: Any, at: datetime) -> int:
        """A deadline was missed: to the escalation target of R-SLA-09 and the task's assignee."""
        return self._guarded(session, "sla breach", lambda: self._sla(session, SLA_BREACHED, sla, at, {}))

    def supervisor_answered(self, session: Session, *, supervisor: str, report: str, at: datetime,
                            summary: str = "", instance_id: int | None = None,
                            report_id: int | str | None = None) -> int:
        """The company answered a supervisor's report (R-SUP-06): to that supervisor's login."""
        def write() -> int:
            readers = [p for p in self.people(session) if p.login == supervisor]
            return self._write(session, SUPERVISOR_ANSWERED, readers, {"report": report, "summary": summary},
                               {"report_id": report_id}, at, instance_id, None)
        return self._guarded(session, "supervisor answer", write)

    def case_notice(self, session: Session, kind: str, *, at: datetime, instance_id: int | None,
                    params: dict[str, Any], details: dict[str, Any], logins: Iterable[str] = (),
                    groups: Iterable[str] = ()) -> int:
        """Something happened to a case that these people, and the members of these groups, should know."""
        def write() -> int:
            named, members = set(logins), set(groups)
            readers = [p for p in self.people(session) if p.login in named or p.groups & members]
            return self._write(session, kind, readers, {"case": _case(session, instance_id), **params}, details,
                               at, instance_id, None)
        return self._guarded(session, kind, write)

    # --- writing ----------------------------------------------------------------------------

    def _sla(self, session: Session, kind: str, sla: Any, at: datetime, extra: dict[str, Any]) -> int:
        people = self.people(session)
        target = sla.escalate_to or sla.department
        readers = {p.login: p for p in _members(people, target)}
        if sla.task_id:
            holder = session.connection().execute(select(HumanTask.__table__.c.assignee).where(
                HumanTask.__table__.c.id == sla.task_id, HumanTask.__table__.c.state == "open")).scalar()
            readers.update({p.login: p for p in people if p.login == holder})
        params = {"sla": sla.name, "case": _case(session, sla.instance_id), "due": self._time(sla.due_at),
                  "to": _group_label(session, sla.escalate_to), **extra}
        details = {"policy": sla.policy_id, "escalate_to": sla.escalate_to, "due_at": sla.due_at.isoformat(),
                   **({"threshold": extra["threshold"]} if "threshold" in extra else {})}
        return self._write(session, kind, list(readers.values()), params, details, at, sla.instance_id, sla.task_id)

    def _write(self, session: Session, kind: str, readers: list[Person], params: dict[str, Any],
               details: dict[str, Any], at: datetime, instance_id: int | None, task_id: str | None) -> int:
        return self._send(session, self._letter(kind, readers, params, details, instance_id, task_id), at)

    @staticmethod
    def _letter(kind: str, readers: list[Person], params: dict[str, Any], details: dict[str, Any],
                instance_id: int | None, task_id: str | None) -> "_Letter":
        texts = {locale: render(kind, locale, params) for locale in {p.locale for p in readers}}
        return _Letter(kind, readers, {p.login: texts[p.locale] for p in readers}, details, instance_id, task_id)

    def _send(self, session: Session, letter: "_Letter", at: datetime, writes: "StepWrites | None" = None) -> int:
        """Store one notification per reader, and queue mail for those who want it."""
        kind, readers, rendered, details = letter.kind, letter.readers, letter.rendered, letter.details
        instance_id, task_id = letter.instance_id, letter.task_id
        if not readers:
            return 0
        connection = session.connection()
        store = writes.add if writes is not None else partial(insert_rows, connection)
        store(NOTIFICATIONS, [
            {"recipient": p.login, "kind": kind, "instance_id": instance_id, "task_id": task_id,
             "title": rendered[p.login][0], "body": rendered[p.login][1], "details": details, "created_at": at,
             "read_at": None} for p in readers])
        mailed = [p for p in readers if p.email] if self.mail_enabled else []
        wanted = wanting_mail(session, (p.login for p in mailed), kind)
        mails = [p for p in mailed if p.login in wanted]
        if mails:
            store(OUTBOX, [
                {"recipient": p.login, "address": p.email, "kind": kind, "instance_id": instance_id,
                 "task_id": task_id, "subject": rendered[p.login][0], "body": rendered[p.login][1],
                 "state": "pending", "attempts": 0, "next_attempt_at": at, "last_error": None, "created_at": at,
                 "sent_at": None, "claimed_by": None, "lease_until": None} for p in mails])
            if connection.dialect.name == "postgresql":  # wakes a sleeping worker, as a new timer does
                connection.execute(text("SELECT pg_notify(:channel, :due)"),
                                   {"channel": NOTIFY_CHANNEL, "due": at.isoformat()})
        log.info("notified %d person(s) of %s", len(readers), kind, extra={
            "instance_id": instance_id, "task_id": task_id, "kind": kind, "mails": len(mails)})
        return len(readers)

    def _guarded(self, session: Session, what: str, write: Callable[[], int]) -> int:
        try:
            with session.begin_nested():
                return write()
        except Exception:  # a notification is never worth a failed step
            log.exception("could not write %s notifications; the step goes on without them", what)
            return 0

    def _time(self, value: datetime | None) -> str | None:
        return value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M") if value else None


@dataclass(frozen=True)
class _Letter:
    """One notification, rendered in each reader's language, not yet stored."""
    kind: str
    readers: list[Person]
    rendered: dict[str, tuple[str, str]]
    details: dict[str, Any]
    instance_id: int | None
    task_id: str | None


def _people(session: Session) -> list[Person]:
    rows = session.connection().execute(select(USERS.c.login, USERS.c.locale, USERS.c.email, USERS.c.groups)
                                        .where(USERS.c.active.is_(True))).all()
    return [Person(r.login, r.locale, r.email or None, frozenset(r.groups or ())) for r in rows]


def _members(people: Iterable[Person], group: str | None) -> list[Person]:
    return [p for p in people if group and group in p.groups]


def _group_label(session: Session, name: str | None) -> str:
    """What people call a group (its code when it has no label)."""
    if not name:
        return ""
    label = session.connection().execute(select(Group.__table__.c.label).where(Group.__table__.c.name == name)).scalar()
    return label or name


def _case(session: Session, instance_id: int | None) -> str:
    if instance_id is None:
        return ""
    key = session.connection().execute(select(ProcessInstance.__table__.c.business_key).where(
        ProcessInstance.__table__.c.id == instance_id)).scalar()
    return key or f"#{instance_id}"
