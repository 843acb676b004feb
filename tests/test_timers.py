"""BPMN timers fire on the injected clock, exactly once, through the worker (no sleeping)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.persistence.tables import Timer
from engine.timers.worker import TimerWorker
from tests.test_calendar import at


@pytest.fixture
def worker(harness) -> TimerWorker:
    return TimerWorker(harness.engine, harness.sessions, name="w1")


def timers(harness, instance_id: int) -> list[tuple[str, str]]:
    with harness.sessions.begin() as session:
        rows = session.scalars(select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.due_at, Timer.id))
        return [(row.element_id, row.state) for row in rows]


def events(harness, instance_id: int, name: str):
    return [e for e in harness.history(instance_id) if e.event == name]


def test_R_SLA_03_sign_for_warning_then_overrun_escalates_to_the_team_lead(harness, worker):
    """R-SLA-03: Non-interrupting warning at 1 h, interrupting overrun at 2 h moves the work to the team lead."""
    harness.deploy("timer_boundary.bpmn")
    view = harness.start("timer_boundary")
    assert timers(harness, view.id) == [("sign_warning", "waiting"), ("sign_overdue", "waiting")]

    harness.clock.advance(timedelta(minutes=59))
    assert worker.run_due() == 0
    harness.clock.advance(timedelta(minutes=2))
    assert worker.run_due() == 1
    assert harness.data(view.id)["warned"] is True
    assert timers(harness, view.id) == [("sign_warning", "fired"), ("sign_overdue", "waiting")]
    with harness.sessions.begin() as session:
        from engine.runtime import queries
        open_now = [t.element_id for t in queries.list_tasks(session, instance_id=view.id)]
    assert open_now == ["sign_for"]  # the warning did not take the task away

    harness.clock.advance(timedelta(hours=1))
    assert worker.run_due() == 1
    assert worker.run_due() == 0
    with harness.sessions.begin() as session:
        tasks = {t.element_id: t.state for t in queries.list_tasks(session, instance_id=view.id, state="cancelled")}
        escalated = [t.element_id for t in queries.list_tasks(session, instance_id=view.id)]
    assert tasks == {"sign_for": "cancelled"} and escalated == ["escalate"]
    fired = events(harness, view.id, "timer.fired")
    assert [(e.element_id, e.details["late_ms"]) for e in fired] == [("sign_warning", 60_000), ("sign_overdue", 60_000)]


def test_completing_the_task_in_time_cancels_its_timers_and_nothing_fires_later(harness, worker):
    harness.deploy("timer_boundary.bpmn")
    view = harness.start("timer_boundary")
    harness.clock.advance(timedelta(minutes=30))
    assert harness.complete(view, "sign_for").state == "completed"
    assert timers(harness, view.id) == [("sign_warning", "cancelled"), ("sign_overdue", "cancelled")]
    harness.clock.advance(timedelta(days=1))
    assert worker.run_due() == 0
    assert events(harness, view.id, "timer.fired") == []


def test_R_SLA_01_a_catch_timer_waits_fifteen_working_days_over_national_day(harness, worker):
    """R-SLA-01."""
    harness.clock.set(at("2025-09-30T10:15"))
    harness.deploy("timer_catch.bpmn")
    view = harness.start("timer_catch", {"days": 15})
    with harness.sessions.begin() as session:
        due = session.scalars(select(Timer.due_at).where(Timer.instance_id == view.id)).one()
    assert due == at("2025-10-29T00:00")
    harness.clock.set(at("2025-10-28T23:59"))
    assert worker.run_due() == 0
    harness.clock.set(at("2025-10-29T00:00:01"))
    assert worker.run_due() == 1
    with harness.sessions.begin() as session:
        from engine.runtime import queries
        assert [t.element_id for t in queries.list_tasks(session, instance_id=view.id)] == ["appealable"]


def test_a_cycle_timer_fires_each_round_and_stops_after_its_count(harness, worker):
    harness.deploy("timer_cycle.bpmn")
    view = harness.start("timer_cycle", {"reminders": 0})
    for _ in range(5):
        harness.clock.advance(timedelta(hours=1, seconds=1))
        worker.run_due()
    assert len(events(harness, view.id, "timer.fired")) == 3
    assert [state for _, state in timers(harness, view.id)] == ["fired", "fired", "fired"]


def test_timers_that_came_due_during_downtime_fire_at_start_up_oldest_first_with_their_lateness(harness, worker):
    harness.deploy("timer_boundary.bpmn")
    first = harness.start("timer_boundary")
    harness.clock.advance(timedelta(minutes=10))
    second = harness.start("timer_boundary")
    harness.clock.advance(timedelta(hours=5))  # the worker was down
    assert worker.run_due() == 4
    assert worker.run_due() == 0
    fired = sorted((e for i in (first.id, second.id) for e in events(harness, i, "timer.fired")), key=lambda e: e.id)
    assert [e.details["late_ms"] // 60_000 for e in fired] == [250, 190, 240, 180]  # instance by instance, oldest first
    assert {e.actor for e in fired} == {"w1"}
    assert all(state == "fired" for i in (first.id, second.id) for _, state in timers(harness, i))


def test_a_suspended_instance_keeps_its_timer_until_resumed(harness, worker):
    harness.deploy("timer_boundary.bpmn")
    view = harness.start("timer_boundary")
    harness.act("suspend", view.id, by="boss")
    harness.clock.advance(timedelta(hours=3))
    assert worker.run_due() == 0
    harness.act("resume", view.id, by="boss")
    assert worker.run_due() == 2


def test_the_worker_sleeps_until_the_next_due_timer(harness, worker):
    harness.deploy("timer_boundary.bpmn")
    harness.start("timer_boundary")
    assert worker.next_due() == harness.clock.now() + timedelta(hours=1)


def test_an_event_based_gateway_takes_the_timer_branch_when_nothing_else_happens(harness, worker):
    harness.deploy("timer_race.bpmn")
    view = harness.start("timer_race")
    assert view.open_tasks == [] and timers(harness, view.id) == [("which_first", "waiting")]
    harness.clock.advance(timedelta(hours=24, seconds=1))
    assert worker.run_due() == 1
    with harness.sessions.begin() as session:
        from engine.runtime import queries
        assert [t.element_id for t in queries.list_tasks(session, instance_id=view.id)] == ["archive"]


def test_the_scheduler_job_is_set_to_the_next_due_time_and_moved_earlier_on_wake(harness, worker):
    """No polling: the one job runs at the next due time; a new earlier timer pulls it forward."""
    from datetime import datetime, timezone
    from apscheduler.schedulers.background import BackgroundScheduler
    from engine.timers.worker import JOB_ID

    worker._scheduler = BackgroundScheduler(timezone=timezone.utc)
    worker._scheduler.start(paused=True)
    try:
        later = datetime.now(timezone.utc) + timedelta(minutes=20)
        worker._schedule(later)
        sooner = datetime.now(timezone.utc) + timedelta(minutes=5)
        worker.wake(sooner)
        assert worker._scheduler.get_job(JOB_ID).next_run_time == sooner
        worker.wake(sooner + timedelta(minutes=1))  # not earlier: the plan stays
        assert worker._scheduler.get_job(JOB_ID).next_run_time == sooner
    finally:
        worker._scheduler.shutdown(wait=False)


def test_the_next_wake_is_the_next_due_timer_but_never_further_than_the_safety_interval(harness, worker):
    from datetime import datetime, timezone
    harness.clock.set(datetime.now(timezone.utc))
    harness.deploy("timer_boundary.bpmn")
    assert worker.next_wake() - datetime.now(timezone.utc) <= worker.max_sleep  # nothing waiting
    harness.clock.set(datetime.now(timezone.utc) - timedelta(minutes=59, seconds=50))
    harness.start("timer_boundary")  # its warning is due in about 10 s of real time
    wait = (worker.next_wake() - datetime.now(timezone.utc)).total_seconds()
    assert 5 < wait < 11
