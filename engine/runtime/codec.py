"""Workflow state to and from JSON, with the process specs kept out of it.

SpiffWorkflow's serializer embeds the whole spec in every save. Specs are immutable per
definition version, so sqflow stores them once with the definition, restores them once per
process into a cache, and saves an instance as its tasks and data only.
"""
from __future__ import annotations

import json
from types import ModuleType
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, TaskConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge

from ..errors import SqflowError

STATE_FORMAT = "sqflow-1+spiff-1.5"


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    plain_tasks = False  # Task is registered with SpiffWorkflow's own TaskConverter (set by StateCodec)

    def to_dict(self, workflow: BpmnWorkflow) -> dict:
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def mapping_to_dict(self, mapping, **kwargs) -> dict:
        # A workflow's tasks are most of a save: each plain Task is written here as SpiffWorkflow's
        # TaskConverter (registered for Task) writes it, without its per-task dispatch.
        registry = self.registry
        if kwargs or not self.plain_tasks or not registry._encoder_mode:
            return super().mapping_to_dict(mapping, **kwargs)
        return {str(key): _task_dict(value, registry) if type(value) is Task else registry.convert(value)
                for key, value in mapping.items()}

    def restore(self, dct: dict, spec: BpmnProcessSpec, subprocess_specs: dict[str, BpmnProcessSpec]) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _task_dict(task: Task, registry) -> dict:
    """`TaskConverter.to_dict` of `task` in the registry's encoder mode (data left to the JSON encoder)."""
    parent = task.parent
    if parent is None:
        data, delta = task.data, {}
    else:
        data, delta = {}, {"updates": DeepMerge.get_updated_keys(parent.data, task.data),
                           "deletions": DeepMerge.get_deleted_keys(parent.data, task.data)}
    internal = task.internal_data
    if type(internal) is dict:
        internal = {key: value for key, value in internal.items()
                    if not callable(value) and not isinstance(value, ModuleType)}
    else:
        internal = registry.convert(internal)
    return {"id": str(task.id), "parent": str(task._parent) if parent is not None else None,
            "children": [str(child) for child in task._children], "last_state_change": task.last_state_change,
            "state": task.state, "task_spec": task.task_spec.name, "triggered": task.triggered,
            "internal_data": internal, "data": data, "delta": delta, "typename": "Task"}


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
        self._converter.plain_tasks = config.get(Task) is TaskConverter and dict not in self.registry.typenames
        self._encoder = create_encoder(self.registry, None)(separators=(",", ":"))

    def spec_to_dict(self, spec: BpmnProcessSpec) -> dict:
        return self.registry.convert(spec)

    def spec_from_dict(self, dct: dict) -> BpmnProcessSpec:
        """A spec restored to be shared by every instance of its definition in this process."""
        return seal_event_subprocess_triggers(self.registry.restore(dct))

    def dumps(self, workflow: BpmnWorkflow) -> str:
        self.registry._encoder_mode = True
        try:
            return self._encoder.encode(self._converter.to_dict(workflow))
        finally:
            self.registry._encoder_mode = False

    def loads(self, state: str, fmt: str, spec: BpmnProcessSpec,
              subprocess_specs: dict[str, BpmnProcessSpec]) -> BpmnWorkflow:
        if fmt != STATE_FORMAT:
            raise SqflowError(f"instance state format {fmt!r} is not readable by this sqflow ({STATE_FORMAT})")
        return self._converter.restore(json.loads(state), spec, subprocess_specs)
