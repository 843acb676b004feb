"""`sqflow bench chaos`: the load of `bench load` while processes die and PostgreSQL restarts, then a check.

During the run a chaos thread kills a random web worker (gunicorn replaces it) or timer worker
(the bench's supervisor restarts it) with SIGKILL every 1.5-4 s, and restarts the PostgreSQL
server once, half-way. Clients resend on connection errors and 5xx with the same
`Idempotency-Key` (or the same completion) until answered. Timer leases are 5 s, so a killed
worker's claims are taken over during the run. Afterwards the database must show:

* every acknowledged start has its instance (complaints lost: 0), one instance per key;
* every instance is consistent: active with open tasks or waiting timers, completed with neither;
* no task completed twice (audit `task.completed` once per task);
* every timer due before the end fired, exactly once (audit `timer.fired` once per timer).
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from .load_bench import Cluster, Recorder, drive, prepare
from .report import summarize
from .scratch import scratch_postgres, statistics_kept

PG_RESTART = os.environ.get("SQFLOW_BENCH_PG_RESTART", "pg_ctlcluster --skip-systemctl-redirect 15 main restart")
RETRY_GRACE_SECONDS = 60
LEASE_SECONDS = 5


class Chaos:
    def __init__(self, cluster: Cluster, seconds: float, restart_postgres: bool, echo: Callable[[str], None]):
        self.cluster, self.seconds, self.restart_postgres, self.echo = cluster, seconds, restart_postgres, echo
        self.kills: Counter = Counter()
        self.postgres_down_seconds: float | None = None
        self.rng = random.Random(8)

    def __call__(self, stop: threading.Event) -> None:
        began = time.monotonic()
        restart_at = began + self.seconds / 2
        while not stop.wait(0.2):
            self.cluster.supervise()
            if self.restart_postgres and self.postgres_down_seconds is None and time.monotonic() >= restart_at:
                self._restart_postgres()
            if self.rng.random() < 0.2 / 2.75:  # on average every 2.75 s
                self._kill_one()
        self.cluster.supervise()

    def _kill_one(self) -> None:
        web, timers = self.cluster.web_pids(), [p for p in self.cluster.timers if p and p.poll() is None]
        if self.rng.random() < 0.5 and web:
            os.kill(self.rng.choice(web), signal.SIGKILL)
            self.kills["web worker"] += 1
        elif timers:
            self.rng.choice(timers).kill()
            self.kills["timer worker"] += 1

    def _restart_postgres(self) -> None:
        began = time.monotonic()
        subprocess.run(PG_RESTART.split(), check=True, capture_output=True, timeout=120)
        self.postgres_down_seconds = time.monotonic() - began
        self.echo(f"  PostgreSQL restarted ({self.postgres_down_seconds:.1f} s)")


def _rows(url: str, sql: str, **params) -> list:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql), params).all()
    finally:
        engine.dispose()


def wait_for_due_timers(url: str, until: datetime, seconds: float) -> int:
    """Let the workers fire what came due before `until`; returns how many are still open after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            left = _rows(url, "SELECT count(*) FROM timers WHERE state IN ('waiting', 'claimed') AND due_at < :until",
                         until=until)[0][0]
        except Exception:
            left = -1
        if left == 0 or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


def check(url: str, recorder: Recorder, until: datetime) -> dict:
    """What the database says after the run (see the module's docstring)."""
    instances = {row.id: (row.state, row.process_id) for row in _rows(url, "SELECT id, state, process_id FROM process_instances")}
    open_tasks = Counter(dict(_rows(url, "SELECT instance_id, count(*) FROM human_tasks WHERE state = 'open' "
                                         "GROUP BY instance_id")))
    open_timers = Counter(dict(_rows(url, "SELECT instance_id, count(*) FROM timers WHERE state IN "
                                          "('waiting', 'claimed') GROUP BY instance_id")))

    def consistent(instance_id: int) -> bool:
        state, _ = instances[instance_id]
        waiting = open_tasks[instance_id] + open_timers[instance_id]
        return (state == "active" and waiting > 0) or (state == "completed" and waiting == 0)

    acknowledged = {instance_id for instance_id, _ in recorder.acknowledged.values()}
    keys = dict(_rows(url, "SELECT key, instance_id FROM api_idempotency_keys"))
    twice = _rows(url, "SELECT task_id FROM audit_log WHERE event = 'task.completed' GROUP BY task_id "
                       "HAVING count(*) > 1")
    fired = Counter(dict(_rows(url, "SELECT task_id, count(*) FROM audit_log WHERE event = 'timer.fired' "
                                    "GROUP BY task_id")))
    due = _rows(url, "SELECT task_id, state FROM timers WHERE due_at < :until AND state <> 'cancelled'", until=until)
    return {
        "starts_acknowledged": len(recorder.acknowledged),
        "starts_unanswered": len(recorder.unanswered),
        "acknowledged_instances_consistent": sum(1 for i in acknowledged if i in instances and consistent(i)),
        "complaints_lost": sum(1 for i in acknowledged if i not in instances),
        "complaints_lost_by_process": dict(Counter(p for i, p in recorder.acknowledged.values() if i not in instances)),
        "key_mismatches": sum(1 for key, (i, _) in recorder.acknowledged.items() if keys.get(key) != i),
        "instances_in_database": len(instances),
        "instances_consistent": sum(1 for i in instances if consistent(i)),
        "instances_by_state": dict(Counter(state for state, _ in instances.values())),
        "instances_not_acknowledged": len(set(instances) - acknowledged),
        "tasks_completed": _rows(url, "SELECT count(*) FROM human_tasks WHERE state = 'completed'")[0][0],
        "tasks_completed_twice": len(twice),
        "timers_due": len(due),
        "timers_fired_exactly_once": sum(1 for task_id, state in due if state == "fired" and fired[task_id] == 1),
        "timers_fired_more_than_once": sum(1 for count in fired.values() if count > 1),
        "timers_due_not_fired": sum(1 for _, state in due if state != "fired"),
    }


