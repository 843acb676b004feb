"""Delivering the mail outbox: claimed with a lease (several workers never send one mail twice while
their lease holds), sent outside any transaction, the result recorded with every attempt.

Failed attempts are tried again with a growing pause (1, 2, 4 ... minutes, at most 6 hours);
after MAX_ATTEMPTS, or at once when the server refuses the recipient for good (5xx), the mail is
`failed`. Only the timer worker runs this, never a web worker.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Callable, Protocol

from sqlalchemy import Row, and_, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..clock import Clock
from ..timers.leases import Claim
from .customer import CUSTOMER
from .mailer import MailError
from .tables import MailAttempt, OutboxMail

log = logging.getLogger("sqflow.mail")
OUTBOX = OutboxMail.__table__
STAFF_MAIL = OUTBOX.c.kind.not_like(CUSTOMER + "%")  # messages to customers wait for their gateway (customer.py)
_CLAIM = Claim(OUTBOX, open_=and_(OUTBOX.c.state == "pending", STAFF_MAIL),
               due=lambda now: OUTBOX.c.next_attempt_at <= now,
               order_by=[OUTBOX.c.next_attempt_at, OUTBOX.c.id])
ATTEMPTS = MailAttempt.__table__
MAX_ATTEMPTS = 8
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(hours=6)


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


def pause_after(attempts: int) -> timedelta:
    """How long to wait before the next try after `attempts` failed ones."""
    return min(FIRST_PAUSE * 2 ** max(0, attempts - 1), LONGEST_PAUSE)


class MailDelivery:
    def __init__(self, sessions: sessionmaker[Session], mailer: Mailer, clock: Clock, *, worker: str,
                 lease: timedelta, batch: int = 10):
        self.sessions = sessions
        self.mailer = mailer
        self.clock = clock
        self.worker = worker
        self.lease = lease
        self.batch = batch
        self.sent = 0

    def run_due(self, stopping: Callable[[], bool] = lambda: False) -> int:
        """Send every mail due by now; returns how many were accepted by the server."""
        sent = 0
        while not stopping():
            with self.sessions.begin() as session:
                claimed = _CLAIM(session, self.worker, self.clock.now(), self.lease, self.batch)
            if not claimed:
                break
            for mail in claimed:
                if stopping():
                    self.release([m.id for m in claimed])
                    break
                sent += self._deliver(mail)
        self.sent += sent
        return sent

    def _deliver(self, mail: Row) -> int:
        error: MailError | None = None
        try:
            self.mailer.send(mail.address, mail.subject, mail.body)
        except MailError as exc:
            error = exc
        except Exception as exc:  # a bug in sending must not stop the worker; the mail is tried again
            error = MailError(f"{type(exc).__name__}: {exc}")
        now = self.clock.now()
        attempts = mail.attempts + 1
        if error is None:
            values = dict(state="sent", sent_at=now, next_attempt_at=None, last_error=None)
        elif error.permanent or attempts >= MAX_ATTEMPTS:
            values = dict(state="failed", next_attempt_at=None, last_error=str(error))
        else:
            values = dict(next_attempt_at=now + pause_after(attempts), last_error=str(error))
        ids = {"instance_id": mail.instance_id, "task_id": mail.task_id, "mail_id": mail.id}
        with self.sessions.begin() as session:
            connection = session.connection()
            connection.execute(insert(ATTEMPTS).values(mail_id=mail.id, at=now, worker=self.worker,
                                                       ok=error is None, error=None if error is None else str(error)))
            held = connection.execute(update(OUTBOX).where(OUTBOX.c.id == mail.id, OUTBOX.c.claimed_by == self.worker)
                                      .values(attempts=attempts, claimed_by=None, lease_until=None, **values)).rowcount
        if not held:
            log.warning("mail %s: lease lost while sending (another worker may send it again)", mail.id, extra=ids)
        if error is None:
            log.info("mail %s (%s) sent to %s", mail.id, mail.kind, mail.recipient, extra=ids)
            return 1
        log.warning("mail %s to %s failed (attempt %d, %s): %s", mail.id, mail.recipient, attempts,
                    values.get("state", "will retry"), error, extra=ids)
        return 0

    def release(self, mail_ids: list[int] | None = None) -> int:
        """Hand back claims (on shutdown)."""
        statement = update(OUTBOX).where(OUTBOX.c.state == "pending", OUTBOX.c.claimed_by == self.worker)
        if mail_ids is not None:
            statement = statement.where(OUTBOX.c.id.in_(mail_ids))
        with self.sessions.begin() as session:
            return session.connection().execute(statement.values(claimed_by=None, lease_until=None)).rowcount

    def next_due(self, session: Session) -> datetime | None:
        """The next pending mail's attempt time, or when a claim's lease runs out."""
        connection = session.connection()
        waiting = connection.execute(select(OUTBOX.c.next_attempt_at).where(
            OUTBOX.c.state == "pending", STAFF_MAIL, OUTBOX.c.claimed_by.is_(None)).order_by(OUTBOX.c.next_attempt_at).limit(1)).scalar()
        leased = connection.execute(select(OUTBOX.c.lease_until).where(
            OUTBOX.c.state == "pending", STAFF_MAIL, OUTBOX.c.claimed_by.is_not(None)).order_by(OUTBOX.c.lease_until).limit(1)).scalar()
        moments = [m for m in (waiting, leased) if m]
        return min(moments) if moments else None
