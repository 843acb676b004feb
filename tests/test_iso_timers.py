"""Timers written as ISO 8601 literals, the way the BPMN standard writes them (`P7D`, `R6/P1D`, `PT1H`,
`2027-01-01T09:00:00+08:00`, `R3/PT1H`, no quotes), fire when the clock reaches them.

Expressions keep working beside them: `"PT1H"` (tests/test_timers.py, timer_boundary.bpmn) and
`workdays(days)` (timer_catch.bpmn).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.persistence.tables import ProcessInstance, Timer
from engine.runtime import queries
from engine.timers.worker import TimerWorker
from tests.test_calendar import at


@pytest.fixture
def worker(harness) -> TimerWorker:
    return TimerWorker(harness.engine, harness.sessions, name="w1")


def open_tasks(harness, instance_id: int) -> list[str]:
    with harness.sessions.begin() as session:
        return [t.element_id for t in queries.list_tasks(session, instance_id=instance_id)]


def waiting_timers(harness, instance_id: int) -> list[tuple[str, object]]:
    with harness.sessions.begin() as session:
        rows = session.scalars(select(Timer).where(Timer.instance_id == instance_id, Timer.state == "waiting"))
        return [(row.element_id, row.due_at) for row in rows]


def test_a_bare_seven_day_duration_waits_a_week_and_a_bare_daily_cycle_reminds_six_times(harness, worker):
    harness.deploy("timer_iso_week.bpmn")
    started = harness.clock.now()
    view = harness.start("timer_iso_week", {"reminders": 0})
    assert view.state == "active" and view.open_tasks == []
    [(element, due)] = waiting_timers(harness, view.id)
    assert element == "cooling_off" and due.replace(tzinfo=started.tzinfo) == started + timedelta(days=7)

    harness.clock.advance(timedelta(days=7) - timedelta(seconds=1))
    assert worker.run_due() == 0
    harness.clock.advance(timedelta(seconds=2))
    assert worker.run_due() == 1
    assert open_tasks(harness, view.id) == ["follow_up"]

    for _ in range(8):
        harness.clock.advance(timedelta(days=1))
        worker.run_due()
    reminded = [e for e in harness.history(view.id) if e.event == "element.completed" and e.element_id == "remind"]
    assert len(reminded) == 6
    assert open_tasks(harness, view.id) == ["follow_up"]  # non-interrupting: the task stays


def test_a_bare_hour_escalates_and_a_bare_date_time_with_its_offset_fires_at_that_moment(harness, worker):
    harness.clock.set(at("2026-12-31T10:00"))
    harness.deploy("timer_iso_date.bpmn")
    view = harness.start("timer_iso_date")
    assert open_tasks(harness, view.id) == ["prepare"]
    harness.clock.advance(timedelta(minutes=59))
    assert worker.run_due() == 0
    harness.clock.advance(timedelta(minutes=2))
    assert worker.run_due() == 1
    assert open_tasks(harness, view.id) == ["escalate"]

    view = harness.complete(harness.act("detail", view.id), "escalate")
    assert view.state == "active" and view.open_tasks == []
    harness.clock.set(at("2027-01-01T08:59:59"))
    assert worker.run_due() == 0
    harness.clock.set(at("2027-01-01T09:00:01"))
    assert worker.run_due() == 1
    assert open_tasks(harness, view.id) == ["publish"]


def test_a_bare_cycle_on_a_start_event_starts_an_instance_each_round(harness, worker):
    harness.deploy("timer_iso_start.bpmn")
    for _ in range(5):
        harness.clock.advance(timedelta(hours=1, seconds=1))
        worker.run_due()
    with harness.sessions.begin() as session:
        instances = session.scalars(select(ProcessInstance).where(ProcessInstance.process_id == "timer_iso_start"))
        assert [(i.state, i.started_by) for i in instances] == [("active", "timer:start")] * 3
