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
    sub.add_argument("what", choices=["engine", "timers"],
                     help="engine: durable throughput and step cost vs history; "
                          "timers: lateness and firing rate with 100,000 pending timers (PostgreSQL)")
    sub.add_argument("--pending", type=int, default=100_000, help="pending timers for `timers` (default 100000)")
    sub.add_argument("--count", type=int, default=300, help="instances per throughput figure (default 300)")
    sub.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL",
                     help="an admin URL of the PostgreSQL server to measure on (a scratch database is "
                          "created and dropped), or 'off'")


def cmd_bench(ctx: "Context", args) -> int:
    from bench import engine_bench, timer_bench

    postgres = None if args.postgres == "off" else args.postgres
    echo = (lambda line: None) if ctx.out.as_json else (lambda line: print(line, flush=True))
    with tempfile.TemporaryDirectory(prefix="sqflow-bench-") as tmp:
        if args.what == "engine":
            figures = engine_bench.run(args.count, Path(tmp), postgres, echo=echo)
        elif postgres is None:
            raise InvalidInputError("the timer benchmark runs several workers on PostgreSQL; give --postgres URL")
        else:
            figures = timer_bench.run(postgres, Path(tmp), pending=args.pending, echo=echo)
    if ctx.out.as_json:
        ctx.out.json(figures)
    return 0
