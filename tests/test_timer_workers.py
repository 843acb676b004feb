"""Real `sqflow worker` processes sharing one PostgreSQL database: every due timer fires exactly once,
also when a worker is killed with SIGKILL in the middle of its batch (its claims are taken over when
their lease runs out). These are real-process tests: they poll the database with a deadline."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.persistence.tables import AuditEntry, Timer
from tests.conftest import Harness, _empty_postgres

REPO = Path(__file__).resolve().parents[1]


def _worker(url: str, name: str, log_dir: Path, **settings: str) -> subprocess.Popen:
    env = {**os.environ, "SQFLOW_DATABASE_URL": url, **{f"SQFLOW_{k.upper()}": v for k, v in settings.items()}}
    log = open(log_dir / f"{name}.log", "w")
    return subprocess.Popen([sys.executable, "-m", "cli.main", "worker", "--name", name], cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> int:
    process.send_signal(sig)
    return process.wait(timeout=30)


def _seed(url: str, instances: int) -> Harness:
    """Instances whose two timers each are already due (started three hours ago)."""
    harness = Harness(url, cache_size=0)
    harness.clock.set(datetime.now(timezone.utc) - timedelta(hours=3))
    harness.deploy("timer_boundary.bpmn")
    for _ in range(instances):
        harness.start("timer_boundary")
    return harness


def _counts(harness: Harness) -> tuple[int, int, int]:
    with harness.sessions.begin() as session:
        total = session.scalar(select(func.count()).select_from(Timer))
        fired = session.scalar(select(func.count()).select_from(Timer).where(Timer.state == "fired"))
        audit = session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.event == "timer.fired"))
    return total, fired, audit


def _wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()


def _assert_each_fired_once(harness: Harness) -> None:
    with harness.sessions.begin() as session:
        per_timer = session.execute(
            select(AuditEntry.task_id, func.count()).where(AuditEntry.event == "timer.fired")
            .group_by(AuditEntry.task_id)).all()
        states = dict(session.execute(select(Timer.state, func.count()).group_by(Timer.state)).all())
    assert states == {"fired": sum(states.values())}
    assert all(count == 1 for _, count in per_timer)
    assert len(per_timer) == states["fired"]


@pytest.mark.postgres
@pytest.mark.parametrize("workers", [2, 3])
def test_several_workers_fire_thousands_of_due_timers_each_exactly_once(postgres_database, workers, tmp_path):
    _empty_postgres(postgres_database)
    harness = _seed(postgres_database, 1000)
    processes = [_worker(postgres_database, f"w{i}", tmp_path, timer_batch="50") for i in range(workers)]
    try:
        assert _wait_until(lambda: _counts(harness)[1] == 2000, 180), _counts(harness)
    finally:
        codes = [_stop(p) for p in processes]
    assert codes == [0] * workers, [(tmp_path / f"w{i}.log").read_text()[-2000:] for i in range(workers)]
    _assert_each_fired_once(harness)
    with harness.sessions.begin() as session:
        by_worker = dict(session.execute(select(AuditEntry.actor, func.count())
                                         .where(AuditEntry.event == "timer.fired").group_by(AuditEntry.actor)).all())
    assert sum(by_worker.values()) == 2000 and len(by_worker) == workers  # every worker took a share


@pytest.mark.postgres
def test_a_killed_workers_claims_are_taken_over_after_the_lease_and_fire_once(postgres_database, tmp_path):
    _empty_postgres(postgres_database)
    harness = _seed(postgres_database, 400)
    doomed = _worker(postgres_database, "doomed", tmp_path, timer_batch="200", timer_lease_seconds="3")
    assert _wait_until(lambda: _counts(harness)[1] >= 20, 60)
    _stop(doomed, signal.SIGKILL)
    with harness.sessions.begin() as session:
        stranded = session.scalar(select(func.count()).select_from(Timer).where(
            Timer.state == "claimed", Timer.claimed_by == "doomed"))
    assert stranded > 0, "the kill should leave claimed timers behind"

    heir = _worker(postgres_database, "heir", tmp_path, timer_lease_seconds="3")
    try:
        assert _wait_until(lambda: _counts(harness)[1] == 800, 120), _counts(harness)
    finally:
        assert _stop(heir) == 0
    _assert_each_fired_once(harness)


def test_on_sqlite_a_running_worker_notices_a_timer_another_process_creates(tmp_path):
    """No NOTIFY on SQLite: the worker watches the file's data_version and re-plans within a second."""
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    harness = Harness(url, cache_size=0)
    harness.deploy("timer_boundary.bpmn")
    worker = _worker(url, "solo", tmp_path, worker_max_sleep_seconds="600")
    try:
        # the worker says it is ready once it watches the file; it finds nothing due and sleeps (up to 10 minutes)
        assert _wait_until(lambda: "firing timers" in (tmp_path / "solo.log").read_text(), 30)
        harness.clock.set(datetime.now(timezone.utc) - timedelta(minutes=59, seconds=57))
        harness.start("timer_boundary")  # its 1-hour warning is due in about 3 seconds
        assert _wait_until(lambda: _counts(harness)[1] == 1, 15), _counts(harness)
    finally:
        assert _stop(worker) == 0
    with harness.sessions.begin() as session:
        late = session.scalars(select(AuditEntry).where(AuditEntry.event == "timer.fired")).one().details["late_ms"]
    assert late < 1500


