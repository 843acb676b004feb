"""User-task forms drawn on the server from the task's JSON Schema, and what the browser sends read back.

`form_fields` turns the schema's top-level properties into `FormField`s the template draws;
`to_data` turns the submitted strings into the schema's types (what `WorkDesk.complete` receives);
`problems` checks that data against the schema with messages in the user's language, by field.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any, Mapping

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine import form_validator

from .labels import name_label, value_label

LONG_TEXT = 200  # strings allowed to be longer than this get a textarea
WHOLE_NUMBER = re.compile(r"^[+-]?\d+$")
Values = dict[str, "str | list[str]"]


@dataclass(frozen=True)
class Option:
    value: str          # what the browser sends
    label: str
    data: Any           # the JSON value it stands for


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    help: str | None
    widget: str         # text, email, textarea, select, yesno, number, date, datetime, choices, json
    required: bool
    options: tuple[Option, ...] = ()
    integer: bool = False
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None


def form_fields(schema: Mapping[str, Any] | None) -> list[FormField]:
    """One field per top-level property, in the schema's order."""
    if not schema:
        return []
    required = set(schema.get("required") or [])
    properties = schema.get("properties") or {}
    return [_field(name, prop if isinstance(prop, dict) else {}, name in required)
            for name, prop in properties.items()]


def _field(name: str, prop: dict, required: bool) -> FormField:
    label = name_label(str(prop.get("title") or name))
    help_text = name_label(prop["description"]) if isinstance(prop.get("description"), str) else None
    kind = _type_of(prop)
    options = _options(prop, name)
    if kind == "array":
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        item_options = _options(items, name)
        if item_options:
            return FormField(name, label, help_text, "choices", required, item_options)
        return FormField(name, label, help_text, "json", required)
    if options:
        return FormField(name, label, help_text, "select", required, options)
    if kind == "boolean":
        return FormField(name, label, help_text, "yesno", required)
    if kind in ("integer", "number"):
        return FormField(name, label, help_text, "number", required, integer=kind == "integer",
                         minimum=prop.get("minimum"), maximum=prop.get("maximum"))
    if kind == "string":
        text_format = prop.get("format")
        max_length = prop.get("maxLength")
        if text_format == "date-time":
            widget = "datetime"
        elif text_format in ("date", "email"):
            widget = text_format
        elif text_format == "textarea" or (max_length or 0) > LONG_TEXT:
            widget = "textarea"
        else:
            widget = "text"
        return FormField(name, label, help_text, widget, required, max_length=max_length)
    return FormField(name, label, help_text, "json", required)


def _type_of(prop: dict) -> str | None:
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and prop.get("enum"):
        first = prop["enum"][0]
        kind = ("boolean" if isinstance(first, bool) else "integer" if isinstance(first, int)
                else "number" if isinstance(first, float) else "string")
    return kind


def _options(prop: dict, field: str) -> tuple[Option, ...]:
    """An `enum` (labelled by `enumNames` when given, else by the field's value labels), or a
    `oneOf`/`anyOf` of `const` + `title`; labels in the reader's language."""
    if isinstance(prop.get("enum"), list):
        values = prop["enum"]
        names = prop.get("enumNames")
        labels = ([name_label(str(n)) for n in names] if isinstance(names, list) and len(names) == len(values)
                  else [value_label(field, v) for v in values])
        return tuple(Option(_as_text(v), label, v) for v, label in zip(values, labels) if v is not None)
    for key in ("oneOf", "anyOf"):
        choices = prop.get(key)
        if isinstance(choices, list) and choices and all(isinstance(c, dict) and "const" in c for c in choices):
            return tuple(Option(_as_text(c["const"]), name_label(str(c.get("title") or _as_text(c["const"]))),
                                c["const"])
                         for c in choices)
    return ()


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# --- values as the page shows them ------------------------------------------------------------

def initial_values(fields: list[FormField], schema: Mapping[str, Any] | None, zone: tzinfo) -> Values:
    """The schema's `default`s, written the way the inputs show them."""
    properties = (schema or {}).get("properties") or {}
    values: Values = {}
    for field in fields:
        prop = properties.get(field.name)
        default = prop.get("default") if isinstance(prop, dict) else None
        if default is None:
            continue
        if field.widget == "choices":
            values[field.name] = [_as_text(v) for v in default] if isinstance(default, list) else []
        elif field.widget == "yesno":
            values[field.name] = "true" if default is True else "false" if default is False else ""
        elif field.widget == "datetime":
            values[field.name] = _local_input(default, zone)
        elif field.widget == "json":
            values[field.name] = json.dumps(default, ensure_ascii=False)
        else:
            values[field.name] = _as_text(default)
    return values


