"""An instance is `completed` exactly when its workflow is, and an active one always waits on something.

The fault this guards against: in a long-lived process (a web worker, the timer worker), once one
complaint had taken a `customer_called_again` message or an SLA escalation signal, every complaint
that process later took to its end stayed `active` with no open task. SpiffWorkflow wired the
triggered event sub-process into the process spec, which every instance of the definition shares.
"""
from __future__ import annotations

import json
import random
from datetime import timedelta

import pytest
from sqlalchemy import text

from cli.main import main
from engine import ManualClock, Settings, SourceFile, connect
from engine.runtime.queries import Page, history, list_instances
from engine.timers.worker import TimerWorker
from processes import wired_engine
from processes.demo_people import seed_groups
from tests.test_complaint_forms import GOOD_INTAKE
from tests.test_complaint_process import BPMN, COMPLAINTS
from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies

ANSWERS = {
    "on_the_spot": {"resolved": False},
    "dispatch": {"department": "network_dept", "instructions": "查线路"},
    "sign_for": {"signed_by": "li.wei"},
    "field_test": {"test_result": "signal -12 dB", "traffic_analysis": "no drop last month"},
    "reply": {"answer": "replaced the splitter; service restored"},
    "callback": {"reached": True, "satisfied": True},
    "tell_progress": {"progress_told": "engineer on the way"},
    "chase_sign_for": {"action": "called the department"},
    "review_reply": {"action": "asked for the reply today"},
    "cs_manager_review": {"action": "apologised; reply tomorrow"},
}


class Process:
    """One engine as a long-lived process has it (web worker, timer worker), on a shared database."""

    def __init__(self, url: str, clock: ManualClock, cache_size: int = 256):
        settings = Settings(database_url=url, workflow_cache_size=cache_size)
        self.engine = wired_engine(settings, clock)
        self.sessions = connect(settings)
        self.worker = TimerWorker(self.engine, self.sessions, name=f"worker-{id(self)}")

    def do(self, method: str, *args, **kwargs):
        with self.sessions.begin() as session:
            return getattr(self.engine.instances, method)(session, *args, **kwargs)

    def close(self) -> None:
        self.sessions.kw["bind"].dispose()


def deploy_complaints(process: Process) -> None:
    files = [SourceFile(p.relative_to(BPMN).as_posix(), p.read_bytes()) for p in sorted(BPMN.rglob("*"))
             if p.is_file() and p.name.endswith((".bpmn", ".dmn", ".schema.json"))]
    with process.sessions.begin() as session:
        seed_groups(session, process.engine.clock.now())  # the groups lanes and policies name
        process.engine.definitions.deploy(session, files, "designer")
        process_id, policies = parse_policies("sla", (COMPLAINTS / "sla_policies.json").read_bytes())
        save_policies(session, process_id, policies, "defaults", "ops", process.engine.clock.now())


