"""User-task forms as JSON Schema: checked at deployment, enforced when a task is completed.

A task names its form with the SpiffWorkflow property `formJsonSchemaFilename`; the schema file
(`*.schema.json`) is deployed together with the diagram. Patterns (`pattern`, `patternProperties`)
are matched by RE2, in time linear in the input: a pattern such as `^(a+)+$` cannot keep a worker
busy, and one that needs backtracking (back-references, look-arounds) is refused at deployment.

A form schema is self-contained: a `$ref` (or `$dynamicRef`, `$recursiveRef`) that does not start
with `#` (a URL, `file:`, a relative file name) is refused at deployment, and the validators never
retrieve anything: a schema stored before that check gets a form error for such a reference.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Iterator

import re2
from jsonschema import exceptions as schema_errors
from jsonschema.protocols import Validator
from jsonschema.validators import extend, validator_for
from referencing import Registry
from referencing.exceptions import NoSuchResource, Unresolvable

from ..errors import DefinitionProblem, FormInvalid

FORM_SUFFIX = ".schema.json"


def is_form(name: str) -> bool:
    return name.lower().endswith(FORM_SUFFIX)


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
_ECMA_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


@lru_cache(maxsize=1024)
def linear_pattern(pattern: str):
    """`pattern` compiled by RE2 (JSON Schema's `\\uXXXX` escapes read as RE2's `\\x{XXXX}`); re2.error
    when it needs a feature RE2 does not have."""
    return re2.compile(_ECMA_ESCAPE.sub(r"\\x{\1}", pattern), _RE2_OPTIONS)


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not linear_pattern(pattern).search(instance):
        yield schema_errors.ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator, patterns, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if linear_pattern(pattern).search(key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


REFERENCE_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")


def is_inside(reference: Any) -> bool:
    """A reference into the schema itself (`#`, `#/...`, `#anchor`), never to another document."""
    return isinstance(reference, str) and reference.startswith("#")


def _refuse_retrieval(uri: str):
    raise NoSuchResource(ref=uri)


NOTHING_OUTSIDE = Registry(retrieve=_refuse_retrieval)


def _inside_only(keyword: str, check):
    def checked(validator, reference, instance, schema):
        if not is_inside(reference):
            yield schema_errors.ValidationError(
                f"the form refers to a schema outside itself ({keyword}), so this value cannot be checked")
            return
        try:
            yield from check(validator, reference, instance, schema)
        except Unresolvable:
            yield schema_errors.ValidationError(
                f"the form's {keyword} {reference!r} leads nowhere, so this value cannot be checked")
    return checked


@lru_cache(maxsize=None)
def _form_validator_class(base: type) -> type:
    keywords = {"pattern": _pattern, "patternProperties": _pattern_properties}
    keywords.update({k: _inside_only(k, base.VALIDATORS[k]) for k in REFERENCE_KEYWORDS if k in base.VALIDATORS})
    return extend(base, keywords)


def form_validator(schema: dict) -> Validator:
    """The validator every check of form data uses: RE2 patterns, and no reference leaves the schema."""
    return _form_validator_class(validator_for(schema))(schema, registry=NOTHING_OUTSIDE)


def _entries(node: Any, where: str = "") -> Iterator[tuple[str, str, Any]]:
    """Every (path of the object, key, value) in a JSON document, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield where, key, value
            yield from _entries(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _entries(item, f"{where}/{index}")


def _patterns(schema: dict) -> list[tuple[str, str]]:
    found = []
    for where, key, value in _entries(schema):
        if key == "pattern" and isinstance(value, str):
            found.append((where or "(top)", value))
        elif key == "patternProperties" and isinstance(value, dict):
            found.extend((f"{where}/patternProperties", p) for p in value)
    return found


def _reference_problems(name: str, schema: dict) -> list[DefinitionProblem]:
    """References that leave the schema, and (when no part of it has an `$id` of its own) those that
    lead nowhere in it. `schema` is a valid JSON Schema."""
    problems = []
    entries = list(_entries(schema))
    nested_ids = any(key in ("$id", "id") and where for where, key, _ in entries)
    resolver = form_validator(schema)._resolver
    for where, key, value in entries:
        if key not in REFERENCE_KEYWORDS:
            continue
        if not is_inside(value):
            problems.append(DefinitionProblem(
                name, f"{key} {value!r} at {where or '(top)'} points outside the form schema; "
                      "a form is self-contained: refer only to its own parts (#/...)",
                code="form.outside_ref", params={"key": key, "value": str(value), "where": where or "/"}))
        elif resolver is not None and not nested_ids and key == "$ref":
            try:
                resolver.lookup(value)
            except Unresolvable:
                problems.append(DefinitionProblem(name, f"$ref {value!r} at {where or '(top)'} leads nowhere",
                                                  code="form.dangling_ref",
                                                  params={"value": str(value), "where": where or "/"}))
    return problems


def read_form(name: str, content: bytes, max_bytes: int) -> tuple[dict | None, list[DefinitionProblem]]:
    """A form schema, or the problems that keep it from being one."""
    if len(content) > max_bytes:
        return None, [DefinitionProblem(name, f"file is {len(content):,} bytes; the limit is {max_bytes:,}",
                                        code="file.too_large",
                                        params={"size": f"{len(content):,}", "limit": f"{max_bytes:,}"})]
    try:
        schema = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [DefinitionProblem(name, f"not JSON: {exc}", line=getattr(exc, "lineno", None),
                                        code="form.not_json")]
    if not isinstance(schema, dict):
        return None, [DefinitionProblem(name, "a form schema is a JSON object", code="form.not_object")]
    if "$schema" in schema and validator_for(schema, default=None) is None:
        return None, [DefinitionProblem(name, f"$schema {schema['$schema']!r} is not a JSON Schema draft this "
                                              "service knows: leave it out or name a published draft",
                                        code="form.unknown_draft", params={"draft": str(schema["$schema"])})]
    try:
        validator_for(schema).check_schema(schema)
    except schema_errors.SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "(top)"
        return None, [DefinitionProblem(name, f"not a valid JSON Schema at {where}: {exc.message}",
                                        code="form.invalid_schema", params={"where": where})]
    problems = _reference_problems(name, schema)
    for where, pattern in _patterns(schema):
        try:
            linear_pattern(pattern)
        except re2.error as exc:
            reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
            problems.append(DefinitionProblem(
                name, f"the pattern {pattern!r} at {where} cannot be matched in linear time ({reason}); "
                      "write it without back-references or look-arounds",
                code="form.pattern", params={"pattern": pattern, "where": where}))
    return (None, problems) if problems else (schema, [])


def check_form_data(task_name: str, schema: dict, data: dict[str, Any]) -> None:
    """Refuse `data` that breaks `schema`, naming every offending field."""
    validator = form_validator(schema)
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
