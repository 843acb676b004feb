"""A served sqflow (gunicorn web workers and a timer worker, `sqflow serve`) on a scratch SQLite file,
driven only through its HTTP API with each person's bearer token. Real-process tests wait for the
server to boot and for the worker to act; nothing else sleeps."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from engine.people.tokens import ApiTokens

from .conftest import free_port
from .web_harness import WebHarness

REPO = Path(__file__).resolve().parents[1]


class ServedApp:
    def __init__(self, tmp_path: Path, *, logins: tuple[str, ...], controlled_clock: bool = False,
                 timer_worker: bool = True, prepare: Callable[[WebHarness], None] | None = None,
                 **settings: str):
        """`prepare(harness)` may deploy and seed through the in-process app before the server starts."""
        self.url = f"sqlite:///{tmp_path / 'sqflow.db'}"
        setup = WebHarness(self.url, tmp_path / "var")
        setup.clock.set(datetime.now(timezone.utc))  # the served app runs on the wall clock
        if prepare is not None:
            prepare(setup)
        with setup.sessions.begin() as db:
            self.tokens = {login: ApiTokens().create(db, login, "served test", setup.clock.now()).token
                           for login in logins}
        setup.close()
        self.port = free_port()
        env = {**os.environ, "SQFLOW_DATABASE_URL": self.url, "SQFLOW_VAR_DIR": str(tmp_path / "var"),
               **{f"SQFLOW_{k.upper()}": v for k, v in settings.items()}}
        command = [sys.executable, "-m", "cli.main", "serve", "--port", str(self.port), "--workers", "1",
                   "--threads", "4"]
        if controlled_clock:
            env["SQFLOW_CONTROLLED_CLOCK_ALLOWED"] = "1"
            command.append("--controlled-clock")
        if not timer_worker:
            command.append("--no-timer-worker")
        self.log = tmp_path / "serve.log"
        self.server = subprocess.Popen(command, cwd=REPO, env=env, stdout=self.log.open("w"),
                                       stderr=subprocess.STDOUT, text=True, start_new_session=True)
        if not self.wait_until(lambda: "Booting worker" in self.log.read_text(), 60):
            self.stop()
            raise RuntimeError(f"sqflow serve did not start:\n{self.log.read_text()}")

    def call(self, login: str, method: str, path: str, body: dict | None = None,
             key: str | None = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.tokens[login]}", "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/v1{path}", method=method,
                                         headers=headers, data=json.dumps(body).encode() if body is not None else None)
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as refused:
            return refused.code, json.loads(refused.read())

    @staticmethod
    def wait_until(predicate: Callable[[], Any], seconds: float) -> Any:
        deadline = time.monotonic() + seconds
        while True:
            found = predicate()
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    def stop(self) -> None:
        if self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            self.server.wait(timeout=60)

    def __enter__(self) -> "ServedApp":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
