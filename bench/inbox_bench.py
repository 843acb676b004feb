"""`sqflow bench inbox`: the inbox page with 100,000 open and 1,000,000 completed tasks stored.

Synthetic rows (instances with complaint attributes, tasks spread over 20 groups and 2,000
handlers, SLA rows on a tenth of them) are bulk-inserted, then the real app renders `/inbox/`
through Flask's test client for one handler: the first page, a filtered page, a text search and
a later page. Each figure is the full request (routing, session, queries, template) in ms.
"""
from __future__ import annotations

import random
import statistics
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import insert

from engine import Settings, SourceFile
from engine.persistence.tables import HumanTask, ProcessInstance, RunningSla
from processes.demo_people import DEMO_PASSWORD, seed_people

DIAGRAM = Path(__file__).resolve().parents[1] / "bpmn" / "work_order.bpmn"
GROUPS = ["network_dept", "wireless_dept", "billing_dept", "service_dept"] + [f"dept_{n:02d}" for n in range(16)]
CHANNELS = ["hotline_10000", "business_hall", "web_hall", "app", "online_chat", "regulator"]
URGENCIES = ["特急", "紧急", "一般"]
TASKS_PER_INSTANCE = 5
BATCH = 10_000
QUERIES = {
    "first page": "/inbox/",
    "urgency filter": "/inbox/?urgency=特急",
    "search by number": "/inbox/?q=TS-2025-0012",
    "page 5": "/inbox/?page=5",
}


def fill(sessions, definition_id: int, open_tasks: int, completed: int, now: datetime,
         echo: Callable[[str], None]) -> None:
    rng = random.Random(7)
    total = open_tasks + completed
    instances = -(-total // TASKS_PER_INSTANCE)
    made = 0
    for first in range(0, instances, BATCH // TASKS_PER_INSTANCE):
        size = min(BATCH // TASKS_PER_INSTANCE, instances - first)
        with sessions.begin() as session:
            connection = session.connection()
            ids = connection.execute(insert(ProcessInstance.__table__).returning(ProcessInstance.__table__.c.id), [
                dict(definition_id=definition_id, process_id="work_order", version=1,
                     business_key=f"TS-2025-{first + n:07d}", state="active", started_by="bench",
                     started_at=now - timedelta(days=rng.uniform(0, 400)), ended_at=None, updated_at=now, revision=1,
                     serializer_version="synthetic", workflow_state="{}", called_definitions={}, error_task=None,
                     error_message=None, attributes={"channel": rng.choice(CHANNELS), "urgency": rng.choice(URGENCIES),
                                                     "customer_name": f"客户{first + n}"})
                for n in range(size)]).scalars().all()
            tasks, slas = [], []
            for instance_id in ids:
                for _ in range(TASKS_PER_INSTANCE):
                    if made >= total:
                        break
                    is_open = made % (total // open_tasks) == 0 if open_tasks else False
                    created = now - timedelta(hours=rng.uniform(1, 9000))
                    group = rng.choice(GROUPS)
                    task_id = str(uuid.uuid4())
                    due = created + timedelta(hours=rng.choice([2, 10, 15, 24, 360]))
                    tasks.append(dict(
                        id=task_id, instance_id=instance_id, process_id="work_order", element_id="reply",
                        name="Reply to the customer",
                        lane=group, candidate_group=group,
                        assignee=None if rng.random() < 0.6 else f"handler{rng.randrange(2000)}",
                        state="open" if is_open else "completed", created_at=created, due_at=due,
                        completed_at=None if is_open else created + timedelta(hours=3),
                        completed_by=None if is_open else "bench"))
                    if is_open and rng.random() < 0.1:
                        slas.append(dict(
                            instance_id=instance_id, policy_id="reply", name="reply", ends="reply", task_id=task_id,
                            department=group, target_amount=10, target_unit="hours", started_at=created, due_at=due,
                            provisional=False, state="running", warnings=[0.8], warned=[0.8] if rng.random() < .5 else [],
                            paused_at=None, paused_seconds=0, breached_at=None, ended_at=None, escalate_to=None,
                            signal=None, next_check_at=due, claimed_by=None, lease_until=None))
                    made += 1
            connection.execute(insert(HumanTask.__table__), tasks)
            if slas:
                connection.execute(insert(RunningSla.__table__), slas)
        if first % (BATCH * 10) == 0:
            echo(f"  stored {made:,} of {total:,} tasks")


def measure(client, rounds: int) -> dict[str, dict[str, float]]:
    figures = {}
    for name, url in QUERIES.items():
        client.get(url)  # warm: template compiled, statements cached
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, f"{url}: {response.status_code}"
        timings.sort()
        figures[name] = {"p50_ms": round(statistics.median(timings), 1),
                         "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 1),
                         "max_ms": round(timings[-1], 1)}
    return figures


def run(url: str, var_dir: Path, *, open_tasks: int, completed: int, rounds: int,
        echo: Callable[[str], None]) -> dict:
    from web import create_app

    settings = Settings(database_url=url, var_dir=var_dir)
    app = create_app({"SQFLOW_SETTINGS": settings, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    runtime = app.extensions["sqflow"]
    now = datetime.now(timezone.utc)
    with runtime.sessions.begin() as session:
        seed_people(session, now, runtime.engine.desk.directory)  # and the groups the lanes name
        outcome = runtime.engine.definitions.deploy(session, [SourceFile(DIAGRAM.name, DIAGRAM.read_bytes())],
                                                    "bench")[0]
    started = time.perf_counter()
    fill(runtime.sessions, outcome.definition_id, open_tasks, completed, now, echo)
    echo(f"  filled in {time.perf_counter() - started:.0f} s; analysing")
    runtime.sessions.kw["bind"].dispose()
    if url.startswith("postgresql"):
        from sqlalchemy import create_engine, text
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("VACUUM ANALYZE"))
        engine.dispose()
    client = app.test_client()
    client.post("/login", data={"login": "li.wei", "password": DEMO_PASSWORD})
    return {"open_tasks": open_tasks, "completed_tasks": completed, "rounds": rounds, "pages": measure(client, rounds)}
