"""Running a step's hot write statements with their SQL compiled once, below SQLAlchemy's execution context.

`Connection.execute` of a Core statement finds its compiled form in the cache, then builds an
execution context: every bind parameter through `construct_params`, the result metadata, the
prefetched defaults. For the few statements every step runs (taking the task, saving the instance,
the inserts of the audit log and new tasks) that cost more than SQLite spent running them. Here the
statement is compiled once per dialect and set of parameter names, and each call converts its
parameters with the compiled bind processors (the same conversions, e.g. times to UTC, JSON to
text) and hands the SQL to `Connection.exec_driver_sql`: the same statement reaches the driver,
inside the same transaction, seen by the same engine events. Statements whose parameters need
more (expanding IN lists, defaults computed by a function) are run by `Connection.execute`.
Results come back without result type processing: use this for statements that return nothing or
plain numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from threading import Lock
from typing import Any, Callable

from sqlalchemy import Connection, CursorResult, Executable
from sqlalchemy.engine.interfaces import Dialect


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]                      # the bind parameters in the order the SQL names them
    processors: tuple[Callable[[Any], Any] | None, ...]
    fixed: dict[str, Any]                       # values of binds the caller does not pass (constants, defaults)
    positional: bool

    def arguments(self, params: dict[str, Any]) -> tuple | dict:
        values = [params[name] if name in params else self.fixed[name] for name in self.names]
        values = [value if process is None else process(value) for value, process in zip(values, self.processors)]
        return tuple(values) if self.positional else dict(zip(self.names, values))


_PLANS: dict[tuple, _Plan | None] = {}
_MAX_PLANS = 1024  # statements are module constants; a caller building them per call only refills this
_LOCK = Lock()
_MISSING = object()


def execute(connection: Connection, statement: Executable, params: dict[str, Any] | list[dict[str, Any]]) -> CursorResult:
    """`connection.execute(statement, params)` (one dict, or a list of dicts with the same keys for an
    executemany), with the statement's SQL compiled once."""
    if isinstance(params, list) and len(params) == 1:
        params = params[0]
    many = isinstance(params, list)
    first = params[0] if many else params
    key = (statement, connection.dialect, tuple(first), many)
    plan = _PLANS.get(key, _MISSING)
    if plan is _MISSING:
        plan = _plan(connection.dialect, statement, tuple(first), many)
        with _LOCK:
            if len(_PLANS) >= _MAX_PLANS:
                _PLANS.clear()
            _PLANS[key] = plan
    if plan is None:
        return connection.execute(statement, params)
    if many:
        return connection.exec_driver_sql(plan.sql, [plan.arguments(row) for row in params])
    return connection.exec_driver_sql(plan.sql, plan.arguments(params))


def _plan(dialect: Dialect, statement: Executable, keys: tuple[str, ...], many: bool) -> _Plan | None:
    compiled = statement.compile(dialect=dialect, column_keys=sorted(keys), for_executemany=many)
    if (compiled.literal_execute_params or compiled.post_compile_params or compiled.escaped_bind_names
            or compiled.update_prefetch or compiled.schema_translate_map
            or (many and compiled._insertmanyvalues and dialect.use_insertmanyvalues_wo_returning)):
        return None
    fixed: dict[str, Any] = {}
    for column in compiled.insert_prefetch:
        default = column.default
        if default is None or not default.is_scalar:
            return None
        fixed[column.key] = default.arg
    for bind, name in compiled.bind_names.items():
        if name not in keys and name not in fixed:
            if bind.callable is not None or (bind.required and bind.value is None):
                return None
            fixed[name] = bind.value
    positional = bool(compiled.positional)
    names = tuple(compiled.positiontup) if positional else tuple(dict.fromkeys(compiled.bind_names.values()))
    processors = tuple(compiled._bind_processors.get(name) for name in names)
    return _Plan(compiled.string, names, processors, fixed, positional)
