"""`sqflow serve`: the web app under gunicorn, plus one timer worker process beside it.

Web workers never run timers; the worker is a separate `sqflow worker` process that serve starts
and stops with itself. `--demo` seeds the demo first when the database has no users yet.
"""
from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

from gunicorn.app.base import BaseApplication

from engine.reads import has_accounts

from .calendar import warn_about_calendar
from .demo import cmd_demo, print_demo_logins

if TYPE_CHECKING:
    from .main import Context


def add_serve_arguments(sub) -> None:
    sub.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    sub.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    sub.add_argument("--workers", type=int, default=None, help="web worker processes (default SQFLOW_WEB_WORKERS)")
    sub.add_argument("--threads", type=int, default=None,
                     help="threads per web worker, so one waiting on the database does not idle it "
                          "(default SQFLOW_WEB_THREADS)")
    sub.add_argument("--no-timer-worker", dest="timer_worker", action="store_false",
                     help="do not start a timer worker (run `sqflow worker` elsewhere)")
    sub.add_argument("--demo", action="store_true", help="seed the demo first if the database has no users")
    sub.add_argument("--controlled-clock", action="store_true",
                     help="for acceptance tests and training: an administrator moves the service's time forward "
                          "with POST /api/v1/clock (refused unless SQFLOW_CONTROLLED_CLOCK_ALLOWED=1)")


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from web import create_app
        return create_app()


def cmd_serve(ctx: "Context", args) -> int:
    if not 1 <= args.port <= 65535:
        raise SystemExit(f"sqflow: --port must be 1-65535, not {args.port}")
    if args.controlled_clock:
        if not ctx.settings.controlled_clock_allowed:
            raise SystemExit("sqflow: --controlled-clock is for acceptance tests and training only; set "
                             "SQFLOW_CONTROLLED_CLOCK_ALLOWED=1 where moving the service's time is intended")
        os.environ["SQFLOW_CLOCK"] = "controlled"  # the web workers and the timer worker read it
    with ctx.sessions.begin() as session:
        has_users = has_accounts(session)
    if args.demo and not has_users:
        args.user = "demo"
        cmd_demo(ctx, args)
    ctx.warn_about_database_server()
    warn_about_calendar(ctx)
    workers = args.workers or ctx.settings.web_workers
    threads = args.threads or ctx.settings.web_threads
    if workers < 1 or threads < 1:
        raise SystemExit("sqflow: --workers and --threads must be at least 1")
    timer_worker = None
    if args.timer_worker:
        timer_worker = subprocess.Popen([sys.executable, "-m", "cli.main", "worker"])
    url = f"http://{args.host}:{args.port}/"
    where = ctx.settings.database_url.split("@")[-1]
    print(f"sqflow web app on {url} ({workers} worker(s) x {threads} thread(s)); database {where}", flush=True)
    if args.controlled_clock:
        print("sqflow: the clock is controlled: an administrator moves it with POST /api/v1/clock "
              '{"advance": "PT2H"}', flush=True)
    if args.demo and has_users:  # a demo seeded just now has printed its logins already
        print_demo_logins(ctx)
    try:
        _Gunicorn({"bind": f"{args.host}:{args.port}", "workers": workers, "threads": threads,
                   "worker_class": "gthread" if threads > 1 else "sync", "accesslog": None,
                   "graceful_timeout": 20, "timeout": 60,
                   # Each worker touches a heartbeat file between requests; in memory that costs nothing.
                   **({"worker_tmp_dir": "/dev/shm"} if os.path.isdir("/dev/shm") else {})}).run()
    finally:
        if timer_worker is not None:
            timer_worker.terminate()
            timer_worker.wait(timeout=30)
    return 0
