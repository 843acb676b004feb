"""`sqflow bench ...`: measurements printed as figures and side-by-side ratios."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .main import Context

DEFAULT_POSTGRES = os.environ.get("SQFLOW_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def add_bench_arguments(sub) -> None:
    sub.add_argument("what", choices=["engine"], help="engine: durable throughput and step cost vs history")
    sub.add_argument("--count", type=int, default=300, help="instances per throughput figure (default 300)")
    sub.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL",
                     help="an admin URL of the PostgreSQL server to measure on (a scratch database is "
                          "created and dropped), or 'off'")


def cmd_bench(ctx: "Context", args) -> int:
    from bench.engine_bench import run

    postgres = None if args.postgres == "off" else args.postgres
    echo = (lambda line: None) if ctx.out.as_json else print
    with tempfile.TemporaryDirectory(prefix="sqflow-bench-") as tmp:
        figures = run(args.count, Path(tmp), postgres, echo=echo)
    if ctx.out.as_json:
        ctx.out.json(figures)
    return 0
