"""Where a durable step's time goes: cProfile of the engine bench's work orders, self time by package.

Self time (cProfile's tottime) is summed by where the function lives, so the parts add up to the
whole: the database driver (sqlite3, psycopg: the statements themselves, commits included),
SQLAlchemy (building and dispatching statements), SpiffWorkflow (running the steps), JSON
(serializing the workflow state), sqflow's own code, and the rest of Python.
"""
from __future__ import annotations

import cProfile
import pstats
from collections import defaultdict

from . import engine_bench

PARTS = (("database driver", ("sqlite3", "psycopg", "_sqlite3", "socket", "selectors")),
         ("SQLAlchemy", ("sqlalchemy",)),
         ("SpiffWorkflow", ("SpiffWorkflow",)),
         ("JSON", ("json",)),
         ("sqflow", ("/engine/", "/processes/")))


def _part(filename: str, function: str) -> str:
    place = filename if filename != "~" else function
    for name, markers in PARTS:
        if any(marker in place for marker in markers):
            return name
    return "other Python"


def profile(url: str, count: int) -> dict[str, float]:
    """Milliseconds of self time per step (a start or a completion) by part, over `count` work orders."""
    engine_bench.durable_rate(url, 5)
    profiler = cProfile.Profile()
    profiler.enable()
    engine_bench.durable_rate(url, count)
    profiler.disable()
    steps = count * (1 + len(engine_bench.ANSWERS))
    parts: dict[str, float] = defaultdict(float)
    for (filename, _, function), (_, _, tottime, _, _) in pstats.Stats(profiler).stats.items():
        parts[_part(filename, function)] += tottime
    return {name: seconds * 1000 / steps for name, seconds in sorted(parts.items(), key=lambda item: -item[1])}


def report(url: str, backend: str, count: int, echo=print) -> dict[str, float]:
    parts = profile(url, count)
    total = sum(parts.values())
    echo(f"where a durable step's time goes on {backend} (cProfile self time, {count} work orders, "
         f"{total:.2f} ms a step under the profiler):")
    for name, ms in parts.items():
        echo(f"  {name:<18}{ms:8.2f} ms  {ms / total:5.0%}")
    return parts
