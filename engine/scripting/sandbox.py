"""The sandbox that runs script tasks, conditions and timer expressions of diagrams.

SpiffWorkflow's default engine is plain `eval`/`exec` with full builtins. Here every script is
compiled by RestrictedPython (no imports, no names or attributes starting with `_`, guarded
attribute, item and iteration access) and runs with a short list of builtins plus the helper
functions sqflow registers. Compiled code is cached by source text.
"""
from __future__ import annotations

import ast
import json
import datetime as _dt
import functools
import math
import sys
from contextlib import contextmanager
from dataclasses import replace
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
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from ..clock import Clock, SystemClock
from ..errors import RunLimitExceeded, ScriptPolicyError
from ..limits import RunLimits, StepBudget, current_budget
from .clocked import clocked_helpers
from .guards import INPLACE, Guards

_UNSAFE_BUILTINS = {"setattr", "delattr", "__build_class__", "_getattr_", "id", "hash"}

BUILTINS: dict[str, Any] = {k: v for k, v in safe_builtins.items() if k not in _UNSAFE_BUILTINS}
BUILTINS.update(
    dict=dict, list=list, set=set, frozenset=frozenset, min=min, max=max, sum=sum, any=any,
    all=all, enumerate=enumerate, map=map, filter=filter, reversed=reversed, math=math,
)

def _inplacevar(op: str, x: Any, y: Any) -> Any:
    return INPLACE[op](x, y)


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
_CHECKED_OPERATORS = {ast.Pow: "**", ast.Mult: "*", ast.LShift: "<<", ast.Mod: "%"}


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

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        """`a ** b`, `a * b`, `a << b`, `a % b` become `_binop_("**", a, b)`: one such operation can make a
        result too large for any line counter to stop (`10**10**10`, `'a' * 10**9`)."""
        node = self.node_contents_visit(node)
        symbol = _CHECKED_OPERATORS.get(type(node.op))
        if symbol is None:
            return node
        return ast.fix_missing_locations(ast.copy_location(ast.Call(
            func=ast.Name("_binop_", ast.Load()), args=[ast.Constant(symbol), node.left, node.right], keywords=[]),
            node))

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        """`f"{x:>{n}}"` becomes `f"{_format_(x, f'>{n}', conversion)}"`, so its width is checked."""
        node = self.node_contents_visit(node)
        if node.format_spec is None:
            return node
        call = ast.copy_location(ast.Call(func=ast.Name("_format_", ast.Load()),
                                          args=[node.value, node.format_spec, ast.Constant(node.conversion)],
                                          keywords=[]), node)
        return ast.fix_missing_locations(
            ast.copy_location(ast.FormattedValue(value=call, conversion=-1, format_spec=None), node))


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
_CLOCK_EVERY = 1024  # lines between looks at the step's wall-time budget


@contextmanager
def _line_budget(limit: int, budget: StepBudget):
    """Stop a script after `limit` executed lines, or when the step's time is up (an endless loop
    must not hang a step)."""
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
                raise RunLimitExceeded(f"script stopped after {limit:,} steps (an endless loop?)")
            if spent % _CLOCK_EVERY == 0:
                budget.check_time()
        return count

    budget.check_time()
    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        yield
    finally:
        sys.settrace(previous)


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates and executes with task data as the namespace, in the RestrictedPython sandbox.

    `datetime.now()`, `date.today()` and the deadline helpers read the engine's clock, so moved time
    in tests and simulations applies to scripts too.
    """

    def __init__(self, helpers: Mapping[str, Callable] | None = None, max_lines: int | None = None,
                 limits: RunLimits | None = None, clock: Clock | None = None):
        limits = limits or RunLimits()
        if max_lines is not None:
            limits = replace(limits, script_lines=max_lines)
        super().__init__({**DEFAULT_HELPERS, **clocked_helpers(clock or SystemClock()), **(helpers or {})})
        self.limits = limits
        self.max_lines = limits.script_lines
        guards = Guards(limits)
        self._builtins = guards.builtins(BUILTINS)
        self._guards = {**GUARDS, "_getattr_": guards.getattr, "_binop_": guards.binop,
                        "_format_": guards.format_value, "_inplacevar_": guards.inplace}
        self._reserved = set(self._guards) | set(self.globals) | {"__builtins__"}

    def _namespace(self, context: Mapping[str, Any], external_context: Mapping[str, Any] | None) -> dict:
        namespace = {"__builtins__": self._builtins, **self._guards, **self.globals}
        namespace.update(external_context or {})
        return namespace

    def evaluate(self, expression, context, external_context=None):
        code = compile_script(expression, "eval")
        namespace = self._namespace(context, external_context)
        namespace.update(context)
        with _line_budget(self.max_lines, current_budget(self.limits)):
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
            with _line_budget(self.max_lines, current_budget(self.limits)):
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
        check_data_size(context, self.limits.data_bytes, "the script")
        return True

    def call_service(self, context, **kwargs):
        raise ScriptPolicyError("service tasks need a registered service; none is configured")


def check_data_size(data: Mapping[str, Any], limit: int, what: str) -> None:
    """Refuse data larger than `limit` bytes as JSON (an instance's data is saved at every step)."""
    size = len(json.dumps(data, default=str, ensure_ascii=False).encode())
    if size > limit:
        raise RunLimitExceeded(f"{what} left {size:,} bytes of data; an instance may hold at most {limit:,}")
