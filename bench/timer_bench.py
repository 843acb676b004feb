"""`sqflow bench timers`: timer workers on PostgreSQL with 100,000 pending timers in the database.

* lateness: real instances whose timers come due over a few seconds while `sqflow worker`
  processes run; lateness = when the worker fired it - when it was due (p50, p99, max);
* throughput: a backlog of timers coming due at one moment, fired by one worker one timer per
  transaction (the reference, as every timer was fired before), then by one worker and by two
  firing them together (`timer_fire_together` per transaction, a savepoint each), then the
  reference again; printed with the ratios to the reference (the mean of its two runs) and of two
  workers to one;
* memory: the peak resident size of each worker process.

The 100,000 pending timers are due in a year: they sit in the same table and index the workers
claim from, which is what they are there to weigh on.
"""
from __future__ import annotations

import math
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, insert, select, text

from engine import ManualClock, Settings, SourceFile, connect
from engine.persistence.tables import ProcessInstance, Timer

from engine.runtime.projection import Snapshot
from engine.runtime.stepping import run_guarded
from processes import wired_engine

from .durable_floor import psycopg_connection
from .scratch import ANALYZED, scratch_postgres

DIAGRAM = Path(__file__).parent / "diagrams" / "sign_for_deadline.bpmn"
# (figure key, workers, timers fired per transaction or None for the setting's default, label)
BACKLOG_RUNS = (("one_at_a_time", 1, 1, "1 worker, one per transaction (reference)"),
                ("1_worker", 1, None, "1 worker, fired together"),
                ("2_worker", 2, None, "2 workers, fired together"),
                ("one_at_a_time_again", 1, 1, "1 worker, one per transaction, again (reference)"))
TOGETHER_TARGET = 4.0
TWO_WORKERS_TARGET = 1.7
REPO = Path(__file__).resolve().parents[1]


