"""User-task forms as JSON Schema: checked at deployment, enforced when a task is completed.

A task names its form with the SpiffWorkflow property `formJsonSchemaFilename`; the schema file
(`*.schema.json`) is deployed together with the diagram.
"""
from __future__ import annotations

import json
from typing import Any

from jsonschema import exceptions as schema_errors
from jsonschema.validators import validator_for

from ..errors import DefinitionProblem, FormInvalid

FORM_SUFFIX = ".schema.json"


def is_form(name: str) -> bool:
    return name.lower().endswith(FORM_SUFFIX)


def read_form(name: str, content: bytes, max_bytes: int) -> tuple[dict | None, list[DefinitionProblem]]:
    """A form schema, or the problems that keep it from being one."""
    if len(content) > max_bytes:
        return None, [DefinitionProblem(name, f"file is {len(content):,} bytes; the limit is {max_bytes:,}")]
    try:
        schema = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [DefinitionProblem(name, f"not JSON: {exc}", line=getattr(exc, "lineno", None))]
    if not isinstance(schema, dict):
        return None, [DefinitionProblem(name, "a form schema is a JSON object")]
    try:
        validator_for(schema).check_schema(schema)
    except schema_errors.SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "(top)"
        return None, [DefinitionProblem(name, f"not a valid JSON Schema at {where}: {exc.message}")]
    return schema, []


def check_form_data(task_name: str, schema: dict, data: dict[str, Any]) -> None:
    """Refuse `data` that breaks `schema`, naming every offending field."""
    validator = validator_for(schema)(schema)
    fields: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
        path = ".".join(str(p) for p in error.path)
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path = f"{path}.{missing}" if path else missing
            message = "is required"
        else:
            message = error.message
        fields.setdefault(path, message)
    if fields:
        raise FormInvalid(task_name, fields)
