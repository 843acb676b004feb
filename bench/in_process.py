"""The reference for completions over HTTP: the same work orders completed in-process, on the same database.

One thread calls the engine directly (no HTTP, no sign-in, no access checks), one transaction per
start and per completion, as `sqflow bench engine` does; only the completions are timed. Run after
the load, against the load's database, so both figures see the same tables and the same host.
"""
from __future__ import annotations

import time

from .engine_bench import START_DATA


def completions_per_s(url: str, work: dict[str, dict], work_orders: int = 60) -> float:
    """Completions/s of `work_orders` work orders, each task completed with `work[its element id]`."""
    from engine import Settings, connect
    from processes import wired_engine

    settings = Settings(database_url=url)
    engine = wired_engine(settings)
    sessions = connect(settings)
    completions, spent = 0, 0.0
    try:
        for _ in range(work_orders):
            with sessions.begin() as session:
                view = engine.instances.start(session, "work_order", started_by="bench", data=START_DATA)
            while view.open_tasks and view.state == "active":
                task = view.open_tasks[0]
                began = time.perf_counter()
                with sessions.begin() as session:
                    view = engine.instances.complete_task(session, task.id, by="bench", data=work[task.element_id])
                spent += time.perf_counter() - began
                completions += 1
    finally:
        sessions.kw["bind"].dispose()
    return completions / spent
