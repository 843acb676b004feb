"""A failed engine step told so a designer can act on it, and resumed by `retry` where it failed.

SpiffWorkflow marks a task ERROR only when it fails while running. A failure while a task is
being readied (a pre-script, a multi-instance input collection, a timer expression, a message
correlation) or completed (a post-script) leaves no mark, and some failures arrive as bare Python
errors from inside the library, or with an object's repr for a message. Here the task being
worked on is found in the traceback, marked ERROR together with the phase it failed in, and the
message names the element and what of it failed:
"NameError: name 'x' is not defined in the condition of flow Flow_1".
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from types import FrameType
from typing import Callable

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from ..definitions.expressions import element_of, what_evaluated
from ..definitions.runnable import builtins_not_offered, missing_builtin_hint
from ..errors import DefinitionError, SqflowError

PHASE = "sqflow_failed_in"                        # kept in the failed task's internal data: update,
                                                  # create (update anew, dropping instances), run, complete, ended
PARENT_UNFINISHED = "sqflow_parent_unfinished"    # the failure cut short the parent's completion
MAX_MESSAGE = 2000
_PHASES = {"_update": "update", "_update_hook": "update", "_ready": "update", "_on_ready": "update",
           "_on_ready_hook": "update", "run": "run", "_run": "run", "_run_hook": "run",
           "complete": "complete", "_on_complete": "complete", "_on_complete_hook": "complete",
           "_on_subworkflow_completed": "ended"}
_REPR = re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>")
_LIBRARY = "/SpiffWorkflow/"
_ENGINE_PARTS = (("multiinstance_task.py", "collection"), ("service_task.py", "service call"),
                 ("message.py", "message correlation"), ("spiff/specs/event_definitions.py", "message correlation"),
                 ("timer.py", "timer"), ("subworkflow_task.py", "data inputs or outputs"), ("/dmn/", "decision"))


@dataclass
class Failure:
    task: Task | None
    element_id: str | None
    message: str
    phase: str
    parent_unfinished: bool = False


def without_reprs(text: str, instead: str = "an engine object") -> str:
    return _REPR.sub(instead, text)


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc`, then what it wraps, as long as the library raised it while handling another error."""
    chain = [exc]
    while True:
        current = chain[-1]
        inner = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
        if inner is None or inner in chain or not _raised_in_library(current):
            return chain
        chain.append(inner)