def _local_input(value: Any, zone: tzinfo) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(zone)
    return moment.strftime("%Y-%m-%dT%H:%M")


def submitted_values(fields: list[FormField], form: MultiDict) -> Values:
    """Exactly what the user typed or chose, to show it again when the form comes back with errors."""
    return {field.name: form.getlist(field.name) if field.widget == "choices" else form.get(field.name, "")
            for field in fields}


# --- reading a submission -----------------------------------------------------------------------

def to_data(fields: list[FormField], values: Values, zone: tzinfo) -> tuple[dict[str, Any], dict[str, str]]:
    """The submission in the schema's types, and the fields whose text could not be read as their type.

    An empty input leaves its field out (so `required` reports it); a checkbox list is always sent.
    """
    data: dict[str, Any] = {}
    unreadable: dict[str, str] = {}
    for field in fields:
        raw = values.get(field.name)
        if field.widget == "choices":
            chosen = raw if isinstance(raw, list) else []
            by_value = {option.value: option.data for option in field.options}
            if any(value not in by_value for value in chosen):
                unreadable[field.name] = _("Choose from the listed options.")
            else:
                data[field.name] = [by_value[value] for value in chosen]
            continue
        text = (raw if isinstance(raw, str) else "").strip()
        if not text:
            continue
        try:
            data[field.name] = _read(field, text, zone)
        except ValueError as problem:
            unreadable[field.name] = str(problem)
    return data, unreadable


def _read(field: FormField, text: str, zone: tzinfo) -> Any:
    if field.widget == "select":
        option = next((o for o in field.options if o.value == text), None)
        if option is None:
            raise ValueError(_("Choose one of the listed options."))
        return option.data
    if field.widget == "yesno":
        if text not in ("true", "false"):
            raise ValueError(_("Choose yes or no."))
        return text == "true"
    if field.widget == "number":
        return _number(text, field.integer)
    if field.widget == "datetime":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(_("Enter a date and time.")) from None
        return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).isoformat(timespec="seconds")
    if field.widget == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date.")) from None
    if field.widget == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            raise ValueError(_("Enter valid JSON.")) from None
    return text


def _number(text: str, integer: bool) -> int | float:
    if WHOLE_NUMBER.match(text) and len(text) <= 30:
        return int(text)
    if integer:
        raise ValueError(_("Enter a whole number."))
    try:
        number = float(text)
    except ValueError:
        raise ValueError(_("Enter a number.")) from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(_("Enter a number."))
    return number


# --- checking against the schema -----------------------------------------------------------------

def problems(schema: Mapping[str, Any] | None, data: dict[str, Any]) -> dict[str, str]:
    """What breaks the schema, by field ("" for the form as a whole), in the user's language."""
    if not schema:
        return {}
    found: dict[str, str] = {}
    validator = form_validator(schema)
    for error in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.path]):
        where = ".".join(str(p) for p in error.path)
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    found.setdefault(f"{where}.{name}" if where else name, _("This field is required."))
            continue
        found.setdefault(where, _message(error.validator, error.validator_value, error.message))
    return found


def _message(rule: str, limit: Any, original: str) -> str:
    if rule == "minLength":
        return _("Enter at least %(n)d characters.", n=limit) if limit > 1 else _("This field is required.")
    if rule == "maxLength":
        return _("Enter at most %(n)d characters.", n=limit)
    if rule in ("pattern", "format"):
        return _("This is not in the expected format.")
    if rule in ("enum", "const"):
        return _("Choose one of the listed options.")
    if rule in ("minimum", "exclusiveMinimum"):
        return _("Enter %(n)s or more.", n=limit) if rule == "minimum" else _("Enter more than %(n)s.", n=limit)
    if rule in ("maximum", "exclusiveMaximum"):
        return _("Enter %(n)s or less.", n=limit) if rule == "maximum" else _("Enter less than %(n)s.", n=limit)
    if rule == "minItems":
        return _("Choose at least %(n)d.", n=limit)
    if rule == "maxItems":
        return _("Choose at most %(n)d.", n=limit)
    if rule == "type":
        return _("This value has the wrong type.")
    return original
