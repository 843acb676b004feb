"""A saved case is written exactly as SpiffWorkflow's own task converter writes it (engine/runtime/codec.py
writes plain tasks itself, for speed), and reads back to the same state."""
from __future__ import annotations

from engine.runtime.instance_store import InstanceRow


def _saved_both_ways(harness, instance_id: int) -> tuple[str, str, str]:
    instances, codec = harness.engine.instances, harness.engine.codec
    with harness.sessions.begin() as session:
        row = InstanceRow.of(instances.instance_row(session, instance_id))
        workflow = instances.load_workflow(session, row)
    fast = codec.dumps(workflow)
    codec._converter.plain_tasks = False  # every task through SpiffWorkflow's registry and TaskConverter
    try:
        spiff = codec.dumps(workflow)
    finally:
        codec._converter.plain_tasks = True
    return row.workflow_state, fast, spiff


def test_every_saved_state_is_what_spiffworkflow_writes_and_reads_back_the_same(harness):
    assert harness.engine.codec._converter.plain_tasks
    harness.deploy("call_parent.bpmn", "call_child.bpmn")
    view = harness.start("call_parent", {"line": "ADSL-1", "当前": {"值": [1, 2.5, None]}})
    states = [_saved_both_ways(harness, view.id)]  # waiting inside the called process
    view = harness.complete(view, "measure", {"signal_db": -12})
    states.append(_saved_both_ways(harness, view.id))
    view = harness.complete(view, "close")
    states.append(_saved_both_ways(harness, view.id))
    assert view.state == "completed"
    for stored, fast, spiff in states:
        assert fast == spiff
        assert stored == fast  # loading the stored state and saving it again changes nothing
