"""A clock for acceptance tests and training: an administrator moves a served app's time forward through
the API, and timers come due as if that time had passed; never on a service that did not ask for it."""
from __future__ import annotations

import subprocess
import sys

import pytest

from engine import Settings, SourceFile
from engine.errors import ConfigurationError

from .served_app import REPO, ServedApp

WAIT_TWO_HOURS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs" targetNamespace="http://sqflow.test">
  <bpmn:process id="wait_two_hours" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="l1" name="network_dept"><bpmn:flowNodeRef>answer</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="t1"><bpmn:timeDuration>PT2H</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="answer"/>
    <bpmn:userTask id="answer" name="Answer"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="answer" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>
"""


def _deploy(harness) -> None:
    with harness.sessions.begin() as session:
        harness.engine.definitions.deploy(session, [SourceFile("wait.bpmn", WAIT_TWO_HOURS.encode())], "lin.designer")


def test_moving_a_controlled_clock_makes_timers_come_due(tmp_path):
    with ServedApp(tmp_path, logins=("admin", "li.wei"), controlled_clock=True, prepare=_deploy) as app:
        before = app.call("admin", "GET", "/clock")[1]
        assert before["controlled"] is True and before["ahead_seconds"] == 0
        code, case = app.call("li.wei", "POST", "/instances", {"process_id": "wait_two_hours"}, key="k-1")
        assert code == 201 and case["open_tasks"] == []
        assert app.call("li.wei", "POST", "/clock", {"advance": "PT2H"})[0] == 403  # administrators only
        code, moved = app.call("admin", "POST", "/clock", {"advance": "PT2H1M"})
        assert code == 200 and moved["ahead_seconds"] >= 7260
        waiting = app.wait_until(lambda: app.call("li.wei", "GET", "/tasks")[1]["items"], 30)
        assert [task["element_id"] for task in waiting] == ["answer"]
        assert app.call("admin", "POST", "/clock", {"set": "2020-01-01T00:00:00+08:00"})[0] == 422  # never back


def test_a_service_on_the_real_clock_refuses_to_move_it(tmp_path):
    with ServedApp(tmp_path, logins=("admin",), timer_worker=False) as app:
        code, answer = app.call("admin", "POST", "/clock", {"advance": "PT1H"})
        assert code == 409 and "controlled-clock" in answer["message"]
        assert app.call("admin", "GET", "/clock")[1]["controlled"] is False


def test_the_controlled_clock_is_refused_unless_the_settings_allow_it(tmp_path):
    with pytest.raises(ConfigurationError, match="SQFLOW_CONTROLLED_CLOCK_ALLOWED"):
        Settings(database_url=f"sqlite:///{tmp_path}/x.db", clock="controlled")
    refused = subprocess.run([sys.executable, "-m", "cli.main", "serve", "--controlled-clock", "--port", "1"],
                             cwd=REPO, capture_output=True, text=True, timeout=60,
                             env={"SQFLOW_DATABASE_URL": f"sqlite:///{tmp_path}/y.db", "PATH": "/usr/bin:/bin"})
    assert refused.returncode != 0 and "SQFLOW_CONTROLLED_CLOCK_ALLOWED" in refused.stderr
    assert "Traceback" not in refused.stderr
