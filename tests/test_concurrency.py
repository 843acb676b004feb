"""Two operating-system processes complete the same task at the same moment: exactly one wins."""
from __future__ import annotations

import multiprocessing as mp

import pytest
from sqlalchemy import func, select

from engine.persistence.tables import AuditEntry, HumanTask
from tests.conftest import Harness

ROUNDS = 8


def _complete(url: str, task_ids: list[str], barrier, results) -> None:
    from engine import Engine, Settings, connect
    from engine.errors import ConflictError, TaskNotOpen

    settings = Settings(database_url=url, workflow_cache_size=0)
    engine, sessions = Engine(settings), connect(settings)
    outcomes = []
    for task_id in task_ids:
        barrier.wait(timeout=30)
        try:
            with sessions.begin() as session:
                engine.instances.complete_task(session, task_id, by=mp.current_process().name,
                                               data={"answer": mp.current_process().name})
            outcomes.append("won")
        except (ConflictError, TaskNotOpen) as exc:
            outcomes.append(type(exc).__name__)
        except Exception as exc:  # reported, so the test fails at once with the cause
            outcomes.append(f"unexpected {type(exc).__name__}: {exc}")
    results.put(outcomes)


@pytest.mark.postgres
def test_two_processes_completing_one_task_exactly_one_wins(postgres_database):
    from tests.conftest import _empty_postgres
    _empty_postgres(postgres_database)
    harness = Harness(postgres_database, cache_size=0)
    harness.deploy("work_order.bpmn")
    instances = [harness.start("work_order", {"description": "d", "category": "c"}) for _ in range(ROUNDS)]
    task_ids = [harness.open_task(v, "sign_for").id for v in instances]

    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    workers = [ctx.Process(target=_complete, args=(postgres_database, task_ids, barrier, results), name=f"w{i}")
               for i in range(2)]
    for w in workers:
        w.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=30)

    for round_no in range(ROUNDS):
        pair = sorted(o[round_no] for o in outcomes)
        assert pair.count("won") == 1, pair
        assert pair[0] in ("ConflictError", "TaskNotOpen", "won")
    with harness.sessions.begin() as session:
        completions = session.scalar(select(func.count()).select_from(AuditEntry)
                                     .where(AuditEntry.event == "task.completed"))
        replies = session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.element_id == "reply", HumanTask.state == "open"))
    assert completions == ROUNDS and replies == ROUNDS
