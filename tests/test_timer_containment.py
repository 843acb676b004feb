"""A diagram's timer cannot take the timer worker down: out-of-range timers fail on their instance, and a
timer whose firing keeps failing (or whose worker keeps dying) becomes an incident instead of a loop."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.persistence.tables import AuditEntry, Timer
from engine.timers.worker import TimerWorker

WAIT_FOR = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs" targetNamespace="http://sqflow.test">
  <bpmn:process id="wait_for" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait" name="Wait"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t1"><bpmn:KIND>delay</bpmn:KIND></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="answer"/>
    <bpmn:userTask id="answer" name="Answer"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="answer" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def deploy(harness, kind: str = "timeDuration") -> None:
    harness.deploy_text("wait_for.bpmn", WAIT_FOR.replace("KIND", kind))


def timer_rows(harness, instance_id: int) -> list[Timer]:
    with harness.sessions.begin() as session:
        return list(session.scalars(select(Timer).where(Timer.instance_id == instance_id).order_by(Timer.id)))


@pytest.mark.parametrize("kind, delay, says", [
    ("timeDuration", "P99999999999Y", "more than 100 years"),
    ("timeCycle", "R/PT1S", "more often than every 60 s"),
    ("timeCycle", "R3/P99999999999Y", "longer than 100 years"),
    ("timeDate", "9999-01-01T00:00:00+00:00", "more than 100 years"),
    ("timeDuration", "next Tuesday", "not an ISO 8601 duration"),
])
def test_a_timer_out_of_range_puts_its_instance_in_error_naming_the_element(harness, kind, delay, says):
    deploy(harness, kind)
    view = harness.start("wait_for", {"delay": delay})
    assert view.state == "error" and view.error_task == "wait"
    assert says in view.error_message
    assert timer_rows(harness, view.id) == []


def test_a_timer_in_range_still_waits(harness):
    deploy(harness)
    view = harness.start("wait_for", {"delay": "P30D"})
    assert view.state == "active" and [t.element_id for t in timer_rows(harness, view.id)] == ["wait"]


def test_a_timer_whose_firing_keeps_failing_becomes_an_incident_then_fires_after_a_retry(harness, monkeypatch):
    deploy(harness)
    view = harness.start("wait_for", {"delay": "PT1H"})
    worker = TimerWorker(harness.engine, harness.sessions, name="w1")
    real_fire = harness.engine.instances.fire_timer

    def broken_fire(*args, **kwargs):
        raise RuntimeError("the mail gateway adapter crashed")

    monkeypatch.setattr(harness.engine.instances, "fire_timer", broken_fire)
    harness.clock.advance(timedelta(hours=1, seconds=1))
    assert worker.run_due() == 0  # tried 3 times, then given up: the round ends, it does not loop
    with harness.sessions.begin() as session:
        detail = harness.engine.instances.detail(session, view.id)
    assert (detail.state, detail.error_task) == ("error", "wait")
    assert "failed 3 times" in detail.error_message and "mail gateway adapter crashed" in detail.error_message
    [timer] = timer_rows(harness, view.id)
    assert (timer.state, timer.attempts) == ("failed", 4)
    assert worker.run_due() == 0 and timer_rows(harness, view.id)[0].state == "failed"

    monkeypatch.setattr(harness.engine.instances, "fire_timer", real_fire)
    assert harness.act("retry", view.id, by="ops").state == "active"
    assert worker.run_due() == 1
    with harness.sessions.begin() as session:
        assert [t.element_id for t in harness.engine.instances.detail(session, view.id).open_tasks] == ["answer"]


def test_a_timer_whose_worker_dies_each_time_becomes_an_incident(harness):
    """Each dead worker leaves its claim to run out; the fourth claim turns it into an incident."""
    deploy(harness)
    view = harness.start("wait_for", {"delay": "PT1H"})
    harness.clock.advance(timedelta(hours=1, seconds=1))
    lease = timedelta(seconds=harness.settings.timer_lease_seconds)
    for dead in ("w-dead-1", "w-dead-2", "w-dead-3"):
        with harness.sessions.begin() as session:  # claims, then is killed before it fires
            assert len(TimerWorker(harness.engine, harness.sessions).store.claim(
                session, dead, harness.clock.now(), lease, 10)) == 1
        harness.clock.advance(lease + timedelta(seconds=1))
    survivor = TimerWorker(harness.engine, harness.sessions, name="w-alive")
    assert survivor.run_due() == 0
    with harness.sessions.begin() as session:
        detail = harness.engine.instances.detail(session, view.id)
    assert detail.state == "error" and "worker firing it stopped" in detail.error_message


def test_a_worker_shutting_down_hands_back_its_claims_without_counting_them(harness):
    deploy(harness)
    view = harness.start("wait_for", {"delay": "PT1H"})
    harness.clock.advance(timedelta(hours=1, seconds=1))
    worker = TimerWorker(harness.engine, harness.sessions, name="w1")
    with harness.sessions.begin() as session:
        worker.store.claim(session, "w1", harness.clock.now(), timedelta(minutes=1), 10)
    assert worker.release_claims() == 1
    [timer] = timer_rows(harness, view.id)
    assert (timer.state, timer.attempts) == ("waiting", 0)


def test_a_timer_failing_among_others_due_at_once_rolls_back_alone_and_fires_on_its_retry(harness, monkeypatch):
    """Due together, the timers of six cases are fired in one round (on PostgreSQL in one transaction);
    one firing fails after its step was written: only that step is undone, the other five stand, and
    the retry fires it once."""
    deploy(harness)
    views = [harness.start("wait_for", {"delay": "PT1H"}) for _ in range(6)]
    unlucky = views[2].id
    real_fire = harness.engine.instances.fire_timer
    failed = []

    def fire_then_fail_once(session, timer, **kwargs):
        fired = real_fire(session, timer, **kwargs)
        if timer.instance_id == unlucky and not failed:
            failed.append(timer.id)
            raise RuntimeError("the mail gateway adapter crashed")
        return fired

    monkeypatch.setattr(harness.engine.instances, "fire_timer", fire_then_fail_once)
    harness.clock.advance(timedelta(hours=1, seconds=1))
    assert TimerWorker(harness.engine, harness.sessions, name="w1").run_due() == 6
    assert failed
    with harness.sessions.begin() as session:
        details = [harness.engine.instances.detail(session, view.id) for view in views]
        fired = session.execute(select(AuditEntry.instance_id, func.count()).where(
            AuditEntry.event == "timer.fired").group_by(AuditEntry.instance_id)).all()
    assert [(d.state, [t.element_id for t in d.open_tasks]) for d in details] == [("active", ["answer"])] * 6
    assert dict(fired) == {view.id: 1 for view in views}
    [timer] = timer_rows(harness, unlucky)
    assert (timer.state, timer.attempts) == ("fired", 2)
