"""Call activities that lead back to their own process never finish: one check for validate and deploy.

Validation sees the files given; deploy also follows calls into the processes already deployed.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Callable, Iterable

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import CallActivity

from ..errors import DefinitionProblem

if TYPE_CHECKING:
    from .parsing import ParsedProcess


def _call_activity(process: ParsedProcess, callee: str) -> str | None:
    for spec in [process.spec, *process.embedded_specs.values()]:
        for task_spec in spec.task_specs.values():
            if isinstance(task_spec, CallActivity) and task_spec.spec == callee:
                return task_spec.bpmn_id
    return None


def _line_of(process: ParsedProcess, element_id: str | None) -> int | None:
    if not element_id:
        return None
    text = process.files[0].content.decode("utf-8", "replace")
    found = re.search(rf"""\bid\s*=\s*["']{re.escape(element_id)}["']""", text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _path_to_cycle(start: str, callees: Callable[[str], list[str]]) -> list[str] | None:
    """The first call path from `start` that reaches a process already on it (that process last)."""
    path = [start]
    stack = [iter(callees(start))]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            path.pop()
            continue
        if child in path:
            return path + [child]
        path.append(child)
        stack.append(iter(callees(child)))
    return None


def recursive_call_problems(processes: Iterable[ParsedProcess],
                            deployed_calls: Callable[[str], list[str]] = lambda process_id: []
                            ) -> list[DefinitionProblem]:
    """A problem for each process whose call activities lead back to a process on the way, naming
    the call activity where the path starts."""
    processes = list(processes)
    given = {p.process_id: list(p.calls) for p in processes}
    known: dict[str, list[str]] = {}

    def callees(process_id: str) -> list[str]:
        if process_id in given:
            return given[process_id]
        if process_id not in known:
            known[process_id] = list(deployed_calls(process_id))
        return known[process_id]

    problems = []
    for process in processes:
        path = _path_to_cycle(process.process_id, callees)
        if path is None:
            continue
        cycle = path[path.index(path[-1]):]
        element_id = _call_activity(process, path[1])
        problems.append(DefinitionProblem(
            process.files[0].name, f"recursive call activities never finish: {' -> '.join(cycle)}",
            line=_line_of(process, element_id), element_id=element_id or process.process_id,
            code="call.recursive", params={"cycle": " → ".join(cycle)}))
    return problems
