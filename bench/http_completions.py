"""Task completions over HTTP against completions in-process, alone and side by side on one database.

The load's completion rate shares two cores with starts, inbox pages, dashboards, timer workers and the
client threads, so it says little about what HTTP itself costs. Here one client completes the tasks of
fresh work orders through `sqflow serve` (one web worker, no timer worker, nothing else running), and one
thread completes the same kind of work orders in-process; the two alternate round by round, so the
host's drift falls on both. Starts are not timed on either side.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable

from .engine_bench import START_DATA
from .in_process import completions_per_s

STARTER = "zhang.min"
BY_GROUP = {"network_dept": "bench.network00", "front_desk": "bench.front00"}


def http_completions_per_s(port: int, tokens: dict[str, str], work: dict[str, dict], work_orders: int) -> float:
    """Completions/s of `work_orders` work orders started and worked through the JSON API, one client per
    group the tasks wait in (each request waits for the last: one at a time)."""
    from .load_bench import Client, Recorder

    stop = threading.Event()
    clients = {login: Client(port, login, tokens[login], Recorder(), stop) for login in (STARTER, *BY_GROUP.values())}
    completions, spent = 0, 0.0
    for _ in range(work_orders):
        case = clients[STARTER].start("work_order", START_DATA)
        if case is None:
            raise RuntimeError("the bench could not start a work order over HTTP")
        tasks = case["open_tasks"]
        while tasks:
            task = tasks[0]
            client = clients[BY_GROUP[task["candidate_group"]]]
            began = time.perf_counter()
            status, body = client.call("POST", f"/tasks/{task['id']}/complete", "complete", {"data": work[task["element_id"]]})
            spent += time.perf_counter() - began
            if status != 200 or not body:
                raise RuntimeError(f"completing {task['element_id']} over HTTP answered {status}")
            completions += 1
            tasks = body["instance"]["open_tasks"] if body["instance"]["state"] == "active" else []
    return completions / spent


def run(url: str, tmp: Path, tokens: dict[str, str], work: dict[str, dict], *, rounds: int = 3,
        work_orders: int = 20, echo: Callable[[str], None] = print) -> dict:
    """HTTP and in-process completions on database `url` (prepared by the load bench), alternating."""
    from .load_bench import Cluster

    cluster = Cluster(url, tmp, web_workers=1, timer_workers=0)
    cluster.start()
    http, direct = [], []
    try:
        http_completions_per_s(cluster.port, tokens, work, 3)  # the worker's caches warm, as in-process's do below
        for _ in range(rounds):
            http.append(http_completions_per_s(cluster.port, tokens, work, work_orders))
            direct.append(completions_per_s(url, work, work_orders))
    finally:
        cluster.stop()
    over_http, in_process = sum(http) / rounds, sum(direct) / rounds
    ratio = round(over_http / in_process, 2)
    echo(f"  completions alone, one at a time, {rounds} alternating rounds of {work_orders} work orders: over HTTP "
         f"{over_http:.0f}/s, in-process {in_process:.0f}/s = {ratio:.2f} x (target 0.6)")
    return {"http_alone_per_s": round(over_http, 1), "in_process_alone_per_s": round(in_process, 1),
            "http_vs_in_process_alone": ratio}
