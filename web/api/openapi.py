"""The OpenAPI 3 document, built with apispec from the declared operations and their marshmallow schemas."""
from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from .framework import COMMON_ERRORS, MAX_ID, OPERATIONS, Operation, TASK_REF
from .schemas import ErrorSchema

TITLE = "sqflow API"
VERSION = "1"
OPENAPI_VERSION = "3.0.3"
ERROR_MEANINGS = {
    400: "Bad input (not JSON, a wrong combination of filters, a CSRF token missing from a session call)",
    401: "Not signed in, or the token is unknown, expired or revoked",
    403: "Signed in, but not allowed by the user's roles and groups",
    404: "No such resource (or not one of yours)",
    409: "The action does not fit the current state, or someone else changed it first",
    422: "The data does not validate: `details` names each field",
    429: "Too many requests: wait and retry (see Retry-After)",
}
DESCRIPTION = """\
Drive sqflow from other systems: deploy diagrams, start and move process instances, work tasks,
send messages to running cases, and read SLAs and dashboard figures.

Authenticate with a per-user API token (`Authorization: Bearer sqf_...`, created once under
`/tokens` while signed in to the web app) or with the web session cookie; calls with the session
that change something need the `X-CSRFToken` header. A token acts with its user's roles and groups.

Every error answers `{code, message, details}`; lists answer `{items, total, page, per_page, next}`.
"""


def build_spec(server_url: str) -> dict[str, Any]:
    spec = APISpec(title=TITLE, version=VERSION, openapi_version=OPENAPI_VERSION,
                   plugins=[MarshmallowPlugin()], info={"description": DESCRIPTION},
                   servers=[{"url": server_url}], security=[{"bearerAuth": []}, {"sessionCookie": []}])
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "sqf_..."})
    spec.components.security_scheme("sessionCookie", {"type": "apiKey", "in": "cookie", "name": "session"})
    spec.components.schema("Error", schema=ErrorSchema)
    for status, meaning in ERROR_MEANINGS.items():
        spec.components.response(f"Error{status}", {
            "description": meaning, "content": {"application/json": {"schema": "Error"}}})
    for op in OPERATIONS:
        spec.path(path=op.path, operations={op.method.lower(): _operation(op)})
    return spec.to_dict()


def _operation(op: Operation) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "OK" if op.status == 200 else "Created" if op.status == 201 else "Done"}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": op.response}}
    responses: dict[str, Any] = {str(op.status): success}
    for status, meaning in op.also.items():
        responses[str(status)] = {"description": meaning, **({"content": success["content"]} if op.response else {})}
    for status in sorted({*(() if op.public else COMMON_ERRORS), *op.errors}):
        responses[str(status)] = f"Error{status}"
    responses["default"] = {"description": "Any other error", "content": {"application/json": {"schema": "Error"}}}
    parameters: list[dict[str, Any]] = [_path_param(name, converter) for name, converter in op.path_params()]
    if op.query is not None:
        parameters.append({"in": "query", "schema": op.query})
    parameters.extend(op.headers)
    document: dict[str, Any] = {"tags": [op.tag], "summary": op.summary, "operationId": op.endpoint,
                                "responses": responses}
    if op.description:
        document["description"] = op.description
    if parameters:
        document["parameters"] = parameters
    if op.body is not None:
        required = any(f.required for f in op.body().fields.values())
        document["requestBody"] = {"required": required, "content": {"application/json": {"schema": op.body}}}
    if op.multipart is not None:
        document["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": op.multipart}}}
    if op.public:
        document["security"] = []
    return document


def _path_param(name: str, converter: str) -> dict[str, Any]:
    if converter == "int":
        schema: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": MAX_ID}
    elif name == "task_id":
        schema = {"type": "string", "pattern": TASK_REF.pattern}
    else:
        schema = {"type": "string"}
    return {"in": "path", "name": name, "required": True, "schema": schema}
