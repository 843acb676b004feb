"""Operations endpoints: /healthz, /readyz (database reachable and migrated), /metrics (Prometheus
figures read from the database at scrape time, request latency), and JSON logs."""
from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from engine.logs import JsonFormatter, configure_logging, log_context
from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies
from engine.timers.worker import TimerWorker

DEFAULTS = Path(__file__).resolve().parents[1] / "processes" / "complaints" / "sla_policies.json"
NORMAL = {"urgency": "一般", "category": "complaint", "key_customer": False}


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.content_type.startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True)) for sample in family.samples}


def test_healthz_and_readyz_answer_without_a_sign_in(web):
    client = web.client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ready"
    assert ready.get_json()["checks"]["database"] == "ok"


def test_readyz_is_503_while_the_schema_is_behind_the_code(web):
    client = web.client()
    head = client.get("/readyz").get_json()["checks"]["schema"]
    with web.sessions.begin() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0010'"))
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"]["schema"] == f"at 0010, this code needs {head}"
    finally:
        with web.sessions.begin() as session:
            session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert client.get("/readyz").status_code == 200


def test_with_the_database_unreachable_readyz_is_503_and_healthz_and_metrics_still_answer(web):
    runtime = web.app.extensions["sqflow"]
    working = runtime.sessions
    closed = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    runtime.sessions = sessionmaker(closed)
    try:
        client = web.client()
        response = client.get("/readyz")
        assert response.status_code == 503 and response.get_json()["status"] == "unavailable"
        assert response.get_json()["checks"]["database"].startswith("unreachable: ")
        assert client.get("/healthz").status_code == 200
        figures = scrape(client)
        assert figures[("sqflow_database_up", ())] == 0
        assert not any(name == "sqflow_instances" for name, _ in figures)
    finally:
        runtime.sessions = working
        closed.dispose()


def test_metrics_count_instances_open_tasks_and_timer_lag(web):
    web.deploy("dynamic_lane.bpmn", "timer_boundary.bpmn")
    web.start("dynamic_lane")
    web.start("dynamic_lane")
    web.start("timer_boundary")
    client = web.client()
    figures = scrape(client)
    assert figures[("sqflow_database_up", ())] == 1
    assert figures[("sqflow_instances", (("process", "dynamic_lane"), ("state", "active")))] == 2
    assert figures[("sqflow_instances", (("process", "timer_boundary"), ("state", "active")))] == 1
    assert figures[("sqflow_tasks_open", (("group", "front_desk"),))] == 2
    assert figures[("sqflow_timers_due", ())] == 0 and figures[("sqflow_timer_lag_seconds", ())] == 0
    web.clock.advance(timedelta(hours=1, seconds=90))  # the 1-hour timer is 90 s overdue; no worker runs
    figures = scrape(client)
    assert figures[("sqflow_timers_due", ())] == 1
    assert figures[("sqflow_timer_lag_seconds", ())] == 90
    TimerWorker(web.engine, web.sessions, name="w1").run_due()
    assert scrape(client)[("sqflow_timer_lag_seconds", ())] == 0


def test_metrics_count_sla_warnings_and_breaches(web):
    process_id, policies = parse_policies(DEFAULTS.name, DEFAULTS.read_bytes())
    with web.sessions.begin() as session:
        save_policies(session, process_id, policies, "defaults", "ops", web.clock.now())
    web.engine.sla_policies.forget()
    web.deploy("complaint_sla.bpmn")
    web.start("complaint", NORMAL)
    worker = TimerWorker(web.engine, web.sessions, name="w1")
    client = web.client()
    figures = scrape(client)
    assert figures[("sqflow_slas_open", (("standing", "warning"),))] == 0
    assert figures[("sqflow_sla_warnings_total", ())] == 0 and figures[("sqflow_sla_breaches_total", ())] == 0
    open_before = sum(v for (name, _), v in figures.items() if name == "sqflow_slas_open")
    web.clock.advance(timedelta(minutes=61))
    worker.run_due()
    figures = scrape(client)
    assert figures[("sqflow_slas_open", (("standing", "warning"),))] == 1
    assert figures[("sqflow_sla_warnings_total", ())] == 1
    web.clock.advance(timedelta(minutes=60))
    worker.run_due()
    figures = scrape(client)
    assert figures[("sqflow_sla_warnings_total", ())] == 2
    assert figures[("sqflow_sla_breaches_total", ())] == 1
    assert figures[("sqflow_slas_open", (("standing", "breached"),))] == 1
    assert sum(v for (name, _), v in figures.items() if name == "sqflow_slas_open") == open_before


def test_request_latency_is_a_histogram_by_endpoint(web):
    client = web.client()
    for _ in range(3):
        client.get("/healthz")
    figures = scrape(client)
    labels = (("endpoint", "operations.healthz"), ("method", "GET"))
    assert figures[("sqflow_http_request_duration_seconds_count", labels)] == 3
    assert figures[("sqflow_http_request_duration_seconds_bucket", tuple(sorted(labels + (("le", "+Inf"),))))] == 3
    assert figures[("sqflow_http_requests_total", tuple(sorted(labels + (("status", "200"),))))] == 3


def test_json_logs_carry_the_instance_and_task_ids():
    record = logging.LogRecord("sqflow.worker", logging.INFO, __file__, 1, "timer %s fired", ("7",), None)
    record.mails = 2
    with log_context(instance_id=12, task_id="3f2a9c"):
        line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "timer 7 fired" and line["level"] == "INFO" and line["logger"] == "sqflow.worker"
    assert (line["instance_id"], line["task_id"], line["mails"]) == (12, "3f2a9c", 2)
    assert json.loads(JsonFormatter().format(record))["instance_id"] is None  # outside the block


def test_configured_json_logging_turns_every_root_handler_to_json_lines():
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    saved = root.handlers[:], root.level
    root.handlers = [handler]
    try:
        configure_logging("json")
        logging.getLogger("sqflow.test").info("hello", extra={"instance_id": 5})
    finally:
        root.handlers, root.level = saved
    assert json.loads(stream.getvalue().splitlines()[-1])["instance_id"] == 5


def test_with_json_logs_each_request_is_one_line_with_its_ids(web):
    web.deploy("dynamic_lane.bpmn")
    view = web.start("dynamic_lane")
    web.app.extensions["sqflow.operations"].json_logs = True
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("sqflow.web.request")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        web.client("zhang.min").get(f"/inbox/tasks/{view.open_tasks[0].id}")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    task_line = [line for line in lines if line["path"].startswith("/inbox/tasks/")][-1]
    assert task_line["task_id"] == view.open_tasks[0].id and task_line["status"] == 200
    assert task_line["endpoint"] == "inbox.task" and task_line["user"] == "zhang.min"
