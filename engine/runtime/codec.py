"""Workflow state to and from JSON, with the process specs kept out of it.

SpiffWorkflow's serializer embeds the whole spec in every save. Specs are immutable per
definition version, so sqflow stores them once with the definition, restores them once per
process into a cache, and saves an instance as its tasks and data only.
"""
from __future__ import annotations

import json
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from ..errors import SqflowError

STATE_FORMAT = "sqflow-1+spiff-1.5"


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def restore(self, dct: dict, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def seal_event_subprocess_triggers(spec: BpmnProcessSpec) -> BpmnProcessSpec:
    """Wire a spec's message- and signal-started event subprocesses up front, so running never changes it.

    SpiffWorkflow starts such a subprocess with `BpmnStartTask.trigger_wf`, which, the first time,
    connects the subprocess into the *spec* (Start -> subprocess -> end). A spec is shared by every
    instance of its definition, so from then on every new instance in this process started the
    subprocess with its start event and could never reach its end. With the subprocess's input and
    output already in place (but not among Start's outputs), `trigger_wf` finds nothing to connect.
    """
    start, end = spec.start, spec.end
    for name in getattr(start, "trigger_specs", ()):
        event_subprocess = spec.task_specs[name]
        if start not in event_subprocess.inputs:
            event_subprocess.inputs = [*event_subprocess.inputs, start]
        if end not in event_subprocess.outputs:
            event_subprocess.connect(end)
    return spec


class StateCodec:
    def __init__(self) -> None:
        config = dict(SPIFF_CONFIG)
        config[BpmnWorkflow] = _SpecFreeWorkflowConverter
        self.registry = BpmnWorkflowSerializer.configure(config)
        self._converter = _SpecFreeWorkflowConverter(BpmnWorkflow, self.registry)
        self._encoder = create_encoder(self.registry, None)

    def spec_to_dict(self, spec: BpmnProcessSpec) -> dict:
        return self.registry.convert(spec)

    def spec_from_dict(self, dct: dict) -> BpmnProcessSpec:
        """A spec restored to be shared by every instance of its definition in this process."""
        return seal_event_subprocess_triggers(self.registry.restore(dct))

    def dumps(self, workflow: BpmnWorkflow) -> str:
        self.registry._encoder_mode = True
        try:
            return json.dumps(self._converter.to_dict(workflow), cls=self._encoder, separators=(",", ":"))
        finally:
            self.registry._encoder_mode = False

    def loads(self, state: str, fmt: str, spec: BpmnProcessSpec,
              subprocess_specs: dict[str, BpmnProcessSpec]) -> BpmnWorkflow:
        if fmt != STATE_FORMAT:
            raise SqflowError(f"instance state format {fmt!r} is not readable by this sqflow ({STATE_FORMAT})")
        return self._converter.restore(json.loads(state), spec, subprocess_specs)
