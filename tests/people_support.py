"""What the people-administration tests share: `sqflow` run in-process on a database they choose."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from cli.main import main

WORK_ORDER = Path(__file__).parents[1] / "bpmn" / "work_order.bpmn"
TEMPORARY = re.compile(r"temporary password: (\S+)")
# A diagram whose one lane names a group the tests add (broadband_repair, 宽带维修组).
REPAIR = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Defs" targetNamespace="http://sqflow.test">
  <bpmn:process id="home_repair" name="上门维修" isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l1" name="broadband_repair"><bpmn:flowNodeRef>visit</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="visit"/>
    <bpmn:userTask id="visit" name="上门检修宽带"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="visit" targetRef="end"/>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"""


@pytest.fixture
def sqflow(monkeypatch, capsys):
    """`sqflow ARGS...` (on the database `sqflow.use(url)` names); returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("SQFLOW_TIMEZONE", "Asia/Shanghai")
    monkeypatch.setenv("USER", "ops")

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    run.use = lambda url: monkeypatch.setenv("SQFLOW_DATABASE_URL", url)
    return run


def seed_demo_groups(database_url: str) -> None:
    """The demo's groups and departments on a database a test drives through the CLI (diagrams' lanes and
    SLA policies must name groups that exist)."""
    from engine import Settings, connect
    from engine.clock import SystemClock
    from processes.demo_people import seed_groups

    sessions = connect(Settings(database_url=database_url))
    with sessions.begin() as session:
        seed_groups(session, SystemClock().now())
    sessions.kw["bind"].dispose()
