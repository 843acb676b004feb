"""Timer start events: deploying such a process plans its starts; the worker starts instances on time."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.errors import DefinitionError
from engine.persistence.tables import ProcessInstance, StartTimer, Timer
from engine.runtime import queries
from engine.timers.worker import TimerWorker
from tests.conftest import diagram_path
from tests.test_calendar import at


@pytest.fixture
def worker(harness) -> TimerWorker:
    return TimerWorker(harness.engine, harness.sessions, name="w1")


def started(harness, process_id: str) -> list[ProcessInstance]:
    with harness.sessions.begin() as session:
        return list(session.scalars(select(ProcessInstance).where(ProcessInstance.process_id == process_id)
                                    .order_by(ProcessInstance.id)))


@pytest.mark.parametrize("process, due", [
    ("timer_start_date", at("2026-03-01T09:00")),
    ("timer_start_duration", at("2026-02-28T12:00")),
])
def test_a_date_or_duration_start_event_starts_one_instance_when_due(harness, worker, process, due):
    harness.clock.set(at("2026-02-27T12:00"))
    harness.deploy(f"{process}.bpmn")
    harness.clock.set(due - timedelta(seconds=1))
    worker.run_due()
    assert started(harness, process) == []
    harness.clock.set(due + timedelta(seconds=1))
    worker.run_due()
    worker.run_due()
    [instance] = started(harness, process)
    assert instance.started_by == "timer:start" and instance.started_at == due + timedelta(seconds=1)
    with harness.sessions.begin() as session:
        assert [t.element_id for t in queries.list_tasks(session, instance_id=instance.id)] == ["symposium"]
    first = harness.history(instance.id)[0]
    assert first.event == "instance.started" and first.details["late_ms"] == 1000


def test_a_cycle_start_event_starts_an_instance_each_round_for_its_count(harness, worker):
    harness.deploy("timer_start_cycle.bpmn")
    for _ in range(5):
        harness.clock.advance(timedelta(hours=1, seconds=1))
        worker.run_due()
    instances = started(harness, "timer_start_cycle")
    assert len(instances) == 3
    with harness.sessions.begin() as session:
        plan = session.scalars(select(StartTimer)).one()
        for instance in instances:  # each instance passed its start event once and waits for people only
            assert [t.element_id for t in queries.list_tasks(session, instance_id=instance.id)] == ["symposium"]
        assert session.scalars(select(Timer).where(Timer.instance_id.in_([i.id for i in instances]))).all() == []
    assert (plan.state, plan.started_count) == ("done", 3)


def test_a_new_version_replaces_the_start_plan_of_the_old_one(harness, worker):
    harness.deploy("timer_start_cycle.bpmn")
    source = diagram_path("timer_start_cycle.bpmn").read_text().replace('"R3/PT1H"', '"R2/PT2H"')
    harness.deploy_text("timer_start_cycle.bpmn", source)
    with harness.sessions.begin() as session:
        plans = [(p.state, p.expression) for p in session.scalars(select(StartTimer).order_by(StartTimer.id))]
    assert plans == [("replaced", '"R3/PT1H"'), ("waiting", '"R2/PT2H"')]
    harness.clock.advance(timedelta(hours=1, seconds=1))
    worker.run_due()
    assert started(harness, "timer_start_cycle") == []
    harness.clock.advance(timedelta(hours=1))
    worker.run_due()
    assert [i.version for i in started(harness, "timer_start_cycle")] == [2]


def test_a_start_timer_that_is_not_a_date_duration_or_cycle_refuses_the_deployment(harness):
    source = diagram_path("timer_start_date.bpmn").read_text().replace('"2026-03-01T09:00:00+08:00"', '"next Tuesday"')
    with pytest.raises(DefinitionError, match="not a date, duration or cycle") as refused:
        harness.deploy_text("timer_start_date.bpmn", source)
    assert refused.value.problems[0].element_id == "start"
    with harness.sessions.begin() as session:
        assert harness.engine.definitions.list_latest(session) == []
