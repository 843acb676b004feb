"""`sqflow bench ...`: measurements printed as figures and side-by-side ratios."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from engine.errors import InvalidInputError

if TYPE_CHECKING:
    from .main import Context

DEFAULT_POSTGRES = os.environ.get("SQFLOW_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REPORT = Path(__file__).resolve().parents[1] / "docs" / "PERFORMANCE.md"
ALL = ("engine", "timers", "inbox", "load", "chaos")
NEEDS_POSTGRES = ("timers", "load", "chaos")


def add_bench_arguments(sub) -> None:
    sub.add_argument("what", choices=[*ALL, "all"],
                     help="engine: durable throughput and step cost vs history; "
                          "timers: lateness and firing rate with 100,000 pending timers (PostgreSQL); "
                          "inbox: the inbox page with 100,000 open and 1,000,000 completed tasks; "
                          "load: a mix of API calls against `sqflow serve` and timer workers (PostgreSQL); "
                          "chaos: that load while workers are killed and PostgreSQL restarts, then a consistency "
                          "check; all: every one of them, written to docs/PERFORMANCE.md")
    sub.add_argument("--open", type=int, default=100_000, help="open tasks for `inbox` (default 100000)")
    sub.add_argument("--completed", type=int, default=1_000_000, help="completed tasks for `inbox` (default 1000000)")
    sub.add_argument("--rounds", type=int, default=200, help="requests per inbox page figure (default 200)")
    sub.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite",
                     help="where `inbox` stores its rows (default sqlite, the embedded default)")
    sub.add_argument("--pending", type=int, default=100_000, help="pending timers for `timers` (default 100000)")
    sub.add_argument("--count", type=int, default=300, help="instances per throughput figure (default 300)")
    sub.add_argument("--seconds", type=float, default=60, help="how long `load` and `chaos` run (default 60)")
    sub.add_argument("--web-workers", type=int, default=2, help="gunicorn workers for `load`/`chaos` (default 2)")
    sub.add_argument("--timer-workers", type=int, default=2, help="timer workers for `load`/`chaos` (default 2)")
    sub.add_argument("--clients", type=int, default=12, help="client threads for `load`/`chaos` (default 12)")
    sub.add_argument("--no-postgres-restart", dest="restart_postgres", action="store_false",
                     help="`chaos` without restarting the PostgreSQL server (it runs `pg_ctlcluster "
                          "--skip-systemctl-redirect 15 main restart`, or $SQFLOW_BENCH_PG_RESTART)")
    sub.add_argument("--output", type=Path, default=REPORT, help="where `all` writes its report "
                                                                 "(default docs/PERFORMANCE.md)")
    sub.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL",
                     help="an admin URL of the PostgreSQL server to measure on (a scratch database is "
                          "created and dropped), or 'off'")


def _check(args, postgres: str | None) -> None:
    chosen = ALL if args.what == "all" else (args.what,)
    if postgres is None and any(name in NEEDS_POSTGRES for name in chosen):
        raise InvalidInputError(f"`bench {args.what}` runs several processes on PostgreSQL; give --postgres URL")
    if "inbox" in chosen:
        if min(args.open, args.completed, args.rounds - 1) < 0 or args.open == 0:
            raise InvalidInputError("--open must be positive, --completed not negative, --rounds at least 1")
        if args.database == "postgresql" and postgres is None:
            raise InvalidInputError("--database postgresql needs --postgres URL")
    if min(args.seconds, args.web_workers, args.timer_workers, args.clients - 2) <= 0:
        raise InvalidInputError("--seconds, --web-workers and --timer-workers must be positive, --clients at least 3")


def _one(name: str, args, postgres: str | None, tmp: Path, echo: Callable[[str], None]) -> dict:
    from bench import chaos_bench, engine_bench, inbox_bench, load_bench, timer_bench
    from bench.scratch import scratch_postgres

    if name == "engine":
        return engine_bench.run(args.count, tmp, postgres, echo=echo)
    if name == "timers":
        return timer_bench.run(postgres, tmp, pending=args.pending, echo=echo)
    cluster = dict(seconds=args.seconds, web_workers=args.web_workers, timer_workers=args.timer_workers,
                   clients=args.clients, echo=echo)
    if name == "load":
        return load_bench.run(postgres, tmp, **cluster)
    if name == "chaos":
        return chaos_bench.run(postgres, tmp, restart_postgres=args.restart_postgres, **cluster)
    sizes = dict(open_tasks=args.open, completed=args.completed, rounds=args.rounds, echo=echo)
    echo(f"inbox page: {args.open:,} open and {args.completed:,} completed tasks on {args.database}")
    if args.database == "sqlite":
        figures = inbox_bench.run(f"sqlite:///{tmp / 'inbox.db'}", tmp, **sizes)
    else:
        with scratch_postgres(postgres, "sqflow_bench_inbox") as url:
            figures = inbox_bench.run(url, tmp, **sizes)
    for page_name, page in figures["pages"].items():
        echo(f"  {page_name:<18} p50 {page['p50_ms']:6.1f} ms   p95 {page['p95_ms']:6.1f} ms   "
             f"max {page['max_ms']:6.1f} ms")
    return figures


def cmd_bench(ctx: "Context", args) -> int:
    from bench import report

    postgres = None if args.postgres == "off" else args.postgres
    _check(args, postgres)
    quiet = ctx.out.as_json
    names = ALL if args.what == "all" else (args.what,)
    figures: dict[str, dict] = {}
    printed: dict[str, list[str]] = {}
    for name in names:
        printed[name] = []

        def echo(line: str, lines: list[str] = printed[name]) -> None:
            lines.append(line)
            if not quiet:
                print(line, flush=True)

        if args.what == "all":
            echo(f"== {name} ==")
        with tempfile.TemporaryDirectory(prefix="sqflow-bench-") as tmp:
            figures[name] = _one(name, args, postgres, Path(tmp), echo)
        if args.what == "all":
            printed[name].pop(0)
    if args.what == "all":
        command = ("sqflow bench all " + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in _sizes(args).items()))
        report.write(args.output, report.machine(postgres), figures, printed, command.strip())
        if not quiet:
            print(f"written to {args.output}", flush=True)
    if ctx.out.as_json:
        ctx.out.json(figures if args.what == "all" else figures[args.what])
    return 0


def _sizes(args) -> dict:
    """The options that differ from their defaults, to repeat in the report's command line."""
    defaults = dict(count=300, pending=100_000, open=100_000, completed=1_000_000, rounds=200, database="sqlite",
                    seconds=60, web_workers=2, timer_workers=2, clients=12)
    return {k: getattr(args, k) for k, v in defaults.items() if getattr(args, k) != v}
