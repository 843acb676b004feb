"""Deserialized workflows of recently touched instances, so a step need not restore what it saved last."""
from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from SpiffWorkflow.bpmn import BpmnWorkflow


class WorkflowCache:
    """Deserialized workflows of recently touched instances, valid only for the exact stored state."""

    def __init__(self, size: int):
        self._size = size
        self._items: OrderedDict[int, tuple[str, BpmnWorkflow]] = OrderedDict()
        self._lock = Lock()

    def take(self, instance_id: int, state: str) -> BpmnWorkflow | None:
        with self._lock:
            item = self._items.pop(instance_id, None)
        if item is not None and item[0] == state:
            return item[1]
        return None

    def put(self, instance_id: int, state: str, workflow: BpmnWorkflow) -> None:
        if self._size <= 0:
            return
        with self._lock:
            self._items[instance_id] = (state, workflow)
            self._items.move_to_end(instance_id)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
