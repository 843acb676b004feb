"""`sqflow worker`: fire BPMN timers until stopped (SIGTERM/SIGINT finish the timer in hand)."""
from __future__ import annotations

import logging
import os
import signal
import threading
from typing import TYPE_CHECKING

from engine import TimerWorker

from .calendar import warn_about_calendar

if TYPE_CHECKING:
    from .main import Context


def add_worker_arguments(sub) -> None:
    sub.add_argument("--name", help="worker name in claims and the audit log (default host:pid)")


def _give_up(name: str, grace: int) -> None:
    """The step in hand did not end within the grace time: leave now; its claim runs out and counts."""
    print(f"worker {name}: a step did not finish within {grace} s of the stop signal; exiting now", flush=True)
    os._exit(1)


STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def cmd_worker(ctx: "Context", args) -> int:
    # The stop signals are taken by `sigwait` below, never by a handler: a handler runs between two
    # bytecodes of the main thread, and one setting an Event the main thread waits on can block on the
    # Event's own lock, held by that wait (a repeated SIGTERM then left the worker running for good).
    # Blocked before any thread starts, so every thread inherits the mask and none takes them.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("spiff", "apscheduler", "alembic"):  # SpiffWorkflow logs every task state change at INFO
        logging.getLogger(noisy).setLevel(logging.WARNING)
    ctx.warn_about_database_server()
    warn_about_calendar(ctx)
    worker = TimerWorker(ctx.engine, ctx.sessions, name=args.name)
    worker.start()
    due = worker.next_due()
    print(f"worker {worker.name}: firing timers from {ctx.settings.database_url.split('@')[-1]}; "
          f"next due {due.isoformat() if due else 'none'}", flush=True)
    signal.sigwait(STOP_SIGNALS)
    grace = ctx.settings.worker_grace_seconds
    watchdog = threading.Timer(grace, _give_up, args=(worker.name, grace))
    watchdog.daemon = True
    watchdog.start()
    worker.stop()
    watchdog.cancel()
    print(f"worker {worker.name}: stopped after firing {worker.fired} timer(s)", flush=True)
    return 0
