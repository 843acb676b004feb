"""Structured logs: with `SQFLOW_LOG_FORMAT=json` every log record is one JSON line.

A line carries time, level, logger and message, the ids of the instance and task concerned (from
`extra={"instance_id": ..., "task_id": ...}` or from the surrounding `log_context`), any other
`extra` fields, and the exception if there was one.
"""
from __future__ import annotations

import json
import logging
import sys
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import datetime, timezone
from typing import Any, Iterator

_CONTEXT: ContextVar[dict[str, Any]] = ContextVar("sqflow_log_context", default={})
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Fields (e.g. instance_id, task_id) added to every record logged inside the block."""
    token = _CONTEXT.set({**_CONTEXT.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def bind_log_context(**fields: Any) -> Token:
    """Like `log_context`, for code that opens and closes in separate calls (request hooks)."""
    return _CONTEXT.set({**_CONTEXT.get(), **{k: v for k, v in fields.items() if v is not None}})


def unbind_log_context(token: Token) -> None:
    try:
        _CONTEXT.reset(token)
    except ValueError:  # bound in another context; that context ends with its own values
        pass


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "instance_id": None, "task_id": None}
        line.update(_CONTEXT.get())
        line.update({key: value for key, value in vars(record).items() if key not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """For `json`: every handler of the root logger writes JSON lines (one to stderr if there is none)."""
    if log_format != "json":
        return
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
