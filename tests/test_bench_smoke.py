"""`sqflow bench load` and `chaos` machinery at a tiny size: real serve and worker processes, a few
seconds of clients, counts that agree. No timing is asserted; PostgreSQL is not restarted here (other
tests share the server), the SIGKILLs are."""
from __future__ import annotations

import os

import pytest

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from bench import chaos_bench, load_bench, scratch
from engine.persistence.database import server_advice, server_settings

pytestmark = pytest.mark.postgres
ADMIN_URL = os.environ.get("SQFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def _postgres_on():
    if os.environ.get("SQFLOW_TEST_POSTGRES", "on") == "off":
        pytest.skip("PostgreSQL tests switched off (SQFLOW_TEST_POSTGRES=off)")


def test_load_runs_the_mix_and_reports_per_endpoint(tmp_path):
    lines: list[str] = []
    figures = load_bench.run(ADMIN_URL, tmp_path, seconds=3, clients=4, echo=lines.append)

    endpoints = figures["endpoints"]
    assert {"POST /instances", "GET /tasks", "POST /tasks/{id}/complete"} <= set(endpoints)
    assert figures["requests"] == sum(e["requests"] for e in endpoints.values())
    assert figures["requests"] == sum(sum(e["statuses"].values()) for e in endpoints.values())
    assert figures["starts_acknowledged"] > 0 and figures["completions"] > 0
    assert figures["completions"] == endpoints["POST /tasks/{id}/complete"]["statuses"].get("200", 0)
    assert not {status for status in figures["errors_by_status"] if status == "0" or int(status) >= 500}
    assert any("requests/s" in line for line in lines)
    # Completions over HTTP are printed next to the same work done in-process on the same database.
    assert figures["in_process_completions_per_s"] > 0
    assert figures["http_vs_in_process"] == round(figures["completions_per_s"] / figures["in_process_completions_per_s"], 2)
    assert any("in-process completions on the same database" in line for line in lines)
    # And alone: one client over HTTP against one thread in-process, round by round on the same database.
    assert figures["http_alone_per_s"] > 0 and figures["in_process_alone_per_s"] > 0
    assert abs(figures["http_vs_in_process_alone"] - figures["http_alone_per_s"] / figures["in_process_alone_per_s"]) < 0.02
    assert any("completions alone" in line for line in lines)
    # This machine's PostgreSQL runs without autovacuum: the bench keeps the statistics itself, and says so.
    admin = create_engine(ADMIN_URL, poolclass=NullPool)
    stands_in = bool(server_advice(server_settings(admin)))
    assert figures["analyze_every_seconds"] == (scratch.ANALYZE_EVERY_SECONDS if stands_in else None)
    assert any("ANALYZE every" in line for line in lines) == stands_in


def test_chaos_kills_workers_and_the_database_stays_consistent(tmp_path, monkeypatch):
    monkeypatch.setattr(chaos_bench, "RETRY_GRACE_SECONDS", 20)
    figures = chaos_bench.run(ADMIN_URL, tmp_path, seconds=5, clients=4, restart_postgres=False,
                              echo=lambda line: None)

    checks = figures["checks"]
    assert checks["starts_acknowledged"] > 0
    assert checks["acknowledged_instances_consistent"] == checks["starts_acknowledged"]
    assert checks["instances_consistent"] == checks["instances_in_database"]
    assert checks["complaints_lost"] == 0 and checks["key_mismatches"] == 0
    assert checks["tasks_completed_twice"] == 0
    assert checks["tasks_completed"] >= figures["completions"]
    assert checks["timers_fired_exactly_once"] == checks["timers_due"]
    assert checks["doctor"] == {"findings": 0, "by_problem": {}}
    assert checks["timers_fired_more_than_once"] == 0


def test_the_engine_benchs_plain_spiffworkflow_reference_runs_the_products_diagram():
    """The in-memory reference runs the same work-order diagram as the durable figure (its scripts call the
    branch's settings), so the ratio compares like with like."""
    from bench import engine_bench

    assert engine_bench.spiff_in_memory_rate(3) > 0
