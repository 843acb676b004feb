"""The sandbox that runs script tasks, conditions and timer expressions of diagrams.

SpiffWorkflow's default engine is plain `eval`/`exec` with full builtins. Here every script is
compiled by RestrictedPython (no imports, no names or attributes starting with `_`, guarded
attribute, item and iteration access) and runs with a short list of builtins plus the helper
functions sqflow registers. Compiled code is cached by source text.
"""
from __future__ import annotations

import ast
import datetime as _dt
import functools
import math
import operator
import sys
from contextlib import contextmanager
from typing import Any, Callable, Mapping

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec
from RestrictedPython import safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .errors import ScriptPolicyError

_UNSAFE_BUILTINS = {"setattr", "delattr", "__build_class__", "_getattr_", "id", "hash"}

BUILTINS: dict[str, Any] = {k: v for k, v in safe_builtins.items() if k not in _UNSAFE_BUILTINS}
BUILTINS.update(
    dict=dict, list=list, set=set, frozenset=frozenset, min=min, max=max, sum=sum, any=any,
    all=all, enumerate=enumerate, map=map, filter=filter, reversed=reversed, math=math,
)

_INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "|=": operator.ior,
    "&=": operator.iand, "^=": operator.ixor, "<<=": operator.ilshift, ">>=": operator.irshift,
}


def _inplacevar(op: str, x: Any, y: Any) -> Any:
    return _INPLACE[op](x, y)


GUARDS: dict[str, Any] = {
    "_getattr_": safer_getattr,
    "_getitem_": default_guarded_getitem,
    "_getiter_": default_guarded_getiter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
}

DEFAULT_HELPERS: dict[str, Callable] = {
    "datetime": _dt.datetime,
    "timedelta": _dt.timedelta,
    "date": _dt.date,
}


class _SqflowPolicy(RestrictingNodeTransformer):
    def visit_Import(self, node: ast.AST) -> ast.AST:
        self.error(node, "imports are not allowed in sqflow scripts")
        return node

    def visit_ImportFrom(self, node: ast.AST) -> ast.AST:
        self.error(node, "imports are not allowed in sqflow scripts")
        return node

    def visit_Global(self, node: ast.AST) -> ast.AST:
        self.error(node, "global statements are not allowed in sqflow scripts")
        return node


@functools.lru_cache(maxsize=4096)
def compile_script(source: str, mode: str = "exec"):
    """Compile `source` under the sandbox policy, raising ScriptPolicyError with every problem."""
    compiler = compile_restricted_exec if mode == "exec" else compile_restricted_eval
    result = compiler(source, filename="<script>", policy=_SqflowPolicy)
    if result.errors or result.code is None:
        raise ScriptPolicyError("; ".join(result.errors) or "script does not compile")
    return result.code


def check_script(source: str, mode: str = "exec") -> str | None:
    """The sandbox's objection to `source`, or None when it would run."""
    try:
        compile_script(source, mode)
    except ScriptPolicyError as exc:
        return exc.problems[0].message
    return None


MAX_SCRIPT_LINES = 1_000_000


@contextmanager
def _line_budget(limit: int):
    """Stop a script after `limit` executed lines (an endless loop must not hang a step)."""
    spent = 0

    def trace(frame, event, arg):
        if frame.f_code.co_filename != "<script>":
            return None
        return count

    def count(frame, event, arg):
        nonlocal spent
        if event == "line":
            spent += 1
            if spent > limit:
                raise ScriptPolicyError(f"script stopped after {limit:,} steps (an endless loop?)")
        return count

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        yield
    finally:
        sys.settrace(previous)


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates and executes with task data as the namespace, in the RestrictedPython sandbox."""

    def __init__(self, helpers: Mapping[str, Callable] | None = None, max_lines: int = MAX_SCRIPT_LINES):
        super().__init__({**DEFAULT_HELPERS, **(helpers or {})})
        self.max_lines = max_lines
        self._reserved = set(GUARDS) | set(self.globals) | {"__builtins__"}

    def _namespace(self, context: Mapping[str, Any], external_context: Mapping[str, Any] | None) -> dict:
        namespace = {"__builtins__": BUILTINS, **GUARDS, **self.globals}
        namespace.update(external_context or {})
        return namespace

    def evaluate(self, expression, context, external_context=None):
        code = compile_script(expression, "eval")
        namespace = self._namespace(context, external_context)
        namespace.update(context)
        with _line_budget(self.max_lines):
            return eval(code, namespace)

    def execute(self, script, context, external_context=None):
        overwrites = set(self.globals).intersection(context)
        if overwrites:
            raise ScriptPolicyError(
                f"task data overwrites helper function(s) {sorted(overwrites)}; rename these fields"
            )
        code = compile_script(script, "exec")
        namespace = self._namespace(context, external_context)
        namespace.update(context)
        try:
            with _line_budget(self.max_lines):
                exec(code, namespace)
        finally:
            external = set(external_context or {})
            for key in list(namespace):
                value = namespace[key]
                if key in self._reserved or key in external or callable(value) or key.startswith("_"):
                    continue
                context[key] = value
            for key in list(context):
                if key not in namespace:
                    del context[key]
        return True

    def call_service(self, context, **kwargs):
        raise ScriptPolicyError("service tasks need a registered service; none is configured")


def make_script_engine(helpers: Mapping[str, Callable] | None = None,
                       max_lines: int = MAX_SCRIPT_LINES) -> PythonScriptEngine:
    return PythonScriptEngine(environment=SandboxEnvironment(helpers, max_lines))