def check(url: str, monkeypatch, capsys, *args: str) -> tuple[int, dict]:
    monkeypatch.setenv("SQFLOW_DATABASE_URL", url)
    code = main(["check", "--json", *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out)


def test_two_hundred_interleaved_complaints_in_one_long_lived_engine_all_close(database_url, monkeypatch, capsys):
    """Messages, SLA escalation signals, timers and restarts interleaved; every case taken to its end closes."""
    rng = random.Random(17)
    clock = ManualClock()
    long_lived = Process(database_url, clock)
    deploy_complaints(long_lived)
    restarted = Process(database_url, clock, cache_size=0)  # another process: reloads every step from the database
    cases: dict[int, object] = {}
    for number in range(200):
        view = long_lived.do("start", "complaint", started_by="zhang.min", business_key=f"TS-2026-{number:04d}")
        task = next(t for t in view.open_tasks if t.element_id == "intake")
        urgency = rng.choice(["特急", "紧急", "一般"])
        cases[view.id] = long_lived.do("complete_task", task.id, by="zhang.min",
                                       data={**GOOD_INTAKE, "urgency": urgency})
    called_again = set(rng.sample(sorted(cases), 40))
    rounds = 0
    while any(view.state == "active" for view in cases.values()):
        rounds += 1
        assert rounds < 60, f"cases still open: {[i for i, v in cases.items() if v.state == 'active'][:10]}"
        for instance_id in sorted(cases):
            view = cases[instance_id]
            if view.state != "active":
                continue
            process = restarted if rng.random() < 0.25 else long_lived
            open_ids = {t.element_id for t in view.open_tasks}
            if instance_id in called_again and "sign_for" in open_ids:
                called_again.discard(instance_id)
                cases[instance_id] = process.do("send_message", view.business_key, "customer_called_again",
                                                by="hotline")
                continue
            task = view.open_tasks[0]
            cases[instance_id] = process.do("complete_task", task.id, by="li.wei", data=ANSWERS[task.element_id])
        if rounds % 3 == 1:  # deadlines pass: sign-for and reply overruns escalate by signal
            clock.advance(timedelta(hours=rng.choice([1, 3, 11])))
            long_lived.worker.run_due()
            for instance_id in cases:
                with long_lived.sessions.begin() as session:
                    cases[instance_id] = long_lived.engine.instances.detail(session, instance_id)
        if rounds % 5 == 0:  # the long-lived process restarts
            long_lived.close()
            long_lived = Process(database_url, clock)
    assert not called_again, "every chosen case took the message"
    with long_lived.sessions.begin() as session:
        states = [v.state for v in list_instances(session, process_id="complaint", page=Page(500))]
    assert states.count("completed") == 200
    escalations = 0
    with long_lived.sessions.begin() as session:
        for instance_id in cases:
            escalations += sum(1 for e in history(session, instance_id) if e.event == "signal.received")
    assert escalations > 0, "some cases took an SLA escalation signal"
    long_lived.close()
    restarted.close()
    assert check(database_url, monkeypatch, capsys) == (0, {"findings": [], "repaired": 0, "left": 0})


def test_a_message_to_one_case_does_not_keep_the_next_case_open(database_url):
    """The shortest form of the fault: one called-again case, then another case to its end."""
    clock_free = Process(database_url, ManualClock())
    deploy_complaints(clock_free)
    first = _received(clock_free, "TS-A")
    first = _complete(clock_free, first, "on_the_spot", {"resolved": False})
    first = _complete(clock_free, first, "dispatch", {"department": "billing_dept"})
    clock_free.do("send_message", "TS-A", "customer_called_again", by="hotline")
    second = _complete(clock_free, _received(clock_free, "TS-B"), "on_the_spot",
                       {"resolved": True, "resolution": "explained the bill"})
    assert (second.state, second.open_tasks) == ("completed", [])
    clock_free.close()


def _received(process: Process, key: str):
    view = process.do("start", "complaint", started_by="zhang.min", business_key=key)
    return _complete(process, view, "intake", GOOD_INTAKE)


def _complete(process: Process, view, element_id: str, data: dict):
    task = next(t for t in view.open_tasks if t.element_id == element_id)
    return process.do("complete_task", task.id, by="zhang.min", data=data)


def _break_like_the_old_fault(process: Process) -> None:
    """Wire the event sub-processes into the shared spec as SpiffWorkflow's trigger did before the fix."""
    with process.sessions.begin() as session:
        spec = process.engine.definitions.specs(process.engine.definitions.latest(session, "complaint")).spec
    for name in spec.start.trigger_specs:
        spec.start.outputs = [*spec.start.outputs, spec.task_specs[name]]


def test_check_lists_cases_the_old_fault_left_open_and_repair_closes_them(database_url, monkeypatch, capsys):
    clock = ManualClock()
    process = Process(database_url, clock)
    deploy_complaints(process)
    _break_like_the_old_fault(process)
    stuck = _complete(process, _received(process, "TS-STUCK"), "on_the_spot",
                      {"resolved": True, "resolution": "explained"})
    assert (stuck.state, stuck.open_tasks) == ("active", [])
    process.close()

    code, report = check(database_url, monkeypatch, capsys)
    assert code == 1
    [finding] = report["findings"]
    assert (finding["instance_id"], finding["problem"], finding["repairable"]) == (stuck.id, "ended_but_active", True)
    assert "called_again" in finding["detail"]

    code, report = check(database_url, monkeypatch, capsys, "--repair", "--as", "ops")
    assert (code, report["repaired"], report["left"]) == (0, 1, 0)
    assert check(database_url, monkeypatch, capsys) == (0, {"findings": [], "repaired": 0, "left": 0})

    fresh = Process(database_url, clock)
    with fresh.sessions.begin() as session:
        view = fresh.engine.instances.detail(session, stuck.id)
    assert view.state == "completed" and view.ended_at is not None
    repaired = [e for e in view.history if e.event == "instance.repaired"]
    assert repaired and repaired[0].actor == "ops" and repaired[0].details["cancelled"]
    fresh.close()


def test_check_reports_an_instance_that_waits_on_nothing_and_leaves_it(database_url, monkeypatch, capsys):
    """Not everything can be mended: a case with nothing to move it on is listed with what to do."""
    clock = ManualClock()
    process = Process(database_url, clock)
    deploy_complaints(process)
    view = _received(process, "TS-NOTHING")
    state = _without_ready_tasks(process, view.id)
    with process.sessions.begin() as session:  # a case whose open task someone deleted from under it
        session.execute(text("DELETE FROM human_tasks WHERE instance_id = :i"), {"i": view.id})
        session.execute(text("UPDATE process_instances SET workflow_state = :s WHERE id = :i"),
                        {"s": state, "i": view.id})
    process.close()
    code, report = check(database_url, monkeypatch, capsys, "--repair")
    assert code == 1
    [finding] = report["findings"]
    assert (finding["problem"], finding["repairable"], finding["repaired"]) == ("waits_on_nothing", False, False)
    assert "terminate" in finding["advice"]


def _without_ready_tasks(process: Process, instance_id: int) -> str:
    from SpiffWorkflow.util.task import TaskState
    from engine.runtime.instance_store import InstanceRow
    with process.sessions.begin() as session:
        instance = InstanceRow.of(process.engine.instances.instance_row(session, instance_id))
        workflow = process.engine.instances.load_workflow(session, instance)
    for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        task._set_state(TaskState.COMPLETED) if task.state == TaskState.READY else task.cancel()
    workflow.completed = False
    return process.engine.codec.dumps(workflow)


@pytest.mark.parametrize("cache", [256, 0])
def test_the_shared_spec_is_the_same_after_messages_and_signals(database_url, cache):
    """Running instances never changes the spec that every instance of the definition shares."""
    clock = ManualClock()
    process = Process(database_url, clock, cache_size=cache)
    deploy_complaints(process)
    with process.sessions.begin() as session:
        definition = process.engine.definitions.latest(session, "complaint")
        spec = process.engine.definitions.specs(definition).spec
    before = json.dumps(process.engine.codec.spec_to_dict(spec), sort_keys=True, default=str)
    view = _complete(process, _received(process, "TS-S"), "on_the_spot", {"resolved": False})
    view = _complete(process, view, "dispatch", {"department": "network_dept"})
    process.do("send_message", "TS-S", "customer_called_again", by="hotline")
    clock.advance(timedelta(days=30))
    process.worker.run_due()
    after = json.dumps(process.engine.codec.spec_to_dict(spec), sort_keys=True, default=str)
    assert after == before
    process.close()
