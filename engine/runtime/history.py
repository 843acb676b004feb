"""Keeping the live task tree small, so a step costs the same at 10 or 10,000 completed tasks.

SpiffWorkflow keeps every task it ever created, and a gateway loop nests the tree one level per
iteration (its look-ups stop at depth 1000). The history a person needs lives in the audit log
and the human-task table; the tree only needs what the engine still reads:

* a COMPLETED task whose single child is also COMPLETED is spliced out (its child takes its
  place). Joins read the *parent* of waiting or cancelled tasks, and those parents have a child
  that is not COMPLETED, so they stay.
* a finished sub-process whose calling task is COMPLETED is dropped.

Exception: tasks of elements that feed a parallel or inclusive join are kept, because the join
walks up the ancestors of its first-iteration tasks looking for them. A loop through such a join
therefore still grows by a few tasks per round; every other loop stays flat.
"""
from __future__ import annotations

from weakref import WeakKeyDictionary

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState


_JOIN_INPUTS: WeakKeyDictionary[BpmnProcessSpec, frozenset] = WeakKeyDictionary()


def _join_inputs(spec: BpmnProcessSpec) -> frozenset:
    inputs = _JOIN_INPUTS.get(spec)
    if inputs is None:
        inputs = frozenset(i.name for ts in spec.task_specs.values() if isinstance(ts, UnstructuredJoin)
                           for i in ts.inputs)
        _JOIN_INPUTS[spec] = inputs
    return inputs


def _splice_out(task: Task, top: BpmnWorkflow) -> bool:
    workflow = task.workflow
    if (task.state != TaskState.COMPLETED or task._parent is None or len(task._children) != 1
            or task is workflow.last_task or task.id in top.subprocesses
            or task.task_spec.name in _join_inputs(workflow.spec)):
        return False
    child = workflow.tasks.get(task._children[0])
    parent = workflow.tasks.get(task._parent)
    if child is None or parent is None or child.state != TaskState.COMPLETED:
        return False
    siblings = parent._children
    siblings[siblings.index(task.id)] = child.id
    child._parent = parent.id
    del workflow.tasks[task.id]
    return True


def prune_after(task: Task) -> None:
    """Cheap local pruning right after `task` ran (keeps long loops shallow within one run)."""
    parent = task.parent
    if parent is not None:
        _splice_out(parent, task.workflow.top_workflow)


def prune(top: BpmnWorkflow) -> int:
    """Prune the whole instance; returns how many tasks were removed."""
    removed = 0
    for task_id, subprocess in list(top.subprocesses.items()):
        if task_id not in top.subprocesses or not subprocess.completed:
            continue
        caller = top.get_task_from_id(task_id)
        if caller is not None and caller.state == TaskState.COMPLETED:
            removed += len(top.delete_subprocess(caller))
    for workflow in [top, *top.subprocesses.values()]:
        for task in list(workflow.tasks.values()):
            if task.id in workflow.tasks and _splice_out(task, top):
                removed += 1
    return removed
