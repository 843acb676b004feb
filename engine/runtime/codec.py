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
        return self.registry.restore(dct)

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
