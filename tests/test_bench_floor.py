"""`sqflow bench engine`'s floor lines write what they say they write: every step's state, and with
bookkeeping the tasks an inbox would show and a history row per task event, in sqflow's own tables.
No timing is asserted."""
from __future__ import annotations

import json
import os

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import text

from bench import durable_floor, engine_bench, timer_bench
from bench.scratch import scratch_postgres

from .conftest import PG_ADMIN_URL


@pytest.mark.parametrize("through_sessions", [False, True], ids=["driver", "sessions"])
def test_each_floor_instance_is_saved_at_every_step_with_its_tasks_and_history(database_url, through_sessions):
    _, sessions = engine_bench._engine(database_url)

    assert durable_floor.floor_rate(database_url, 3, bookkeeping=True, through_sessions=through_sessions) > 0

    with sessions() as session:
        instances = session.execute(text(
            "SELECT id, revision, workflow_state FROM process_instances WHERE serializer_version = 'floor'")).all()
        assert len(instances) == 3
        for instance_id, revision, state in instances:
            assert revision == 4  # the start, then one save per completed task
            assert json.loads(state)["completed"] is True  # the state saved last is the finished work order
            tasks = session.execute(text("SELECT element_id, state, completed_by FROM human_tasks "
                                         "WHERE instance_id = :i ORDER BY created_at, element_id"),
                                    {"i": instance_id}).all()
            assert sorted(element for element, _, _ in tasks) == sorted(name for name, _ in engine_bench.ANSWERS)
            assert {(state, by) for _, state, by in tasks} == {("completed", "bench")}
            events = session.execute(text("SELECT event, count(*) FROM audit_log WHERE instance_id = :i "
                                          "GROUP BY event"), {"i": instance_id}).all()
            assert dict(events) == {"task.created": 3, "task.completed": 3}


def test_the_state_only_floor_writes_no_tasks(database_url):
    _, sessions = engine_bench._engine(database_url)

    durable_floor.floor_rate(database_url, 2, bookkeeping=False, through_sessions=False)

    with sessions() as session:
        revisions = session.execute(text(
            "SELECT revision FROM process_instances WHERE serializer_version = 'floor'")).scalars().all()
        assert revisions == [4, 4]
        assert session.execute(text("SELECT count(*) FROM human_tasks")).scalar() == 0


@pytest.mark.postgres
@pytest.mark.skipif(os.environ.get("SQFLOW_TEST_POSTGRES", "on") == "off",
                    reason="PostgreSQL tests switched off (SQFLOW_TEST_POSTGRES=off)")
def test_the_timer_floor_fires_real_workflows_and_writes_each_ones_state_timer_and_history():
    with scratch_postgres(PG_ADMIN_URL, "sqflow_test_timer_floor") as url:
        bench = timer_bench._Bench(url, echo=lambda line: None)
        bench.pending(4)

        assert bench.fired_and_saved_per_s(count=3) > 0

        with bench.sessions() as session:
            saved = session.execute(text(
                "SELECT id, revision, workflow_state FROM process_instances WHERE serializer_version = 'synthetic' "
                "AND revision = 2")).all()
            assert len(saved) == 3  # the fourth pending instance was not one of the `count`
            for instance_id, _, state in saved:
                states = {task["task_spec"]: task["state"] for task in json.loads(state)["tasks"].values()}
                assert states["sign_warning"] == states["warned"] == TaskState.COMPLETED  # the timer fired, its path ran
                assert states["sign_for"] == TaskState.READY  # and the work order still waits to be signed for
                assert session.execute(text("SELECT count(*) FROM timers WHERE instance_id = :i AND fired_at IS NOT NULL"),
                                       {"i": instance_id}).scalar() == 1
                assert session.execute(text("SELECT event FROM audit_log WHERE instance_id = :i AND actor = 'bench'"),
                                       {"i": instance_id}).scalars().all() == ["timer.fired"]


def test_the_report_says_which_floor_a_target_is_above():
    from bench import report

    engine = {"spiff_in_memory_per_s": 1000.0, "durable_sqlite_per_s": 170.0, "durable_sqlite_ratio": 0.17,
              "durable_postgresql_per_s": 100.0, "durable_postgresql_ratio": 0.10}
    for name, (state, bookkeeping, sessions) in {"sqlite": (0.52, 0.43, 0.27), "postgresql": (0.19, 0.16, 0.09)}.items():
        engine.update({f"floor_{name}_state_ratio": state, f"floor_{name}_bookkeeping_ratio": bookkeeping,
                       f"floor_{name}_sessions_ratio": sessions})

    rows = report.summary({"engine": engine})

    sqlite = next(row for row in rows if "the floor on sqlite" in row)
    assert "(sqflow 63% of it); the target 0.35 is above the floor through Sessions" in sqlite
    postgresql = next(row for row in rows if "the floor on postgresql" in row)
    assert "the target 0.25 is above every floor" in postgresql
