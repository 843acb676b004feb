"""What surely fails when a diagram runs, found before it is deployed.

Every script and expression must compile under the sandbox and must not call a Python builtin the
sandbox does not offer (`print`, `locals`, `open` ...: a NameError on every run); a service task
needs a service, and sqflow has none to call.
"""
from __future__ import annotations

import ast
import builtins

from lxml import etree
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.spiff.specs.defaults import ServiceTask

from ..errors import DefinitionProblem
from ..scripting import BUILTINS, DEFAULT_HELPERS, GUARDS, check_script
from .expressions import element_of, expressions_of
from .xml_guard import line_of

_HINTS = {
    "print": "scripts have no output: set a data field instead",
    "locals": "read data fields by their names",
    "globals": "read data fields by their names",
    "vars": "read data fields by their names",
    "dir": "read data fields by their names",
    "input": "a script cannot ask anyone: use a user task",
}


def builtins_not_offered() -> frozenset[str]:
    """Python builtins that sandboxed scripts cannot reach: calling one is a NameError."""
    return frozenset(dir(builtins)) - set(BUILTINS) - set(DEFAULT_HELPERS) - set(GUARDS)


def missing_builtin_hint(name: str) -> str:
    hint = _HINTS.get(name, "scripts see the task data, the helper functions and a short list of builtins")
    return f"Python's {name}() is not available in sqflow scripts ({hint})"


def builtins_called(source: str, mode: str) -> list[str]:
    """The builtins `source` calls that the sandbox does not offer (names the script binds itself excepted)."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError:
        return []
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    unavailable = builtins_not_offered()
    called = (node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name))
    return sorted({name for name in called if name in unavailable and name not in bound})


def run_time_problems(spec: BpmnProcessSpec, file_name: str, tree: etree._ElementTree) -> list[DefinitionProblem]:
    """Each script or expression of `spec` that cannot run, and each service task."""
    problems = []
    for expression in expressions_of(spec):
        objection = check_script(expression.source, expression.mode)
        if objection is None:
            missing = builtins_called(expression.source, expression.mode)
            objection = "; ".join(missing_builtin_hint(name) for name in missing) or None
        if objection:
            problems.append(DefinitionProblem(file_name, f"{expression.what}: {objection}",
                                              line=line_of(tree, expression.element_id),
                                              element_id=expression.element_id, code="script.refused",
                                              params={"what": expression.what, "objection": objection}))
    for task_spec in spec.task_specs.values():
        if isinstance(task_spec, ServiceTask):
            problems.append(DefinitionProblem(
                file_name, f"{element_of(task_spec)} calls the service {task_spec.operation_name!r}, but sqflow "
                "has no services to call: use a script task with a helper function instead",
                line=line_of(tree, task_spec.bpmn_id), element_id=task_spec.bpmn_id, code="service.none",
                params={"service": str(task_spec.operation_name)}))
    return problems
