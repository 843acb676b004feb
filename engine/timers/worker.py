"""The timer worker: claims due timers, fires them, sleeps until the next one.

`run_due()` does one round of work at the clock's current time (tests move a ManualClock and call
it). On PostgreSQL the timers and SLA checks claimed in a round are worked in transactions of up to
`timer_fire_together` each, every one in its own savepoint, so a failure rolls back only its own
timer and a burst of due timers costs one commit per group instead of one per timer. A timer claimed
before (its firing failed, or its worker died) fires alone in its own transaction, so one that takes
its worker down takes no other timer's firing with it. On SQLite each is its own transaction: one
transaction there holds the database's write lock, which must cover a save and not the steps.

`serve()` runs it under an APScheduler 3 scheduler whose single job is always set to the next due
time - no fixed polling - and is moved earlier when PostgreSQL announces an earlier timer
(LISTEN/NOTIFY) or `wake()` is called in-process. A safety wake-up every `max_sleep` covers a lost
notification. Several workers may share one database: claims never overlap, and a dead worker's
claims are taken over when their lease runs out.

When SMTP is configured, `start()` also runs a small mail loop in its own thread that sends the
notification outbox (`deliver_mail()`), so a slow mail server never delays a timer. Web workers
never send mail.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..engine import Engine
from ..errors import ConflictError, SqflowError
from ..logs import configure_logging, log_context
from ..notifications import MailDelivery, SmtpMailer
from ..persistence.database import savepoint
from ..runtime.journal import Journal
from ..sla.tracker import NEXT_CHECK
from .start_schedules import NEXT_DUE as NEXT_START
from .store import NEXT_MOMENTS, NOTIFY_CHANNEL, TimerStore

log = logging.getLogger("sqflow.worker")
JOB_ID = "fire-due-timers"

# Every kind of work on time in one statement: a worker asks after each round.
_NEXT_MOMENTS = select(*(query.scalar_subquery() for query in (*NEXT_MOMENTS, NEXT_CHECK, NEXT_START)))


class TimerWorker:
    def __init__(self, engine: Engine, sessions: sessionmaker[Session], *, name: str | None = None):
        settings = engine.settings
        self.engine = engine
        self.sessions = sessions
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self.batch = settings.timer_batch
        self.together = settings.timer_fire_together if settings.database_url.startswith("postgresql") else 1
        self.lease = timedelta(seconds=settings.timer_lease_seconds)
        self.max_failures = settings.timer_max_failures
        self.max_sleep = timedelta(seconds=settings.worker_max_sleep_seconds)
        self.store = TimerStore()
        self.fired = 0
        self._scheduler = None
        self._stop = threading.Event()
        self._planning = threading.Lock()  # stopping and re-planning the job never interleave
        self.mail = None
        if settings.mail_enabled:
            per_claim = max(1, min(20, settings.timer_lease_seconds // (2 * max(1, settings.smtp_timeout_seconds))))
            self.mail = MailDelivery(sessions, SmtpMailer(settings), engine.clock, worker=self.name,
                                     lease=self.lease, batch=per_claim)
        self._mail_wake = threading.Event()
        self.mail_waiting = threading.Event()
        self._watching = threading.Event()  # set while the mail loop waits for the next mail or a wake-up
        self._mail_thread: threading.Thread | None = None

    # --- one round --------------------------------------------------------------------------

    def run_due(self) -> int:
        """Fire every timer due by now, oldest first, then check SLAs; returns how many timers fired."""
        fired = self._run_timers()
        self._run_start_plans()
        self._run_sla_checks()
        return fired

    def _run_start_plans(self) -> None:
        plans = self.engine.start_schedules
        while not self._stop.is_set():
            with self.sessions.begin() as session:
                claimed = plans.claim(session, self.name, self.engine.clock.now(), self.lease, self.batch)
            if not claimed:
                return
            for plan in claimed:
                try:
                    with self.sessions.begin() as session:
                        self.engine.instances.start_on_schedule(session, plan, worker=self.name)
                        plans.advance(session, plan, self.name)
                except SqflowError as exc:
                    log.error("scheduled start of %s (plan %s) failed: %s", plan.process_id, plan.id, exc)

    def _run_sla_checks(self) -> None:
        while not self._stop.is_set():
            now = self.engine.clock.now()
            with self.sessions.begin() as session:
                claimed = self.engine.slas.claim(session, self.name, now, self.lease, self.batch)
            if not claimed:
                return
            for group in _groups(claimed, self.together):
                if self._stop.is_set():
                    return
                with self.sessions.begin() as session:
                    for row in group:
                        self._check_sla(session, row)

    def _check_sla(self, session: Session, row) -> None:
        """Record the SLA's warnings or breach in a savepoint (no workflow is loaded unless the breach
        sends a signal into the instance)."""
        try:
            with log_context(instance_id=row.instance_id, task_id=row.task_id), savepoint(session):
                journal = Journal(session, row.instance_id, self.engine.clock.now())
                signal = self.engine.slas.check(session, row, self.name, journal)
                journal.flush()
                if signal:
                    self.engine.instances.send_signal(session, row.instance_id, signal, by=self.name)
        except SqflowError as exc:
            log.info("SLA %s of instance %s not checked now: %s", row.id, row.instance_id, exc)

    def _run_timers(self) -> int:
        fired = 0
        while not self._stop.is_set():
            now = self.engine.clock.now()
            with self.sessions.begin() as session:
                claimed = self.store.claim(session, self.name, now, self.lease, self.batch)
            if not claimed:
                break
            first_tries = [timer for timer in claimed if timer.attempts == 1] if self.together > 1 else []
            groups = [*_groups(first_tries, self.together), *([timer] for timer in claimed if timer not in first_tries)]
            for group in groups:
                if self._stop.is_set():
                    break
                fired += self._fire(group[0]) if len(group) == 1 else self._fire_together(group)
        self.fired += fired
        return fired

    def _fire_together(self, timers: list) -> int:
        """Fire `timers` (first tries, of any instances) in one transaction, each in its own savepoint."""
        fired = 0
        with self.sessions.begin() as session:
            rows = self.engine.instances.instance_rows(session, {timer.instance_id for timer in timers})
            for timer in timers:
                if self._stop.is_set():
                    break  # the claims left are handed back by `stop`
                with log_context(instance_id=timer.instance_id, task_id=timer.task_id):
                    failure = None
                    try:
                        with savepoint(session):
                            # An instance's row read before is current only for its first timer here.
                            fired += self.engine.instances.fire_timer(session, timer, worker=self.name,
                                                                      instance=rows.pop(timer.instance_id, None))
                        log.info("timer %s (%s) fired", timer.id, timer.element_id)
                        continue
                    except Exception as exc:  # noqa: BLE001 - told apart as `_fire` does
                        failure = self._failure(timer, exc)
                    self.store.release(session, self.name, [timer.id], failure=failure)
        return fired

    def _fire(self, timer) -> int:
        failure = None
        try:
            with log_context(instance_id=timer.instance_id, task_id=timer.task_id):
                with self.sessions.begin() as session:
                    if timer.attempts > self.max_failures:
                        self.engine.instances.timer_incident(session, timer, self.max_failures, worker=self.name)
                        log.error("timer %s (%s) failed %d times; instance %s is in error", timer.id,
                                  timer.element_id, self.max_failures, timer.instance_id)
                        return 0
                    fired = self.engine.instances.fire_timer(session, timer, worker=self.name)
                log.info("timer %s (%s) fired", timer.id, timer.element_id)
                return fired
        except Exception as exc:  # noqa: BLE001 - a fault of ours must not make the timer loop either
            failure = self._failure(timer, exc)
        with self.sessions.begin() as session:
            self.store.release(session, self.name, [timer.id], failure=failure)
        return 0

    @staticmethod
    def _failure(timer, exc: Exception) -> str | None:
        """What a failed firing counts as: None for a conflict (not the timer's fault, tried again)."""
        if isinstance(exc, ConflictError):
            log.info("timer %s of instance %s not fired now: %s", timer.id, timer.instance_id, exc)
            return None
        if isinstance(exc, SqflowError):
            log.error("timer %s of instance %s failed: %s", timer.id, timer.instance_id, exc)
            return str(exc)
        log.error("timer %s of instance %s failed", timer.id, timer.instance_id, exc_info=exc)
        return f"{type(exc).__name__}: {exc}"

    def next_due(self) -> datetime | None:
        """The next moment there is work: a timer due, a lease running out, or an SLA to check."""
        with self.sessions.begin() as session:
            moments = [m for m in session.connection().execute(_NEXT_MOMENTS).one() if m]
        return min(moments) if moments else None

    def release_claims(self) -> int:
        with self.sessions.begin() as session:
            return self.store.release(session, self.name)

    # --- mail -------------------------------------------------------------------------------

    def deliver_mail(self) -> int:
        """Send the notification mails due by now (none without SMTP settings); returns how many went."""
        return self.mail.run_due(self._stop.is_set) if self.mail else 0

    def _mail_loop(self) -> None:
        while not self._stop.is_set():
            due = None
            try:
                self.deliver_mail()
                with self.sessions.begin() as session:
                    due = self.mail.next_due(session)
            except Exception:  # the database or the mail server is away; try again after a while
                log.exception("mail round failed")
            sleep = self.max_sleep.total_seconds()
            if due is not None:
                sleep = min(sleep, max(0.0, (due - self.engine.clock.now()).total_seconds()))
            self.mail_waiting.set()
            self._mail_wake.wait(sleep)
            self._mail_wake.clear()
            self.mail_waiting.clear()

    # --- serving ----------------------------------------------------------------------------

    def next_wake(self) -> datetime:
        """When the scheduler job should run next (wall time): the next due time, at most `max_sleep` away."""
        now = datetime.now(timezone.utc)
        due = self._wall(self.next_due())
        latest = now + self.max_sleep
        return latest if due is None else max(now, min(due + timedelta(milliseconds=1), latest))

    def _wall(self, moment: datetime | None) -> datetime | None:
        """The wall time at which the engine's clock (which may run ahead, controlled) shows `moment`."""
        offset = getattr(self.engine.clock, "offset", None)  # only a controlled clock runs ahead of the wall
        if moment is None or offset is None:
            return moment
        return moment - offset()

    def _tick(self) -> None:
        try:
            count = self.run_due()
            if count:
                log.info("fired %d timer(s)", count)
        except Exception:  # a database outage must not kill the worker; it tries again at the next wake
            log.exception("timer round failed")
        self._schedule(self.next_wake())

    def _schedule(self, when: datetime) -> None:
        with self._planning:
            if self._stop.is_set():
                return
            self._scheduler.add_job(self._tick, "date", run_date=when, id=JOB_ID, replace_existing=True,
                                    max_instances=1, misfire_grace_time=None)

    def wake(self, due: datetime | None = None) -> None:
        """A timer was created (due at `due`): run earlier if it is earlier than the planned wake."""
        if self._scheduler is None or self._stop.is_set():
            return
        self._mail_wake.set()
        job = self._scheduler.get_job(JOB_ID)
        when = max(datetime.now(timezone.utc), self._wall(due) or datetime.now(timezone.utc))
        if job is None or job.next_run_time is None or when < job.next_run_time:
            self._schedule(when)

    def start(self) -> None:
        from apscheduler.schedulers.background import BackgroundScheduler

        configure_logging(self.engine.settings.log_format)
        self._scheduler = BackgroundScheduler(timezone=timezone.utc)
        self._scheduler.start()
        self._schedule(datetime.now(timezone.utc))  # catch up at once: timers that came due while down
        watch = self._listen if self.engine.settings.database_url.startswith("postgresql") else self._watch_sqlite
        threading.Thread(target=watch, name="sqflow-timer-watch", daemon=True).start()
        self._watching.wait(5)  # a commit from now on wakes the worker (a slow database: the safety wake-up)
        if self.mail:
            self._mail_thread = threading.Thread(target=self._mail_loop, name="sqflow-mail", daemon=True)
            self._mail_thread.start()

    def stop(self) -> None:
        """Finish the timer in hand, hand back the other claims, stop."""
        with self._planning:
            self._stop.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
        self._mail_wake.set()
        if self._mail_thread is not None:
            self._mail_thread.join(timeout=2 * self.engine.settings.smtp_timeout_seconds)
        if self.mail:
            self.mail.release()
        released = self.release_claims()
        log.info("worker %s stopped; %d claim(s) handed back", self.name, released)

    def _watch_sqlite(self, interval: float = 0.5) -> None:
        """SQLite has no NOTIFY; `PRAGMA data_version` (asked on one connection that never opens a
        transaction) changes whenever another connection commits, e.g. a new timer."""
        import sqlite3
        from sqlalchemy.engine import make_url

        path = make_url(self.engine.settings.database_url).database
        try:
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            log.exception("cannot watch %s; relying on the safety wake-up", path)
            self._watching.set()
            return
        with connection:
            seen = None
            try:
                seen = connection.execute("PRAGMA data_version").fetchone()[0]
            finally:
                self._watching.set()
            while not self._stop.wait(interval):
                try:
                    version = connection.execute("PRAGMA data_version").fetchone()[0]
                    if seen is not None and version != seen:
                        self.wake(self.next_due())
                    seen = version
                except Exception:
                    log.exception("watching %s failed; relying on the safety wake-up", path)

    def _listen(self) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        url = make_url(self.engine.settings.database_url).set(drivername="postgresql")
        while not self._stop.is_set():
            try:
                with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as connection:
                    connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self._watching.set()
                    while not self._stop.is_set():
                        for note in connection.notifies(timeout=1.0, stop_after=1):
                            self.wake(datetime.fromisoformat(note.payload))
            except Exception:
                log.exception("LISTEN connection lost; reconnecting")
                self._watching.set()  # starting goes on; the safety wake-up covers the gap
                self._stop.wait(1.0)


def _groups(items: list, size: int) -> list[list]:
    return [items[start:start + size] for start in range(0, len(items), size)]