def doctor(url: str) -> dict:
    """What `sqflow check` (the engine's own invariant check) finds in the database after the run."""
    done = subprocess.run([sys.executable, "-m", "cli.main", "check", "--json"], capture_output=True, text=True,
                          env={**os.environ, "SQFLOW_DATABASE_URL": url}, timeout=600)
    if done.returncode not in (0, 1):
        return {"error": (done.stderr.strip().splitlines() or ["sqflow check failed"])[-1]}
    findings = json.loads(done.stdout)["findings"]
    return {"findings": len(findings), "by_problem": dict(Counter(f["problem"] for f in findings))}


def run(postgres_admin_url: str, tmp: Path, *, seconds: float = 60, web_workers: int = 2, timer_workers: int = 2,
        clients: int = 12, restart_postgres: bool = True, echo: Callable[[str], None] = print) -> dict:
    with scratch_postgres(postgres_admin_url, "sqflow_bench_chaos") as url:
        tokens = prepare(url, handlers_per_group=clients)
        cluster = Cluster(url, tmp, web_workers, timer_workers, lease_seconds=LEASE_SECONDS)
        cluster.start()
        echo(f"chaos: {clients} clients for {seconds:.0f} s, SIGKILL to random web and timer workers, "
             f"PostgreSQL restarted {'once' if restart_postgres else 'never'}")
        chaos = Chaos(cluster, seconds, restart_postgres, echo)
        recorder = Recorder()
        give_up = time.monotonic() + seconds + RETRY_GRACE_SECONDS
        try:
            with statistics_kept(url, echo) as analyze_every:
                elapsed = drive(cluster.port, tokens, seconds, clients, recorder,
                                retry_until=lambda: time.monotonic() < give_up, during=chaos)
            until = datetime.now(timezone.utc) - timedelta(seconds=1)
            left = wait_for_due_timers(url, until, 3 * LEASE_SECONDS + 30)
        finally:
            cluster.stop()
        figures = summarize(recorder, elapsed, echo)
        figures["analyze_every_seconds"] = analyze_every
        figures["kills"] = dict(chaos.kills)
        figures["restarts"] = dict(cluster.restarts)
        figures["postgres_restart_seconds"] = chaos.postgres_down_seconds
        figures["timers_still_open_after_wait"] = left
        figures["checks"] = check(url, recorder, until)
        figures["checks"]["doctor"] = doctor(url)
    echo_checks(figures, echo)
    return figures


def echo_checks(figures: dict, echo: Callable[[str], None]) -> None:
    c = figures["checks"]
    echo(f"  killed: {figures['kills'] or 'nothing'}; supervisor restarts: {figures['restarts'] or 'none'}")
    echo(f"  instances started (acknowledged)       {c['starts_acknowledged']:>7}   in a consistent state "
         f"{c['acknowledged_instances_consistent']}")
    echo(f"  all instances in the database          {c['instances_in_database']:>7}   consistent "
         f"{c['instances_consistent']}   by state {c['instances_by_state']}")
    echo(f"  complaints lost (acknowledged, missing){c['complaints_lost']:>7}   key -> other instance "
         f"{c['key_mismatches']}   starts never answered {c['starts_unanswered']}")
    echo(f"  tasks completed twice                  {c['tasks_completed_twice']:>7}   of {c['tasks_completed']} "
         "completed")
    echo(f"  timers due                             {c['timers_due']:>7}   fired exactly once "
         f"{c['timers_fired_exactly_once']}   twice {c['timers_fired_more_than_once']}   "
         f"not fired {c['timers_due_not_fired']}")
    found = c.get("doctor", {})
    echo(f"  sqflow check (instance invariant)      {found.get('findings', '-'):>7}   "
         f"{found.get('by_problem') or found.get('error') or 'nothing found'}")
