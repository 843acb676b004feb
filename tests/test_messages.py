"""A message reaches the running case by its business key (a customer calling again), not a new case."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.errors import InstanceNotFound, InvalidInputError, StateError
from engine.persistence.tables import ProcessInstance, Timer
from engine.runtime import queries


def send(harness, key: str, message: str, **kwargs):
    with harness.sessions.begin() as session:
        return harness.engine.instances.send_message(session, key, message, by="hotline", **kwargs)


def test_the_customer_calling_again_reaches_the_open_case_and_wins_over_the_timer(harness):
    harness.deploy("timer_race.bpmn")
    view = harness.start("timer_race", key="TS-2026-0042")
    after = send(harness, "TS-2026-0042", "customer_called", payload={"note": "再次来电"})
    assert [t.element_id for t in after.open_tasks] == ["talk"]
    with harness.sessions.begin() as session:
        assert session.scalars(select(Timer.state).where(Timer.instance_id == view.id)).all() == ["cancelled"]
        assert session.scalars(select(ProcessInstance.id)).all() == [view.id]  # no second case
    received = [e for e in harness.history(view.id) if e.event == "message.received"]
    assert [(e.actor, e.details["message"], e.details["payload"]) for e in received] == [
        ("hotline", "customer_called", {"note": "再次来电"})]


def test_a_message_the_case_does_not_wait_for_is_refused_and_changes_nothing(harness):
    harness.deploy("timer_race.bpmn")
    view = harness.start("timer_race", key="TS-1")
    with pytest.raises(StateError, match="not waiting for the message 'customer_wrote'"):
        send(harness, "TS-1", "customer_wrote")
    send(harness, "TS-1", "customer_called")
    with pytest.raises(StateError, match="not waiting"):
        send(harness, "TS-1", "customer_called")
    with harness.sessions.begin() as session:
        assert [t.element_id for t in queries.list_tasks(session, instance_id=view.id)] == ["talk"]


def test_unknown_and_ambiguous_keys_are_refused(harness):
    harness.deploy("timer_race.bpmn", "work_order.bpmn")
    with pytest.raises(InstanceNotFound, match="no open case has the key 'TS-404'"):
        send(harness, "TS-404", "customer_called")
    harness.start("timer_race", key="TS-7")
    harness.start("work_order", {"description": "d", "category": "c"}, key="TS-7")
    with pytest.raises(InvalidInputError, match="timer_race, work_order"):
        send(harness, "TS-7", "customer_called")
    assert [t.element_id for t in send(harness, "TS-7", "customer_called", process_id="timer_race").open_tasks] \
        == ["talk"]


def test_the_command_line_delivers_a_message_by_key(tmp_path, monkeypatch, capsys):
    from cli.main import main
    from tests.conftest import diagram_path
    monkeypatch.setenv("SQFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'msg.db'}")
    assert main(["deploy", str(diagram_path("timer_race.bpmn"))]) == 0
    assert main(["start", "timer_race", "--as", "zhang", "--key", "TS-5"]) == 0
    capsys.readouterr()
    assert main(["message", "TS-5", "customer_called", "--as", "hotline"]) == 0
    assert "Talk to the customer" in capsys.readouterr().out
    assert main(["message", "TS-5", "customer_called", "--as", "hotline"]) == 4
    assert "not waiting for the message" in capsys.readouterr().err