def _raised_in_library(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and _LIBRARY in tb.tb_frame.f_code.co_filename


def _frames(chain: list[BaseException]) -> list[FrameType]:
    """Every frame the chain went through, innermost first."""
    frames: list[FrameType] = []
    for exc in reversed(chain):
        tb, own = exc.__traceback__, []
        while tb is not None:
            own.append(tb.tb_frame)
            tb = tb.tb_next
        frames.extend(frame for frame in reversed(own) if frame not in frames)
    return frames


def _task_in(frame: FrameType) -> Task | None:
    for name in ("my_task", "task", "self"):
        value = frame.f_locals.get(name)
        if isinstance(value, Task):
            return value
    return None


def _failing_task(chain: list[BaseException], frames: list[FrameType]) -> Task | None:
    for exc in chain:
        if isinstance(getattr(exc, "task", None), Task):
            return exc.task
    return next((task for task in map(_task_in, frames) if task is not None), None)


def _interrupted_loop(task: Task, frames: list[FrameType]) -> Task | None:
    """The multi-instance or loop task whose readying was creating `task` (its instances then are partial)."""
    parent = task.parent
    if parent is None or not isinstance(parent.task_spec, LoopTask):
        return None
    return parent if any(f.f_code.co_name == "_update_hook" and _task_in(f) is parent for f in frames) else None


def _phase(task: Task, frames: list[FrameType]) -> tuple[str, bool]:
    phase = next((_PHASES[f.f_code.co_name] for f in frames
                  if f.f_code.co_name in _PHASES and _task_in(f) is task), None)
    parent_unfinished = any(f.f_code.co_name == "_on_complete" and task.parent is not None
                            and _task_in(f) is task.parent for f in frames)
    return phase or ("run" if task.state == TaskState.READY else "update"), parent_unfinished


def _source(frames: list[FrameType]) -> str | None:
    """The script or expression being evaluated when it failed, if it was one."""
    for frame in frames:
        if frame.f_code.co_name in ("evaluate", "execute", "_evaluate", "_execute"):
            for name in ("expression", "script"):
                if isinstance(frame.f_locals.get(name), str):
                    return frame.f_locals[name]
    return None


def _part_of_engine(task: Task, frames: list[FrameType]) -> str:
    """What of the element failed, told by the part of SpiffWorkflow that failed."""
    spec, who = task.task_spec, element_of(task.task_spec)
    for frame in frames:
        path = frame.f_code.co_filename.replace("\\", "/")
        if _LIBRARY not in path:
            continue
        part = next((name for file, name in _ENGINE_PARTS if file in path), None)
        if part == "collection":
            output = frame.f_code.co_name in ("merge_child", "init_data_output_with_input_data")
            reference = getattr(spec, "data_output" if output else "data_input", None)
            if reference is not None:
                return f"{'output' if output else 'input'} collection {reference.bpmn_id} of {who}"
        elif part == "service call":
            return f"service call {getattr(spec, 'operation_name', '')} of {who}".replace("  ", " ")
        elif part == "decision":
            table = getattr(getattr(spec, "dmnEngine", None), "decision_table", None)
            return f"decision table {getattr(table, 'id', '')} of {who}".replace("  ", " ")
        elif part is not None:
            return f"{part} of {who}"
    return who


def _text(exc: BaseException) -> str:
    if isinstance(exc, WorkflowException) and isinstance(exc.task_spec, str):
        return exc.task_spec  # SpiffWorkflow passed its arguments the wrong way round
    if isinstance(exc, DefinitionError):
        return "; ".join(problem.message for problem in exc.problems)
    if isinstance(exc, SpiffWorkflowException):
        return str(exc.args[0]) if exc.args else type(exc).__name__
    text = str(exc)
    if isinstance(exc, SqflowError):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _missing_collection(task: Task, what: str) -> str | None:
    """For a multi-instance input collection that is not in the data: what to do about it."""
    reference = getattr(task.task_spec, "data_input", None)
    if not what.startswith("input collection") or reference is None:
        return None
    if task.data.get(reference.bpmn_id) is None:
        return f"there is no {reference.bpmn_id} in the instance data (a list or a mapping is needed)"
    return None


def _line(source: str | None, cause: BaseException) -> str:
    if not source or "\n" not in source.strip():
        return ""
    tb, line = cause.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<script>":
            line = tb.tb_lineno
        tb = tb.tb_next
    lines = source.splitlines()
    return f" (line {line}: {lines[line - 1].strip()})" if line and line <= len(lines) else ""


def _hints(cause: BaseException, task: Task) -> str:
    name = getattr(cause, "name", None) if isinstance(cause, NameError) else None
    if not name:
        return ""
    if name == "_print_":  # how the sandbox compiles print()
        name = "print"
    if name in builtins_not_offered():
        return f". {missing_builtin_hint(name)}"
    fields = [key for key in task.data if isinstance(key, str)]
    close = difflib.get_close_matches(name, fields, n=3, cutoff=0.75)
    return f". Did you mean {' or '.join(close)}?" if close else ""


def describe_failure(exc: BaseException) -> Failure:
    """The element a step failed at, a message a designer can act on, and the phase to retry."""
    try:
        chain = _chain(exc)
        frames = _frames(chain)
        task = _failing_task(chain, frames)
        detail = without_reprs(_text(chain[-1]))
        if task is None:
            return Failure(None, None, f"{detail[:MAX_MESSAGE]} (the engine could not tell at which element; "
                           "retry runs the instance's next steps again)", "none")
        source = _source(frames)
        what = what_evaluated(task.task_spec, source) if source else None
        if what is None:
            what = _part_of_engine(task, frames)
            what += f" (evaluating {' '.join(source.split())})" if source else ""
            detail = (None if source else _missing_collection(task, what)) or detail
        detail = without_reprs(detail, element_of(task.task_spec)).rstrip(". ")
        message = f"{detail} in the {what}{_line(source, chain[-1])}{_hints(chain[-1], task)}"
        loop = _interrupted_loop(task, frames)
        if loop is not None:  # redo the loop task's readying whole: it had made only some instances
            task, (phase, parent_unfinished) = loop, ("create", False)
        else:
            phase, parent_unfinished = _phase(task, frames)
        element_id = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
        return Failure(task, element_id, message[:MAX_MESSAGE], phase, parent_unfinished)
    except Exception:  # describing must never turn one failure into another
        return Failure(None, None, without_reprs(f"{type(exc).__name__}: {exc}")[:MAX_MESSAGE], "none")


def mark_failed(failure: Failure) -> None:
    """Leave the failed task in ERROR with what `rerun_failed` needs to redo its phase."""
    task = failure.task
    if task is None:
        return
    task.internal_data[PHASE] = failure.phase
    task.internal_data[PARENT_UNFINISHED] = failure.parent_unfinished
    if task.state != TaskState.ERROR:
        task._set_state(TaskState.ERROR)


def rerun_failed(workflow: BpmnWorkflow, data: dict, did_complete: Callable[[Task], None]) -> None:
    """Redo the phase each failed task failed in, with `data` added where that phase reads it."""
    for task in workflow.get_tasks(state=TaskState.ERROR):
        if task.id not in task.workflow.tasks:  # an instance of a loop task redone whole just before
            continue
        phase = task.internal_data.pop(PHASE, "run")
        parent_unfinished = task.internal_data.pop(PARENT_UNFINISHED, False)
        task.set_data(**data)
        if phase in ("update", "create"):
            # Readying a task copies its parent's data over its own: the corrected data goes there.
            if task.parent is not None:
                task.parent.set_data(**data)
            if phase == "create":
                task._drop_children(force=True)
                task.internal_data.clear()
            task._set_state(TaskState.FUTURE)
            task.task_spec._update(task)
            if parent_unfinished and task.parent is not None:
                _finish_completion(task.parent, did_complete)
        elif phase == "complete":
            task.complete()
            did_complete(task)
        elif phase == "ended" and task.id in workflow.top_workflow.subprocesses:
            subprocess = workflow.top_workflow.subprocesses[task.id]
            subprocess.last_task.set_data(**data)
            task._set_state(TaskState.STARTED)
            task.task_spec._on_subworkflow_completed(subprocess, task)
        else:
            task.run()
            did_complete(task)


def _finish_completion(parent: Task, did_complete: Callable[[Task], None]) -> None:
    """What the parent's completion did not get to: readying its other children, and telling the workflow."""
    for child in parent.children:
        if child.state == TaskState.FUTURE:
            child.task_spec._update(child)
    if parent.state == TaskState.COMPLETED:
        parent.workflow._task_completed_notify(parent)
        did_complete(parent)