class _Bench:
    def __init__(self, url: str, echo):
        self.url, self.echo = url, echo
        self.clock = ManualClock(datetime.now(timezone.utc))
        self.settings = Settings(database_url=url, workflow_cache_size=0)
        self.engine = wired_engine(self.settings, self.clock)
        self.sessions = connect(self.settings)
        with self.sessions.begin() as session:
            outcome = self.engine.definitions.deploy(
                session, [SourceFile(DIAGRAM.name, DIAGRAM.read_bytes())], "bench")[0]
        self.definition_id = outcome.definition_id

    def pending(self, count: int) -> None:
        """`count` instances each waiting on a timer due in a year (synthetic rows, never loaded)."""
        now = datetime.now(timezone.utc)
        far = now + timedelta(days=365)
        instances = ProcessInstance.__table__
        with self.sessions.begin() as session:
            connection = session.connection()
            for first in range(0, count, 5000):
                size = min(5000, count - first)
                ids = connection.execute(insert(instances).returning(instances.c.id), [dict(
                    definition_id=self.definition_id, process_id="sign_for_deadline", version=1, business_key=None,
                    state="active", started_by="bench", started_at=now, ended_at=None, updated_at=now, revision=1,
                    serializer_version="synthetic", workflow_state="{}", called_definitions={}, error_task=None,
                    error_message=None, attributes={}) for _ in range(size)]).scalars().all()
                connection.execute(insert(Timer.__table__), [dict(
                    instance_id=i, task_id=str(uuid.uuid4()), element_id="sign_warning",
                    due_at=far + timedelta(seconds=n), state="waiting", created_at=now, claimed_by=None,
                    lease_until=None, fired_at=None) for n, i in enumerate(ids)])

    def real(self, dues: list[datetime]) -> None:
        """Real instances whose warning timer is due at each of `dues`."""
        for due in dues:
            self.clock.set(due - timedelta(hours=1))
            with self.sessions.begin() as session:
                self.engine.instances.start(session, "sign_for_deadline", started_by="bench")

    def analyze(self) -> None:
        """Statistics of the hot tables, as a server with autovacuum would have them after the inserts (this
        machine's has it off; without them the first run's claims were planned on empty tables)."""
        with self.sessions.begin() as session:
            session.execute(text(f"ANALYZE {ANALYZED}"))

    def _waiting_workflow(self) -> tuple[str, str, object]:
        """A real instance's saved state while its timer waits, its format and its specs; the clock set
        past the timer's due time."""
        due = datetime.now(timezone.utc) + timedelta(days=800)
        self.real([due])
        with self.sessions.begin() as session:
            row = session.scalars(select(ProcessInstance).where(ProcessInstance.process_id == "sign_for_deadline")
                                  .order_by(ProcessInstance.id.desc()).limit(1)).one()
            loaded = self.engine.definitions.specs_of(session, row.definition_id)
        self.clock.set(due + timedelta(seconds=1))
        return row.workflow_state, row.serializer_version, loaded

    def _fire(self, state: str, fmt: str, loaded) -> str:
        """A firing's own work, as a worker does it for each timer (the workers here keep no workflow
        cache): the workflow read from its JSON, its timer fired, the state written back to JSON."""
        workflow = self.engine.codec.loads(state, fmt, loaded.spec, {})
        workflow.script_engine = self.engine.script_engine
        Snapshot.of(workflow)
        run_guarded(workflow, lambda did_complete: workflow.refresh_timers(), self.clock, self.engine.limits)
        Snapshot.of(workflow)
        return self.engine.codec.dumps(workflow)

    def step_alone_per_s(self, count: int = 300) -> float:
        """Timers/s of a firing's own work without the database. Firing together saves round trips and
        commits, not this."""
        state, fmt, loaded = self._waiting_workflow()
        began = time.perf_counter()
        for _ in range(count):
            self._fire(state, fmt, loaded)
        return count / (time.perf_counter() - began)

    def fired_and_saved_per_s(self, count: int = 300) -> float:
        """Timers/s of that work plus the least a firing writes, `timer_fire_together` firings a
        transaction, by the driver itself (psycopg, pipelined): the instance's state by a revision-checked
        UPDATE, its timer marked and one history row. The floor of firing together with one worker. The
        rows are the pending timers' instances (their timers stay waiting: they are due in a year)."""
        state, fmt, loaded = self._waiting_workflow()
        with psycopg_connection(self.url) as connection:
            targets = connection.execute(
                "SELECT t.id, t.instance_id, t.task_id FROM timers t JOIN process_instances i ON i.id = t.instance_id "
                "WHERE i.serializer_version = 'synthetic' ORDER BY t.id LIMIT %s", (count,)).fetchall()
            together = self.settings.timer_fire_together
            began = time.perf_counter()
            for first in range(0, len(targets), together):
                with connection.pipeline():
                    for timer_id, instance_id, task_id in targets[first:first + together]:
                        saved, now = self._fire(state, fmt, loaded), datetime.now(timezone.utc)
                        connection.execute("UPDATE process_instances SET workflow_state = %s, updated_at = %s, "
                                           "revision = revision + 1 WHERE id = %s AND revision = 1",
                                           (saved, now, instance_id))
                        connection.execute("UPDATE timers SET fired_at = %s WHERE id = %s", (now, timer_id))
                        connection.execute("INSERT INTO audit_log (at, actor, event, instance_id, task_id, element_id, "
                                           "details) VALUES (%s, 'bench', 'timer.fired', %s, %s, 'sign_warning', "
                                           "'{}')", (now, instance_id, task_id))
                    connection.commit()
            return len(targets) / (time.perf_counter() - began)

    def fired_due_between(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        with self.sessions.begin() as session:
            return session.execute(select(Timer.due_at, Timer.fired_at).where(
                Timer.state == "fired", Timer.due_at >= start, Timer.due_at <= end)).all()

    def open_due(self) -> int:
        with self.sessions.begin() as session:
            return session.scalar(select(func.count()).select_from(Timer).where(
                Timer.state.in_(("waiting", "claimed")), Timer.due_at < datetime.now(timezone.utc)))


def _worker(url: str, name: str, log_dir: Path, together: int | None = None) -> subprocess.Popen:
    log = open(log_dir / f"{name}.log", "w")
    env = {**os.environ, "SQFLOW_DATABASE_URL": url}
    if together is not None:
        env["SQFLOW_TIMER_FIRE_TOGETHER"] = str(together)
    return subprocess.Popen([sys.executable, "-m", "cli.main", "worker", "--name", name], cwd=REPO,
                            env=env, stdout=log, stderr=subprocess.STDOUT)


def _peak_rss_mb(process: subprocess.Popen) -> float:
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _stop(processes: list[subprocess.Popen]) -> list[float]:
    peaks = [_peak_rss_mb(p) for p in processes]
    for p in processes:
        p.send_signal(signal.SIGTERM)
    for p in processes:
        p.wait(timeout=60)
    return peaks


def _wait(predicate, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError("benchmark timed out waiting for timers to fire")
        time.sleep(0.02)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def run(postgres_admin_url: str, tmp: Path, pending: int = 100_000, backlog: int = 1000,
        arrivals: int = 1000, echo=print) -> dict:
    figures: dict = {"pending": pending}
    with scratch_postgres(postgres_admin_url, "sqflow_bench_timers") as url:
        bench = _Bench(url, echo)
        began = time.monotonic()
        bench.pending(pending)
        echo(f"{pending:,} pending timers written in {time.monotonic() - began:.1f} s")

        probe = time.monotonic()
        bench.real([datetime.now(timezone.utc) + timedelta(days=400)] * 20)  # how long a start takes here
        per_start = (time.monotonic() - probe) / 20
        for key, workers, together, label in BACKLOG_RUNS:
            processes = [_worker(url, f"backlog-{key}-{i}", tmp, together) for i in range(workers)]
            at_once = datetime.now(timezone.utc) + timedelta(seconds=5 + backlog * per_start * 2)
            bench.real([at_once] * backlog)  # the workers sleep meanwhile: nothing is due yet
            bench.analyze()  # every run plans with statistics of the tables as they are now
            _wait(lambda: datetime.now(timezone.utc) >= at_once, 600)
            began, waiting = time.monotonic(), bench.open_due()  # all of them, unless the starts overran
            _wait(lambda: bench.open_due() == 0, 600)
            rate = waiting / (time.monotonic() - began)
            peaks = _stop(processes)
            figures[f"fired_per_s_{key}"] = rate
            figures[f"peak_rss_mb_{key}"] = max(peaks)
            echo(f"{backlog} timers due at the same moment, {label}: {rate:6.0f} timers/s, "
                 "worker peak memory " + ", ".join(f"{p:.0f} MB" for p in peaks))
        # The reference is measured before and after (the mean of the two), so the host's drift cancels.
        reference = math.sqrt(figures["fired_per_s_one_at_a_time"] * figures["fired_per_s_one_at_a_time_again"])
        figures["together_vs_one_at_a_time"] = figures["fired_per_s_1_worker"] / reference
        figures["two_workers_vs_one"] = figures["fired_per_s_2_worker"] / figures["fired_per_s_1_worker"]
        echo(f"  fired together vs one at a time, 1 worker: {figures['together_vs_one_at_a_time']:.2f}x "
             f"(target {TOGETHER_TARGET:g}x); 2 workers vs 1: {figures['two_workers_vs_one']:.2f}x "
             f"(target {TWO_WORKERS_TARGET:g}x)")
        alone = bench.step_alone_per_s()
        figures["step_alone_per_s"] = alone
        figures["ceiling_vs_one_at_a_time"] = alone / reference
        echo(f"  a firing's own work without the database (load the workflow's JSON, fire, write it back): "
             f"{alone:.0f} timers/s in this process = {alone / reference:.2f}x the reference, the ceiling of "
             "firing together with one worker")
        floor = bench.fired_and_saved_per_s()
        figures["fired_and_saved_per_s"] = floor
        figures["floor_vs_one_at_a_time"] = floor / reference
        echo(f"  that work and the least a firing writes (the state, the timer, a history row), "
             f"{bench.settings.timer_fire_together} a transaction by the driver itself: {floor:.0f} timers/s = "
             f"{floor / reference:.2f}x the reference, the floor of firing together with one worker")

        processes = [_worker(url, f"live-{i}", tmp) for i in range(2)]
        time.sleep(3)  # let the workers start and go to sleep until the next due timer
        since = datetime.now(timezone.utc)
        first_due = since + timedelta(seconds=20)
        spacing = timedelta(seconds=10) / arrivals
        bench.real([first_due + i * spacing for i in range(arrivals)])
        window = (first_due, first_due + arrivals * spacing)
        _wait(lambda: len(bench.fired_due_between(*window)) == arrivals, 120)
        _stop(processes)
        lateness = [(fired - due).total_seconds() * 1000 for due, fired in bench.fired_due_between(*window)]
        figures.update(lateness_p50_ms=statistics.median(lateness), lateness_p99_ms=_percentile(lateness, 0.99),
                       lateness_max_ms=max(lateness))
        echo(f"{arrivals} timers coming due over 10 s, 2 workers: lateness p50 {figures['lateness_p50_ms']:.0f} ms, "
             f"p99 {figures['lateness_p99_ms']:.0f} ms, max {figures['lateness_max_ms']:.0f} ms")
    return figures
