"""Instances driven through the engine API, on SQLite and PostgreSQL, cached and reloaded each step."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from engine.errors import (ConflictError, InstanceNotActive, InvalidInputError, ProcessNotFound,
                           TaskNotFound, TaskNotOpen)
from engine.persistence.tables import AuditEntry, HumanTask, ProcessInstance
from engine.runtime import queries
from tests.conftest import diagram_path

COMPLAINT = {"description": "outage in Chaoyang since 9:00", "category": "complaint"}


def test_work_order_runs_from_intake_to_archive_with_full_history(harness):
    harness.deploy("work_order.bpmn")
    view = harness.start("work_order", COMPLAINT, key="TS-1", by="alice")
    assert view.state == "active"
    sign = harness.open_task(view, "sign_for")
    assert (sign.lane, sign.candidate_group, sign.created_at) == ("network_dept", "network_dept", harness.clock.now())

    view = harness.complete(view, "sign_for", by="bob")
    view = harness.complete(view, "reply", {"answer": "replaced the splitter"}, by="bob")
    callback = harness.open_task(view, "callback")
    assert callback.candidate_group == "front_desk"
    view = harness.complete(view, "callback", {"reached": True}, by="alice")

    assert view.state == "completed" and view.open_tasks == []
    data = harness.data(view.id)
    assert data["urgency"] == "urgent" and data["archived"] is True
    assert data["summary"] == "outage in Chaoyang s: replaced the splitter"
    events = [(e.event, e.element_id, e.actor) for e in harness.history(view.id)]
    assert events[0] == ("instance.started", None, "alice")
    assert ("task.completed", "reply", "bob") in events
    assert events[-1] == ("instance.completed", None, "engine")
    classify = next(e for e in harness.history(view.id) if e.element_id == "classify")
    assert classify.details["changed"] == {"urgency": "urgent", "reply_hours": 15, "attempts": 0}


def test_callback_loop_reopens_the_task_until_the_customer_is_reached(harness):
    harness.deploy("work_order.bpmn")
    view = harness.start("work_order", COMPLAINT)
    view = harness.complete(view, "sign_for")
    view = harness.complete(view, "reply", {"answer": "done"})
    first = harness.open_task(view, "callback")
    view = harness.complete(view, "callback", {"reached": False})
    second = harness.open_task(view, "callback")
    assert second.id != first.id
    assert harness.complete(view, "callback", {"reached": True}).state == "completed"


def test_redeploying_identical_content_is_a_no_op_and_a_change_makes_version_2(harness):
    first = harness.deploy("work_order.bpmn")
    assert [(o.version, o.changed) for o in first] == [(1, True)]
    again = harness.deploy("work_order.bpmn")
    assert [(o.version, o.changed) for o in again] == [(1, False)]
    assert "unchanged" in again[0].describe()

    old = harness.start("work_order", COMPLAINT)
    source = diagram_path("work_order.bpmn").read_text()
    changed = source.replace('name="答复投诉 Reply to the complaint"', 'name="答复 Reply (v2)"').replace(
        "attempts = 0", "attempts = 0\nversion_two = True")
    assert [(o.version, o.changed) for o in harness.deploy_text("work_order.bpmn", changed)] == [(2, True)]

    new = harness.start("work_order", COMPLAINT)
    assert (old.version, new.version) == (1, 2)
    old = harness.complete(old, "sign_for")
    assert harness.open_task(old, "reply").name == "答复投诉 Reply to the complaint"
    assert "version_two" not in harness.data(old.id)
    new = harness.complete(new, "sign_for")
    assert harness.open_task(new, "reply").name == "答复 Reply (v2)"
    assert harness.data(new.id)["version_two"] is True


def test_unknown_process_task_and_instance_are_reported_as_not_found(harness):
    with pytest.raises(ProcessNotFound, match="no process 'nope' is deployed"):
        harness.start("nope")
    with pytest.raises(TaskNotFound):
        with harness.sessions.begin() as session:
            harness.engine.instances.complete_task(session, "0123456789abcdef", by="bob")
    with pytest.raises(Exception, match="no instance #999"):
        harness.act("suspend", 999, by="boss")


def test_start_data_must_be_an_object(harness):
    harness.deploy("work_order.bpmn")
    with pytest.raises(InvalidInputError, match="JSON object"):
        harness.start("work_order", ["not", "an", "object"])


def test_a_business_key_cannot_open_a_second_case_while_the_first_is_open(harness):
    harness.deploy("work_order.bpmn")
    first = harness.start("work_order", COMPLAINT, key="TS-7")
    with pytest.raises(ConflictError, match="TS-7"):
        harness.start("work_order", COMPLAINT, key="TS-7")
    harness.act("terminate", first.id, by="boss")
    assert harness.start("work_order", COMPLAINT, key="TS-7").state == "active"


def test_completing_a_task_twice_is_refused_and_changes_nothing(harness):
    harness.deploy("work_order.bpmn")
    view = harness.start("work_order", COMPLAINT)
    sign = harness.open_task(view, "sign_for")
    after = harness.complete(view, "sign_for", by="bob")
    with pytest.raises(TaskNotOpen, match="completed by bob"):
        with harness.sessions.begin() as session:
            harness.engine.instances.complete_task(session, sign.id, by="carol")
    with harness.sessions.begin() as session:
        tasks = queries.list_tasks(session, instance_id=view.id)
    assert [t.element_id for t in tasks] == [t.element_id for t in after.open_tasks] == ["reply"]


def test_a_task_id_prefix_is_enough(harness):
    harness.deploy("work_order.bpmn")
    view = harness.start("work_order", COMPLAINT)
    sign = harness.open_task(view, "sign_for")
    with harness.sessions.begin() as session:
        after = harness.engine.instances.complete_task(session, sign.id[:8], by="bob")
    assert [t.element_id for t in after.open_tasks] == ["reply"]


def test_suspended_instances_refuse_work_until_resumed(harness):
    harness.deploy("work_order.bpmn")
    view = harness.start("work_order", COMPLAINT)
    assert harness.act("suspend", view.id, by="boss").state == "suspended"
    with pytest.raises(InstanceNotActive, match="suspended.*resume it first"):
        harness.complete(view, "sign_for")
    assert harness.act("resume", view.id, by="boss").state == "active"
    assert harness.complete(view, "sign_for").state == "active"
    events = [e.event for e in harness.history(view.id)]
    assert "instance.suspended" in events and "instance.resumed" in events


def test_terminating_cancels_open_tasks_and_their_completion_is_refused(harness):
    harness.deploy("work_order.bpmn")
    view = harness.start("work_order", COMPLAINT)
    sign = harness.open_task(view, "sign_for")
    ended = harness.act("terminate", view.id, by="boss", reason="duplicate")
    assert ended.state == "terminated" and ended.open_tasks == []
    with pytest.raises(TaskNotOpen, match="cancelled"):
        with harness.sessions.begin() as session:
            harness.engine.instances.complete_task(session, sign.id, by="bob")
    with pytest.raises(InstanceNotActive, match="already terminated"):
        harness.act("terminate", view.id, by="boss")


def test_a_failing_script_parks_the_instance_in_error_and_retry_resumes_it(harness):
    harness.deploy("failing_script.bpmn")
    view = harness.start("failing_script", {"amount": 100, "divisor": 0})
    assert view.state == "error"
    assert view.error_task == "compute"
    assert "division by zero" in view.error_message
    assert view.open_tasks == []
    assert harness.act("suspend", view.id, by="boss").state == "suspended"
    assert harness.act("resume", view.id, by="boss").state == "error"

    retried = harness.act("retry", view.id, by="ops", data={"divisor": 4})
    assert retried.state == "active" and retried.error_message is None
    assert harness.data(view.id)["share"] == 25
    assert harness.complete(retried, "review").state == "completed"
    errors = [e for e in harness.history(view.id) if e.event == "instance.error"]
    assert errors and errors[0].element_id == "compute"


def test_retry_is_only_for_instances_in_error(harness):
    harness.deploy("work_order.bpmn")
    view = harness.start("work_order", COMPLAINT)
    with pytest.raises(InstanceNotActive, match="cannot retry"):
        harness.act("retry", view.id, by="ops")


@pytest.mark.parametrize("sneaky, complaint", [
    ("getattr(description, '__class__')", "__class__"),
    ("'{0.__class__}'.format(description)", "format"),
    ("open('/etc/passwd').read()", "open"),
    ("__import__('os')", "__import__"),
])
def test_scripts_that_escape_the_sandbox_are_stopped_at_deploy_or_run_time(harness, sneaky, complaint):
    from engine.errors import ScriptPolicyError
    source = diagram_path("sandbox_runtime.bpmn").read_text()
    diagram = source.replace("SNEAKY", sneaky.replace("'", "&apos;"))
    try:
        harness.deploy_text("sandbox_runtime.bpmn", diagram)
    except ScriptPolicyError as refused:
        assert refused.problems[0].element_id == "sneaky"
        return
    view = harness.start("sandbox_runtime", {"description": "x"})
    assert view.state == "error" and view.error_task == "sneaky"
    assert complaint in view.error_message or "not" in view.error_message
    assert "result" not in harness.data(view.id)


def test_a_gateway_loop_of_1000_iterations_completes_with_the_right_data(harness):
    harness.deploy("script_loop.bpmn")
    view = harness.start("script_loop", {"iterations": 1000})
    assert view.state == "completed"
    data = harness.data(view.id)
    assert data["counter"] == 1000 and data["total"] == 1000 * 1001 // 2


def test_stored_state_does_not_grow_with_history(harness):
    harness.deploy("user_loop.bpmn")
    view = harness.start("user_loop", {"rounds": 0, "finished": False})

    def state_size() -> int:
        with harness.sessions.begin() as session:
            return len(session.get(ProcessInstance, view.id).workflow_state)

    for _ in range(3):
        view = harness.complete(view, "note", {"finished": False})
    early = state_size()
    for _ in range(150):
        view = harness.complete(view, "note", {"finished": False})
    assert state_size() < early * 1.2
    view = harness.complete(view, "note", {"finished": True})
    assert view.state == "completed" and harness.data(view.id)["rounds"] == 154


def test_parallel_branches_join_correctly_in_every_round_of_a_loop(harness):
    harness.deploy("parallel_loop.bpmn")
    view = harness.start("parallel_loop", {"rounds": 0, "log": []})
    for round_no in range(3):
        assert sorted(t.element_id for t in view.open_tasks) == ["left", "right"]
        view = harness.complete(view, "right", {"right_value": 10 * round_no})
        assert [t.element_id for t in view.open_tasks] == ["left"]
        view = harness.complete(view, "left", {"left_value": round_no})
    assert view.state == "completed"
    assert harness.data(view.id)["log"] == [0, 11, 22]


def test_call_activities_run_the_called_process_version_fixed_at_start(harness):
    harness.deploy("call_parent.bpmn", "call_child.bpmn")
    view = harness.start("call_parent", {"line": "ADSL-1"})
    measure = harness.open_task(view, "measure")
    assert measure.candidate_group == "field_team"
    view = harness.complete(view, "measure", {"signal_db": -12})
    assert [t.element_id for t in view.open_tasks] == ["close"]
    assert harness.data(view.id)["line_ok"] is True
    assert harness.complete(view, "close").state == "completed"


def test_starting_a_process_whose_callee_is_missing_says_which(harness):
    harness.deploy("call_parent.bpmn")
    with pytest.raises(ProcessNotFound, match="calls 'call_child'"):
        harness.start("call_parent")


def test_the_audit_log_is_append_only(harness):
    harness.deploy("work_order.bpmn")
    view = harness.start("work_order", COMPLAINT)
    with pytest.raises(Exception, match="append-only"):
        with harness.sessions.begin() as session:
            session.execute(update(AuditEntry).where(AuditEntry.instance_id == view.id).values(actor="mallory"))
    with pytest.raises(Exception, match="append-only"):
        with harness.sessions.begin() as session:
            session.execute(text("DELETE FROM audit_log"))
    assert {e.actor for e in harness.history(view.id)} == {"alice", "engine"}


def test_the_loser_of_two_concurrent_writers_gets_a_conflict_and_writes_nothing(harness):
    """Two writers read the same revision; the second is refused and its transaction leaves no trace."""
    from engine.runtime.instance_store import InstanceStore
    harness.deploy("work_order.bpmn")
    view = harness.start("work_order", COMPLAINT)
    store = InstanceStore()
    with harness.sessions.begin() as session:
        read_by_both = store.instance(session, view.id).revision
    with harness.sessions.begin() as session:
        store.save_state(session, view.id, read_by_both, "suspended", harness.clock.now())
    with pytest.raises(ConflictError, match="changed by someone else"):
        with harness.sessions.begin() as session:
            Journal_rows_before = len(harness.history(view.id))
            store.save_state(session, view.id, read_by_both, "terminated", harness.clock.now())
    with harness.sessions.begin() as session:
        assert store.instance(session, view.id).state == "suspended"
        assert session.scalars(select(HumanTask.state).where(HumanTask.instance_id == view.id)).all() == ["open"]
    assert len(harness.history(view.id)) == Journal_rows_before


def test_a_refused_deployment_leaves_nothing_deployed(harness):
    from engine.errors import DefinitionError
    with pytest.raises(DefinitionError):
        harness.deploy("work_order.bpmn", "bad/script_syntax.bpmn")
    with harness.sessions.begin() as session:
        assert harness.engine.definitions.list_latest(session) == []
    with pytest.raises(ProcessNotFound):
        harness.start("work_order", COMPLAINT)


@pytest.mark.parametrize("department, group", [("wireless_dept", "wireless_dept"), ("", None)])
def test_a_lane_named_by_an_expression_sends_the_task_to_the_group_chosen_in_the_case(harness, department, group):
    harness.deploy("dynamic_lane.bpmn")
    view = harness.start("dynamic_lane")
    assert harness.open_task(view, "dispatch").candidate_group == "front_desk"
    view = harness.complete(view, "dispatch", {"department": department})
    handle = harness.open_task(view, "handle")
    assert (handle.lane, handle.candidate_group) == ("=department", group)


@pytest.mark.parametrize("handler", ["li.wei", None])
def test_a_task_with_an_assignee_expression_goes_straight_to_that_person(harness, handler):
    harness.deploy("dynamic_lane.bpmn")
    view = harness.start("dynamic_lane")
    data = {"department": "network_dept", **({"handler": handler} if handler else {})}
    handle = harness.open_task(harness.complete(view, "dispatch", data), "handle")
    assert (handle.candidate_group, handle.assignee) == ("network_dept", handler)


def test_an_exclusive_gateway_takes_its_first_true_flow_in_file_order_wherever_the_targets_are_drawn(harness):
    """Moving shapes in the modeler must not change which branch wins."""
    harness.deploy("gateway_order.bpmn")
    view = harness.start("gateway_order")
    assert [t.element_id for t in view.open_tasks] == ["first"]
