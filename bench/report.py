"""docs/PERFORMANCE.md: the machine, the date, a summary against the targets, and every printed figure."""
from __future__ import annotations

import os
import re
from collections import Counter
import platform
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from .engine_bench import DURABLE_TARGETS

if TYPE_CHECKING:
    from .load_bench import Recorder

LOAD_TARGET_P95_MS = 150


def machine(postgres_admin_url: str | None) -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip() for line in _read("/proc/cpuinfo").splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    memory_kb = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                      if line.startswith("MemTotal:")), 0)
    system = next((line.split("=", 1)[1].strip().strip('"') for line in _read("/etc/os-release").splitlines()
                   if line.startswith("PRETTY_NAME=")), platform.system())
    postgres = "not measured"
    if postgres_admin_url:
        engine = create_engine(postgres_admin_url, poolclass=NullPool)
        with engine.connect() as connection:
            postgres = connection.execute(text("SHOW server_version")).scalar_one()
    return {"CPU": cpu, "cores": str(os.cpu_count()), "memory": f"{memory_kb / 1024 / 1024:.1f} GiB",
            "OS": f"{system}, Linux {platform.release()}", "Python": platform.python_version(),
            "PostgreSQL": postgres, "SQLite": _sqlite_version(), "SpiffWorkflow": version("SpiffWorkflow"),
            "load average before the run": " ".join(f"{n:.2f}" for n in os.getloadavg()),
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def _sqlite_version() -> str:
    import sqlite3
    return sqlite3.sqlite_version


def summary(figures: dict[str, dict]) -> list[str]:
    """The headline figures as Markdown table rows: what, measured, target or reference."""
    rows = []
    engine = figures.get("engine")
    if engine:
        memory = engine["spiff_in_memory_per_s"]
        rows.append(f"| work orders, plain SpiffWorkflow in memory | {memory:,.0f} instances/s | reference |")
        for name, target in ((backend.lower(), target) for backend, target in DURABLE_TARGETS.items()):
            rate = engine.get(f"durable_{name}_per_s")
            if rate:
                ratio = engine.get(f"durable_{name}_ratio", rate / memory)
                rows.append(f"| work orders durable on {name} (a transaction per step) | {rate:,.0f} instances/s | "
                            f"{ratio:.2f} x in memory (target {target}: {'met' if ratio >= target else 'not met'}) |")
        if "saving_state_ceiling" in engine:
            rows.append(f"| plain SpiffWorkflow writing its state as JSON at every step (no database) | "
                        f"{engine['spiff_saving_state_per_s']:,.0f} instances/s | {engine['saving_state_ceiling']:.2f} x "
                        "in memory: the ceiling of a durable engine storing the state at each step |")
        for name, target in ((backend.lower(), target) for backend, target in DURABLE_TARGETS.items()):
            if f"floor_{name}_state_ratio" in engine:
                state, bookkeeping, sessions = (engine[f"floor_{name}_{key}_ratio"]
                                                for key in ("state", "bookkeeping", "sessions"))
                durable = engine[f"durable_{name}_ratio"]
                above = ("every floor" if target > max(state, bookkeeping, sessions) else
                         "the floor through Sessions" if target > sessions else "no floor")
                rows.append(f"| the floor on {name}: plain SpiffWorkflow writing the least a durable engine must, "
                            f"a transaction per step | state only {state:.2f} x, with tasks and history "
                            f"{bookkeeping:.2f} x by the driver | {sessions:.2f} x in memory with tasks and history "
                            f"through SQLAlchemy Sessions, a statement at a time (sqflow {durable / sessions:.0%} of "
                            f"it); the target {target} is above {above} |")
    timers = figures.get("timers")
    if timers:
        rows.append(f"| timer lateness, 2 workers, {timers['pending']:,} pending | p50 {timers['lateness_p50_ms']:.0f} ms, "
                    f"p99 {timers['lateness_p99_ms']:.0f} ms | |")
        rows.append(f"| timers fired per second, 1 worker one per transaction (reference) | "
                    f"{timers['fired_per_s_one_at_a_time']:,.0f} | |")
        together, two = timers["together_vs_one_at_a_time"], timers["two_workers_vs_one"]
        rows.append(f"| timers fired together, 1 / 2 workers | {timers['fired_per_s_1_worker']:,.0f} / "
                    f"{timers['fired_per_s_2_worker']:,.0f} per second | {together:.2f} x the reference (target 4: "
                    f"{'met' if together >= 4 else 'not met'}); 2 workers {two:.2f} x 1 (target 1.7: "
                    f"{'met' if two >= 1.7 else 'not met'}) |")
        if "ceiling_vs_one_at_a_time" in timers:
            rows.append(f"| a firing's own work without the database (the ceiling of firing together) | "
                        f"{timers['step_alone_per_s']:,.0f} per second | {timers['ceiling_vs_one_at_a_time']:.2f} x "
                        "the reference |")
        if "floor_vs_one_at_a_time" in timers:
            rows.append(f"| that work and the least a firing writes, fired together by the driver itself (the floor "
                        f"of firing together) | {timers['fired_and_saved_per_s']:,.0f} per second | "
                        f"{timers['floor_vs_one_at_a_time']:.2f} x the reference: the best firing together reaches "
                        f"(sqflow {timers['together_vs_one_at_a_time'] / timers['floor_vs_one_at_a_time']:.0%} of it) |")
    inbox = figures.get("inbox")
    if inbox:
        page = inbox["pages"]["first page"]
        rows.append(f"| inbox first page, {inbox['open_tasks']:,} open / {inbox['completed_tasks']:,} done | "
                    f"p50 {page['p50_ms']} ms, p95 {page['p95_ms']} ms | |")
    load = figures.get("load")
    if load:
        rows.append(f"| load: task completions/s over HTTP | {load['completions_per_s']:,.0f} | |")
        worst = max(load["endpoints"].items(), key=lambda item: item[1]["p95_ms"])
        if "http_vs_in_process" in load:
            ratio = load["http_vs_in_process"]
            rows.append(f"| load: completions over HTTP within the mix vs in-process alone, same database | "
                        f"{load['completions_per_s']:,.0f} / {load['in_process_completions_per_s']:,.0f} per second | "
                        f"{ratio:.2f} x (the mix shares the cores) |")
        if "http_vs_in_process_alone" in load:
            ratio = load["http_vs_in_process_alone"]
            rows.append(f"| completions alone, over HTTP vs in-process, alternating rounds, same database | "
                        f"{load['http_alone_per_s']:,.0f} / {load['in_process_alone_per_s']:,.0f} per second | "
                        f"{ratio:.2f} x (target 0.6: {'met' if ratio >= 0.6 else 'not met'}) |")
        rows.append(f"| load: worst p95 ({worst[0]}) | {worst[1]['p95_ms']} ms | {LOAD_TARGET_P95_MS} ms "
                    f"({'met' if worst[1]['p95_ms'] < LOAD_TARGET_P95_MS else 'not met'}) |")
        rows.append(f"| load: requests/s | {load['requests_per_s']:,.0f} | |")
    chaos = figures.get("chaos")
    if chaos:
        c = chaos["checks"]
        rows += [f"| chaos: instances started / consistent | {c['starts_acknowledged']} / "
                 f"{c['acknowledged_instances_consistent']} | equal |",
                 f"| chaos: complaints lost | {c['complaints_lost']} | 0 |",
                 f"| chaos: tasks completed twice | {c['tasks_completed_twice']} | 0 |",
                 f"| chaos: timers due / fired exactly once | {c['timers_due']} / {c['timers_fired_exactly_once']} | equal |",
                 f"| chaos: `sqflow check` findings | {c.get('doctor', {}).get('findings', '-')} | 0 |"]
    return rows


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


def summarize(recorder: "Recorder", elapsed: float, echo: Callable[[str], None]) -> dict:
    total = sum(len(v) for v in recorder.latency.values())
    errors: Counter = Counter()
    endpoints = {}
    echo(f"  {'endpoint':<30}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}   statuses")
    for endpoint in sorted(recorder.latency):
        values, statuses = recorder.latency[endpoint], recorder.statuses[endpoint]
        endpoints[endpoint] = {"requests": len(values), "p50_ms": round(percentile(values, .5), 1),
                               "p95_ms": round(percentile(values, .95), 1), "p99_ms": round(percentile(values, .99), 1),
                               "statuses": {str(k): v for k, v in sorted(statuses.items())}}
        errors.update({str(k): v for k, v in statuses.items() if k == 0 or k >= 400})
        shown = " ".join(f"{'conn' if k == 0 else k}:{v}" for k, v in sorted(statuses.items()))
        e = endpoints[endpoint]
        echo(f"  {endpoint:<30}{len(values):>9}{e['p50_ms']:>9.1f}{e['p95_ms']:>9.1f}{e['p99_ms']:>9.1f}   {shown}")
    figures = {"seconds": round(elapsed, 1), "requests": total, "requests_per_s": round(total / elapsed, 1),
               "completions": recorder.completions, "completions_per_s": round(recorder.completions / elapsed, 1),
               "starts_acknowledged": len(recorder.acknowledged), "endpoints": endpoints,
               "errors_by_status": dict(sorted(errors.items()))}
    echo(f"  {total:,} requests in {elapsed:.0f} s: {figures['requests_per_s']:.0f} requests/s; "
         f"{recorder.completions:,} task completions: {figures['completions_per_s']:.0f}/s; "
         f"{len(recorder.acknowledged):,} instances started")
    echo("  errors by status: " + (", ".join(f"{'connection' if k == '0' else k}: {v}" for k, v in errors.items())
                                   or "none") + " (409/403: another handler took the task first)")
    return figures


TITLES = {
    "engine": "Engine: durable throughput and step cost (`sqflow bench engine`)",
    "timers": "Timers on PostgreSQL (`sqflow bench timers`)",
    "inbox": "Inbox page (`sqflow bench inbox`)",
    "load": "Load over HTTP (`sqflow bench load`)",
    "chaos": "Load with faults (`sqflow bench chaos`)",
}
NOTES = {
    "engine": "Ratios, not instances/s, are what carries from one run to the next: the in-memory reference "
              "is measured just before and just after each durable figure in the same run. Where a step's "
              "time goes is the cProfile summary at the end (self time, so the parts add up): SpiffWorkflow "
              "running the diagram and sqflow's own code are the work itself; SQLAlchemy, the driver and JSON "
              "are the cost of keeping it durable, a save being one revision-checked UPDATE plus the step's "
              "inserts (one statement on PostgreSQL) and a commit. The profiler slows Python code more than "
              "the database, so its shares lean towards Python. The ceiling line is plain SpiffWorkflow "
              "writing its whole state as JSON after every step, without a database: the least a durable "
              "engine that stores the state at each step does; what lies between it and sqflow's durable "
              "ratio is the database and sqflow's bookkeeping (tasks, audit, timers, SLAs). The floor lines "
              "run the same work order in plain SpiffWorkflow and write the least a durable engine must, a "
              "transaction per step, in sqflow's tables: the state alone; with the task looked up before the "
              "step, marked completed, the next one inserted and a history row per task event; and those same "
              "statements through SQLAlchemy Sessions as sqflow's callers hold them (on SQLite the look-up in a "
              "read-only Session of its own, so the write lock covers the save only). By the driver, PostgreSQL "
              "gets a step's writes and commit in one round trip; through Sessions each statement is its own, "
              "where sqflow sends its writes as one. A target above a floor cannot be reached by an engine "
              "of that kind on this machine: on PostgreSQL every commit waits for the write-ahead log to reach "
              "the disk, four a work order.",
    "timers": "The reference fires one timer per transaction; firing together puts up to "
              "SQFLOW_TIMER_FIRE_TOGETHER timers of different instances in one transaction, a savepoint each. "
              "The ceiling line is a firing's own work in one process without the database (the waiting "
              "workflow read from its JSON, its timer fired, the state written back): batching saves only the "
              "round trips and commits around it, so its ratio to the reference bounds what firing together "
              "can reach with one worker. The floor line adds to that work the least a firing writes (the "
              "instance's state by a revision-checked UPDATE, its timer marked, one history row), a transaction "
              "of SQFLOW_TIMER_FIRE_TOGETHER firings sent by the driver itself in one round trip: above it, the "
              "target cannot be reached on this machine. Each run's tables are analyzed after its timers are "
              "written.",
    "load": "Closed-loop clients on the same 2 cores as the servers and PostgreSQL: every request waits for "
            "a free gunicorn sync worker, so latency includes queueing. A third of the clients are front "
            "desks starting work orders (80%), deadline cases (10%) and complaints recorded and resolved on "
            "the spot (10%); the others are handlers working the queue in play mode (take the next task, "
            "complete it with `take_next`, look at the inbox every fifth task) and one manager. Measured by "
            "hand on 2026-11-23 (/proc and py-spy during this bench), the 2 cores are saturated: the web "
            "workers take about 70% of the CPU, PostgreSQL 18%, the clients 7% and the timer workers 4%, "
            "and the web workers' profile is flat (SQLAlchemy and psycopg 40%, "
            "SpiffWorkflow 11%, Flask, werkzeug and gunicorn 13%). Side by side these changed nothing "
            "measurable: orjson for the API's JSON, 2 threads per web worker (0.5-0.9x), PostgreSQL's JIT "
            "off, a raw-socket client in place of http.client (its CPU fell by a third). 409s would be two "
            "handlers reaching for the same task; they are counted, not hidden. On a server that runs "
            "without autovacuum (this one) the bench runs ANALYZE on the task, instance, timer and SLA "
            "tables every 10 s in its place. The host is "
            "shared and its speed drifts: the in-memory engine figure at the top measures it in the same "
            "run (from one host to the next it fell from 953 to 591 instances/s, and this figure from 188 "
            "to 90-110 completions/s with it), so compare changes side by side, not against an older "
            "report.",
    "chaos": "SIGKILL to a random gunicorn worker (the master replaces it) or timer worker (the bench "
             "restarts it) every 2.75 s on average, and one PostgreSQL restart half-way. 5xx and connection "
             "errors are what clients saw before their retry with the same Idempotency-Key succeeded.",
}


_RATIO = re.compile(r"(\d+(?:\.\d+)?) x")


def _figure(row: str) -> str:
    return row.split("|")[1].strip()


def previous_ratios(path: Path) -> dict[str, str]:
    """Figure -> the ratio ("0.17 x") its summary row gave in the report at `path`, if it gave one."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    ratios = {}
    for row in text.split("## Summary", 1)[-1].split("\n## ", 1)[0].splitlines():
        cells = row.split("|")
        found = _RATIO.search(cells[3]) if row.startswith("| ") and len(cells) > 3 else None
        if found:
            ratios[_figure(row)] = f"{found.group(1)} x"
    return ratios


def write(path: Path, host: dict[str, str], figures: dict[str, dict], printed: dict[str, list[str]],
          command: str) -> None:
    lines = ["# sqflow performance", "",
             f"Generated by `{command}` on {host['date']}. Every figure below is what the command printed; "
             "run it again to measure your machine.", "", "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in host.items()]
    before = previous_ratios(path)
    lines += ["", "## Summary", "",
              "Ratios are measured within this run; the last column is the same ratio in the report this one "
              "replaced (absolute figures from another run are not compared: the shared host's speed drifts).",
              "", "| figure | measured | target / reference | ratio in the previous report |", "|---|---|---|---|"]
    lines += [f"{row} {before.get(_figure(row), '')} |" for row in summary(figures)]
    for name, title in TITLES.items():
        if name not in printed:
            continue
        lines += ["", f"## {title}", ""]
        if name in NOTES:
            lines += [NOTES[name], ""]
        lines += ["```", *printed[name], "```"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