SLOW_AFTER_TIMER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs" targetNamespace="http://sqflow.test">
  <bpmn:process id="slow_after_timer" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t1"><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="grind"/>
    <bpmn:scriptTask id="grind"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>n = 0
while True:
    n = n + len(sorted(range(50000)))</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="grind" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.mark.parametrize("budget, grace, code", [("3", "30", 0), ("120", "2", 1)])
def test_sigterm_stops_a_worker_busy_with_a_runaway_step_within_its_grace_time(tmp_path, budget, grace, code):
    """Within the grace time the step in hand ends (its budget) and is saved as an error; past it the
    worker leaves anyway, and the claim it held runs out."""
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    harness = Harness(url, cache_size=0)
    harness.clock.set(datetime.now(timezone.utc) - timedelta(hours=2))
    harness.deploy_text("slow_after_timer.bpmn", SLOW_AFTER_TIMER)
    view = harness.start("slow_after_timer")
    worker = _worker(url, "busy", tmp_path, step_max_seconds=budget, script_max_lines="1000000000",
                     worker_grace_seconds=grace)
    try:
        assert _wait_until(lambda: "firing timers" in (tmp_path / "busy.log").read_text(), 30)
        time.sleep(1)  # the due timer's step is running its script now
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=int(budget) + int(grace)) == code
    finally:
        if worker.poll() is None:
            worker.kill()
    log = (tmp_path / "busy.log").read_text()
    assert "Traceback" not in log
    with harness.sessions.begin() as session:
        detail = harness.engine.instances.detail(session, view.id)
    if code == 0:
        assert detail.state == "error" and "longer than 3 s" in detail.error_message
    else:
        assert f"did not finish within {grace} s" in log and detail.state == "active"


def test_a_worker_stops_when_the_stop_signal_comes_again_and_again(tmp_path):
    """An operator pressing Ctrl-C twice, or a supervisor repeating SIGTERM: every repetition finds the worker
    stopping, and it still ends (a stop that waited on the signal's own lock once left a worker running)."""
    url = f"sqlite:///{tmp_path / 'embedded.db'}"
    Harness(url, cache_size=0)
    for round_ in range(5):
        worker = _worker(url, f"repeated-{round_}", tmp_path)
        try:
            assert _wait_until(lambda: "firing timers" in (tmp_path / f"repeated-{round_}.log").read_text(), 30)
            for sent in range(200):
                worker.send_signal(signal.SIGTERM if sent % 2 else signal.SIGINT)
                if worker.poll() is not None:
                    break
            assert worker.wait(timeout=30) == 0
        finally:
            if worker.poll() is None:
                worker.kill()
        log = (tmp_path / f"repeated-{round_}.log").read_text()
        assert "stopped after firing 0 timer(s)" in log and "Traceback" not in log
