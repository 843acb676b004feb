"""`sqflow bench ...`: measurements printed as figures and side-by-side ratios."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from engine.errors import InvalidInputError

if TYPE_CHECKING:
    from .main import Context

DEFAULT_POSTGRES = os.environ.get("SQFLOW_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def add_bench_arguments(sub) -> None:
    sub.add_argument("what", choices=["engine", "timers", "inbox"],
                     help="engine: durable throughput and step cost vs history; "
                          "timers: lateness and firing rate with 100,000 pending timers (PostgreSQL); "
                          "inbox: the inbox page with 100,000 open and 1,000,000 completed tasks")
    sub.add_argument("--open", type=int, default=100_000, help="open tasks for `inbox` (default 100000)")
    sub.add_argument("--completed", type=int, default=1_000_000, help="completed tasks for `inbox` (default 1000000)")
    sub.add_argument("--rounds", type=int, default=200, help="requests per inbox page figure (default 200)")
    sub.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite",
                     help="where `inbox` stores its rows (default sqlite, the embedded default)")
    sub.add_argument("--pending", type=int, default=100_000, help="pending timers for `timers` (default 100000)")
    sub.add_argument("--count", type=int, default=300, help="instances per throughput figure (default 300)")
    sub.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL",
                     help="an admin URL of the PostgreSQL server to measure on (a scratch database is "
                          "created and dropped), or 'off'")


def cmd_bench(ctx: "Context", args) -> int:
    from bench import engine_bench, inbox_bench, timer_bench
    from bench.scratch import scratch_postgres

    postgres = None if args.postgres == "off" else args.postgres
    echo = (lambda line: None) if ctx.out.as_json else (lambda line: print(line, flush=True))
    with tempfile.TemporaryDirectory(prefix="sqflow-bench-") as tmp:
        if args.what == "engine":
            figures = engine_bench.run(args.count, Path(tmp), postgres, echo=echo)
        elif args.what == "inbox":
            if min(args.open, args.completed, args.rounds - 1) < 0 or args.open == 0:
                raise InvalidInputError("--open must be positive, --completed not negative, --rounds at least 1")
            if args.database == "postgresql" and postgres is None:
                raise InvalidInputError("--database postgresql needs --postgres URL")
            sizes = dict(open_tasks=args.open, completed=args.completed, rounds=args.rounds, echo=echo)
            echo(f"inbox page: {args.open:,} open and {args.completed:,} completed tasks on {args.database}")
            if args.database == "sqlite":
                figures = inbox_bench.run(f"sqlite:///{Path(tmp) / 'inbox.db'}", Path(tmp), **sizes)
            else:
                with scratch_postgres(postgres, "sqflow_bench_inbox") as url:
                    figures = inbox_bench.run(url, Path(tmp), **sizes)
            for name, page in figures["pages"].items():
                echo(f"  {name:<18} p50 {page['p50_ms']:6.1f} ms   p95 {page['p95_ms']:6.1f} ms   "
                     f"max {page['max_ms']:6.1f} ms")
        elif postgres is None:
            raise InvalidInputError("the timer benchmark runs several workers on PostgreSQL; give --postgres URL")
        else:
            figures = timer_bench.run(postgres, Path(tmp), pending=args.pending, echo=echo)
    if ctx.out.as_json:
        ctx.out.json(figures)
    return 0
