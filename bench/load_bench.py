"""`sqflow bench load`: a realistic mix over HTTP against real `sqflow serve` and `sqflow worker` processes.

A scratch PostgreSQL database gets the diagrams in `bpmn/`, the demo people plus bench handlers and
API tokens. Then `sqflow serve --no-timer-worker` (gunicorn) and timer workers run as subprocesses
and client threads drive the JSON API on loopback for a bounded time:

* front desks on several channels start work orders, complaints (then record the intake and
  resolve them on the spot) and deadline cases whose 3 s timer the workers fire, each with an
  `Idempotency-Key`;
* handlers work the queue: they take the next task of their groups (取下一单: the soonest due, claimed in
  one call) and complete it asking for what comes next (`take_next`: the case's next task for them, or
  else the queue's next one, claimed in the same call); every fifth task they look at their inbox;
* a manager opens the dashboard and the instance list.

Clients are closed loops (the next request when the last one is answered); the front desks pause
while 40 work orders per handler wait, so the backlog stays bounded.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from . import http_completions
from .in_process import completions_per_s
from .report import summarize
from .scratch import scratch_postgres, statistics_kept

REPO = Path(__file__).resolve().parents[1]
DEADLINE_DIAGRAM = Path(__file__).parent / "diagrams" / "sign_for_deadline.bpmn"
TIMER_SECONDS = 3
SECRET = "sqflow-bench-secret-key-not-for-production"
CHANNELS = {"hotline_10000": "zhang.min", "business_hall": "wang.fang", "web_hall": "liu.yang",
            "online_chat": "chen.jing"}
GROUPS = {"network_dept": ("sign_for", "reply"), "front_desk": ("callback",)}
WORK = {"sign_for": {}, "reply": {"answer": "更换分光器 replaced the splitter"}, "callback": {"reached": True}}
BACKLOG_PER_HANDLER = 40
INBOX_EVERY = 5
QUEUE = {"process_id": "work_order"}


def prepare(url: str, handlers_per_group: int) -> dict[str, str]:
    """Deploy `bpmn/` and the deadline case, seed people, load the complaint SLAs; API tokens by login."""
    from cli.inputs import source_files
    from engine import Settings, SourceFile, connect
    from engine.people.directory import hash_password
    from engine.people.tokens import ApiTokens
    from engine.sla.policies import save_policies
    from engine.sla.policy import parse_policies
    from processes import wired_engine
    from processes.complaints.demo import POLICIES
    from processes.demo_people import DEMO_USERS, seed_people

    settings = Settings(database_url=url)
    engine = wired_engine(settings)
    sessions = connect(settings)
    deadline = DEADLINE_DIAGRAM.read_text().replace('"PT1H"', f'"PT{TIMER_SECONDS}S"')
    now = datetime.now(timezone.utc)
    with sessions.begin() as session:
        seed_people(session, now, engine.desk.directory)  # and the groups the lanes name
        engine.definitions.deploy(session, source_files([str(REPO / "bpmn")], base=REPO / "bpmn"), "bench")
        engine.definitions.deploy(session, [SourceFile("bench_deadline.bpmn", deadline.encode())], "bench")
        process_id, policies = parse_policies(POLICIES.name, POLICIES.read_bytes())
        save_policies(session, process_id, policies, "defaults", "bench", now)
        logins = [login for login, *_ in DEMO_USERS]
        password = hash_password("sqflow-bench")
        for group in GROUPS:
            for n in range(handlers_per_group):
                login = f"bench.{group.split('_')[0]}{n:02d}"
                engine.desk.directory.save(session, login, name=login, password=None, password_hash=password,
                                           roles=("handler",), groups=(group,), now=now)
                logins.append(login)
        tokens = {login: ApiTokens().create(session, login, "bench", now, 1).token for login in logins
                  if login not in ("lin.designer", "admin")}
    sessions.kw["bind"].dispose()
    return tokens


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Cluster:
    """`sqflow serve` (gunicorn master and its web workers) and timer workers, as subprocesses."""

    def __init__(self, url: str, log_dir: Path, web_workers: int, timer_workers: int, lease_seconds: int = 60):
        self.port, self.log_dir, self.web_workers = free_port(), log_dir, web_workers
        self.env = {**os.environ, "SQFLOW_DATABASE_URL": url, "SQFLOW_SECRET_KEY": SECRET,
                    "SQFLOW_TIMER_LEASE_SECONDS": str(lease_seconds), "SQFLOW_WORKER_MAX_SLEEP_SECONDS": "2",
                    "SQFLOW_VAR_DIR": str(log_dir), "PYTHONUNBUFFERED": "1"}
        self.serve: subprocess.Popen | None = None
        self.timers: list[subprocess.Popen | None] = [None] * timer_workers
        self.restarts: Counter = Counter()

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen:
        out = open(self.log_dir / f"{log}.log", "a")
        return subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=REPO, env=self.env,
                                stdout=out, stderr=subprocess.STDOUT)

    def start(self) -> None:
        self.serve = self._spawn(["serve", "--no-timer-worker", "--workers", str(self.web_workers),
                                  "--port", str(self.port)], "serve")
        for index in range(len(self.timers)):
            self.start_timer_worker(index)
        deadline = time.monotonic() + 60
        while not self.ready():
            if time.monotonic() > deadline or self.serve.poll() is not None:
                raise RuntimeError(f"sqflow serve did not come up: see {self.log_dir / 'serve.log'}")
            time.sleep(0.2)
        while len(self.web_pids()) < self.web_workers:
            time.sleep(0.2)

    def start_timer_worker(self, index: int) -> None:
        self.timers[index] = self._spawn(["worker", "--name", f"bench-timer-{index}"], f"timer-{index}")

    def ready(self) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            connection.request("GET", "/readyz")
            return connection.getresponse().status == 200
        except OSError:
            return False

    def web_pids(self) -> list[int]:
        """The gunicorn workers: children of the `sqflow serve` process, which is the master."""
        if self.serve is None:
            return []
        children = Path(f"/proc/{self.serve.pid}/task/{self.serve.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def supervise(self) -> None:
        """Restart timer workers that died; gunicorn's master replaces its own workers."""
        for index, process in enumerate(self.timers):
            if process is not None and process.poll() is not None:
                self.restarts["timer worker"] += 1
                self.start_timer_worker(index)
        if self.serve is not None and self.serve.poll() is not None:
            self.restarts["serve"] += 1
            self.start()

    def stop(self) -> None:
        running = [p for p in [self.serve, *self.timers] if p is not None and p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Recorder:
    """What the clients saw: latency and status per endpoint, acknowledged starts, completions."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.acknowledged: dict[str, tuple[int, str]] = {}   # Idempotency-Key -> (instance id, process)
        self.unanswered: list[str] = []                      # keys whose start was never acknowledged
        self.completions = 0
        self.work_orders_started = 0
        self.work_orders_done = 0

    def request(self, endpoint: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latency[endpoint].append(seconds * 1000)
            self.statuses[endpoint][status] += 1

    def started(self, key: str, instance_id: int, process_id: str) -> None:
        with self.lock:
            self.acknowledged[key] = (instance_id, process_id)
            self.work_orders_started += process_id == "work_order"

    def completed(self, element_id: str, process_id: str) -> None:
        with self.lock:
            self.completions += 1
            self.work_orders_done += process_id == "work_order" and element_id == "callback"


class Client:
    """One closed-loop client with its own API token; `retry` resends on connection errors and 5xx."""

    def __init__(self, port: int, login: str, token: str, recorder: Recorder, stop: threading.Event,
                 retry_until: Callable[[], bool] | None = None):
        self.port, self.login, self.recorder, self.stop = port, login, recorder, stop
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.retry_until = retry_until
        self.rng = random.Random(login)
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method: str, path: str, endpoint: str, body: dict | None = None,
             headers: dict | None = None) -> tuple[int, dict | None]:
        payload = None if body is None else json.dumps(body).encode()
        pause = 0.05
        while True:
            began = time.perf_counter()
            try:
                # One connection per client, kept open while the server allows (http.client reconnects
                # by itself after a `Connection: close`, as gunicorn's sync workers answer).
                self.connection.request(method, "/api/v1" + path, body=payload,
                                        headers={**self.headers, **(headers or {})})
                response = self.connection.getresponse()
                status, raw = response.status, response.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
                status, raw = 0, b""
            self.recorder.request(endpoint, status, time.perf_counter() - began)
            failed = status == 0 or status >= 500
            if failed and self.retry_until is not None and self.retry_until():
                time.sleep(pause)
                pause = min(pause * 2, 1.0)
                continue
            return status, (json.loads(raw) if raw and not failed else None)

    def start(self, process_id: str, data: dict, business_key: str | None = None) -> dict | None:
        key = str(uuid.uuid4())
        status, body = self.call("POST", "/instances", "POST /instances",
                                 {"process_id": process_id, "data": data, "business_key": business_key},
                                 {"Idempotency-Key": key})
        if status in (200, 201) and body:
            self.recorder.started(key, body["id"], process_id)
            return body
        self.recorder.unanswered.append(key)
        return None

    def complete(self, task: dict, data: dict, process_id: str, take_next: dict | None = None) -> dict | None:
        status, body = self.call("POST", f"/tasks/{task['id']}/complete", "POST /tasks/{id}/complete",
                                 {"data": data, **({"take_next": take_next} if take_next is not None else {})})
        if status == 200 and body:
            self.recorder.completed(task["element_id"], process_id)
            return body
        return None


def front_desk(client: Client, channel: str, handlers: int) -> None:
    """Starts work orders, complaints (intake, resolved on the spot) and deadline cases from one channel."""
    from processes.complaints.demo import ANSWERS

    number = 0
    while not client.stop.is_set():
        recorder = client.recorder
        if recorder.work_orders_started - recorder.work_orders_done > BACKLOG_PER_HANDLER * handlers:
            time.sleep(0.02)
            continue
        number += 1
        pick = client.rng.random()
        if pick < 0.8:
            client.start("work_order", {"description": f"宽带断网 outage #{number}", "category": "complaint",
                                        "channel": channel}, f"WO-{channel}-{number}")
        elif pick < 0.9:
            client.start("sign_for_deadline", {"channel": channel})
        else:
            view = client.start("complaint", {}, f"TS-{channel}-{number}")
            answers = {**ANSWERS, "intake": intake(client.login, channel, number),
                       "on_the_spot": {"resolved": True, "resolution": "当场解释，客户接受"}}
            tasks = view["open_tasks"] if view else []
            for _ in range(4):
                task = next((t for t in tasks if t["element_id"] in answers), None)
                if task is None:
                    break
                done = client.complete(task, answers[task["element_id"]], "complaint")
                tasks = done["instance"]["open_tasks"] if done else []


def intake(login: str, channel: str, number: int) -> dict:
    """A valid complaint intake by this first responder (the demo's, taken off the special routes)."""
    from processes.complaints.demo import Scenario, sample_intake

    scenario = Scenario(channel, "resolved_on_spot", story=number)
    data = {**sample_intake(random.Random(number), number, scenario, datetime.now(timezone.utc)), "channel": channel, "received_by": login,
            "source": "customer", "regulator_with_deadline": False, "major": False, "key_customer": False}
    data.pop("source_deadline", None)
    return data


def handler(client: Client) -> None:
    """Works the queue: takes the next work-order task (取下一单) when their hands are empty, completes it
    asking for what comes next (the case's next task for them, or else the queue's next one, claimed in
    the same call), and so on; every fifth task they look at their inbox, and work a task already theirs
    there first (one left by a failed call)."""
    task, done_tasks, glance_at = None, 0, 0
    while not client.stop.is_set():
        if done_tasks >= glance_at:
            glance_at = done_tasks + INBOX_EVERY
            status, page = client.call("GET", "/tasks?process_id=work_order&per_page=20", "GET /tasks")
            task = next((t for t in (page["items"] if status == 200 and page else []) if t["assignee"] == client.login),
                        task)
        if task is None:
            status, body = client.call("POST", "/tasks/claim-next", "POST /tasks/claim-next", QUEUE)
            task = body.get("task") if status == 200 and body else None
        if task is None:
            client.stop.wait(0.05)
            continue
        done = client.complete(task, WORK[task["element_id"]], "work_order", take_next=QUEUE)
        done_tasks += 1
        task = (done.get("next_task") or done.get("taken_next")) if done else None


def manager(client: Client) -> None:
    while not client.stop.is_set():
        client.call("GET", "/dashboard", "GET /dashboard")
        client.stop.wait(0.5)
        client.call("GET", "/instances?state=active&per_page=25", "GET /instances")
        client.stop.wait(0.5)


def drive(port: int, tokens: dict[str, str], seconds: float, clients: int, recorder: Recorder,
          retry_until: Callable[[], bool] | None = None, during: Callable[[threading.Event], None] | None = None
          ) -> float:
    """Run the mix for `seconds` on `clients` threads; `during` runs beside it. Returns the elapsed time."""
    stop = threading.Event()
    desks = max(1, min(len(CHANNELS), clients // 3))
    handlers = max(2, clients - desks - 1)
    desk_handlers = max(1, handlers // 3)
    roles: list[tuple[Callable, Client, tuple]] = []
    for channel, login in list(CHANNELS.items())[:desks]:
        roles.append((front_desk, Client(port, login, tokens[login], recorder, stop, retry_until), (channel, handlers)))
    for n in range(handlers):
        group = "front_desk" if n < desk_handlers else "network_dept"
        login = f"bench.{group.split('_')[0]}{n:02d}"
        roles.append((handler, Client(port, login, tokens[login], recorder, stop, retry_until), ()))
    roles.append((manager, Client(port, "ma.manager", tokens["ma.manager"], recorder, stop, retry_until), ()))
    threads = [threading.Thread(target=role, args=(client, *extra), daemon=True) for role, client, extra in roles]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    side = threading.Thread(target=during, args=(stop,), daemon=True) if during else None
    if side:
        side.start()
    stop.wait(seconds)
    stop.set()
    elapsed = time.monotonic() - began
    for thread in threads:
        thread.join(timeout=120)
    if side:
        side.join(timeout=120)
    return elapsed


def run(postgres_admin_url: str, tmp: Path, *, seconds: float = 60, web_workers: int = 2, timer_workers: int = 2,
        clients: int = 12, echo: Callable[[str], None] = print) -> dict:
    with scratch_postgres(postgres_admin_url, "sqflow_bench_load") as url:
        tokens = prepare(url, handlers_per_group=clients)
        cluster = Cluster(url, tmp, web_workers, timer_workers)
        cluster.start()
        echo(f"load: {clients} clients for {seconds:.0f} s against {web_workers} web workers and "
             f"{timer_workers} timer workers on PostgreSQL (port {cluster.port})")
        recorder = Recorder()
        try:
            with statistics_kept(url, echo) as analyze_every:
                elapsed = drive(cluster.port, tokens, seconds, clients, recorder)
        finally:
            cluster.stop()
        figures = summarize(recorder, elapsed, echo)
        reference = round(completions_per_s(url, WORK), 1)
        ratio = round(figures["completions_per_s"] / reference, 2)
        echo(f"  in-process completions on the same database, one thread: {reference:.0f}/s; over HTTP "
             f"within the mix {figures['completions_per_s']:.0f}/s = {ratio:.2f} x")
        figures.update(in_process_completions_per_s=reference, http_vs_in_process=ratio)
        figures.update(http_completions.run(url, tmp, tokens, WORK, echo=echo))
    figures.update(clients=clients, web_workers=web_workers, timer_workers=timer_workers,
                   analyze_every_seconds=analyze_every)
    return figures
