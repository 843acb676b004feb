"""How an API view is declared: `@operation(...)` routes it, checks its input with marshmallow schemas,
answers JSON through its response schema, and records it for the OpenAPI document.

Every error leaves in one shape, `{code, message, details}` (see `web.errors`): schema failures are
422 with one message per field ("a.b" for nested fields, "" for the whole body).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cached_property, wraps
from typing import Any, Callable
from urllib.parse import urlencode

from flask import Blueprint, g, jsonify, request
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError

from engine.errors import AuthenticationFailed, InvalidInputError, NotFoundError

MAX_ID = 2**31 - 1
TASK_REF = re.compile(r"^[0-9a-fA-F-]{6,36}$")
_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
# The statuses any operation may answer besides its own (documented on every operation).
COMMON_ERRORS = (400, 401, 403, 404, 429)


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    tag: str
    summary: str
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    multipart: dict | None = None
    response: type[Schema] | None = None
    status: int = 200
    also: dict[int, str] = field(default_factory=dict)   # further success statuses and what they mean
    errors: tuple[int, ...] = ()
    headers: tuple[dict, ...] = ()
    public: bool = False
    description: str = ""

    @property
    def path(self) -> str:
        return _PATH_PARAM.sub(r"{\2}", self.rule)

    def path_params(self) -> list[tuple[str, str]]:
        return [(name, converter or "string") for converter, name in _PATH_PARAM.findall(self.rule)]

    # One schema instance each, made at first use: building one copies every field (and each
    # nested schema its own), which cost more than the rest of a small request. Loading and
    # dumping leave an instance as it was, so requests share them.
    @cached_property
    def query_schema(self) -> Schema:
        return self.query(unknown=EXCLUDE)

    @cached_property
    def body_schema(self) -> Schema:
        return self.body(unknown=RAISE)

    @cached_property
    def response_schema(self) -> Schema:
        return self.response()


@dataclass(frozen=True)
class Reply:
    """A view's answer when it is not the operation's usual status, or carries headers."""
    body: Any
    status: int
    headers: dict[str, str] = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def operation(bp: Blueprint, rule: str, method: str, *, tag: str, summary: str, **options: Any) -> Callable:
    def decorate(view: Callable) -> Callable:
        op = Operation(rule, method.upper(), view.__name__, tag, summary, **options)
        OPERATIONS.append(op)

        @wraps(view)
        def wrapped(**path: Any) -> Any:
            if not op.public and g.get("api_auth") is None:
                raise AuthenticationFailed("sign in, or send the header Authorization: Bearer <token>")
            _check_path(op, path)
            kwargs = dict(path)
            if op.query is not None:
                kwargs["query"] = op.query_schema.load(request.args.to_dict())
            if op.body is not None:
                kwargs["body"] = op.body_schema.load(json_body())
            result = view(**kwargs)
            reply = result if isinstance(result, Reply) else Reply(result, op.status)
            body = op.response_schema.dump(reply.body) if op.response is not None else reply.body
            return jsonify(body), reply.status, reply.headers

        bp.add_url_rule(rule, op.endpoint, wrapped, methods=[op.method])
        return wrapped
    return decorate


def json_body() -> dict:
    """The request's JSON object (an empty body counts as `{}`), free of what a database cannot store."""
    if not request.get_data(cache=True):
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInputError("the request body must be a JSON object (Content-Type: application/json)")
    problem = _unstorable(body, "")
    if problem is not None:
        raise ValidationError({problem[0]: [problem[1]]})
    return body


def _unstorable(value: Any, where: str) -> tuple[str, str] | None:
    """The first NUL character, lone surrogate or non-finite number in a JSON value, if any."""
    if isinstance(value, str):
        if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
            return where, "NUL characters and lone surrogates are not accepted"
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return where, "numbers must be finite"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        inner = f"{where}.{key}" if where else str(key)
        found = _unstorable(key, inner) if isinstance(key, str) else None
        found = found or _unstorable(item, inner)
        if found is not None:
            return found
    return None


def _check_path(op: Operation, path: dict[str, Any]) -> None:
    for name, converter in op.path_params():
        value = path.get(name)
        if converter == "int" and not 0 <= value <= MAX_ID:
            raise NotFoundError(f"no {name.replace('_', ' ')} {value}")
        if name == "task_id" and not TASK_REF.match(value):
            raise NotFoundError(f"no task {value[:40]!r}")


def field_messages(messages: Any, where: str = "") -> dict[str, str]:
    """marshmallow's nested messages as one line per field: {"data.phone": "Not a valid string."}."""
    if isinstance(messages, dict):
        flat: dict[str, str] = {}
        for key, inner in messages.items():
            name = "" if key == "_schema" else str(key)
            flat.update(field_messages(inner, f"{where}.{name}" if where and name else where or name))
        return flat
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return {where: " ".join(messages)}
    if isinstance(messages, list):
        flat = {}
        for index, inner in enumerate(messages):
            flat.update(field_messages(inner, f"{where}.{index}" if where else str(index)))
        return flat
    return {where: str(messages)}


# --- pages --------------------------------------------------------------------------------------

def offset_of(query: dict) -> int:
    return (query["page"] - 1) * query["per_page"]


def page_body(items: list, total: int, query: dict) -> dict[str, Any]:
    """One page of a list, with the link to the next page (same filters) while there is one."""
    following = None
    if offset_of(query) + len(items) < total and items:
        args = request.args.to_dict()
        args.update(page=str(query["page"] + 1), per_page=str(query["per_page"]))
        following = f"{request.path}?{urlencode(args)}"
    return {"items": items, "total": total, "page": query["page"], "per_page": query["per_page"],
            "next": following}


def paged(rows: list, query: dict) -> dict[str, Any]:
    """A page of a list that was read whole (short lists: tokens, definitions, open SLAs)."""
    start = offset_of(query)
    return page_body(rows[start:start + query["per_page"]], len(rows), query)
