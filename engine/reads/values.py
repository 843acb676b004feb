"""A recorded value as a person reads it: the field's label from its form, the option's title or the
person's name it stands for, and what kind of value it is (the web layer words yes/no and dates)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Protocol

from ..people.visibility import MASK

LONG_TEXT = 60  # longer texts (or any with a line break) are shown as a paragraph
KINDS = ("text", "long_text", "yes_no", "choice", "person", "date_time", "number", "list", "masked")


@dataclass(frozen=True)
class ShownValue:
    name: str
    label: str
    kind: str                 # one of KINDS
    value: Any                # as recorded (a date-time as a datetime); MASK when masked
    text: str | None = None   # what the value stands for (an option's title, a person's name), if known
    items: tuple[str, ...] = ()  # a list's values as they read (the web layer joins them)


class Namer(Protocol):
    def person(self, login: str | None) -> str | None: ...

    def known_group(self, name: str) -> str | None: ...


def shown(name: str, value: Any, prop: Mapping[str, Any] | None, names: Namer) -> ShownValue:
    """`value` of the field `name` as its schema `prop` describes it. A person field reads as the person's
    name, and a choice the schema gives no title that names a group (a department) as the group's name."""
    prop = prop or {}
    label = str(prop.get("title") or name)
    if value == MASK:
        return ShownValue(name, label, "masked", value)
    if isinstance(value, bool):
        return ShownValue(name, label, "yes_no", value)
    if isinstance(value, list):
        items = prop.get("items") if isinstance(prop.get("items"), dict) else {}
        return ShownValue(name, label, "list", value, items=tuple(_option_title(items, v) or _text(v) for v in value))
    title = _option_title(prop, value)
    if title is None and _options(prop) and isinstance(value, str):
        title = names.known_group(value)
    if title is not None or _options(prop):
        return ShownValue(name, label, "choice", value, title)
    if isinstance(prop.get("x-person"), dict) and isinstance(value, str):
        return ShownValue(name, label, "person", value, names.person(value))
    if prop.get("format") == "date-time" and isinstance(value, str):
        try:
            return ShownValue(name, label, "date_time", datetime.fromisoformat(value))
        except ValueError:
            pass
    if isinstance(value, (int, float)):
        return ShownValue(name, label, "number", value)
    if isinstance(value, str):
        long = len(value) > LONG_TEXT or "\n" in value or prop.get("format") == "textarea"
        return ShownValue(name, label, "long_text" if long else "text", value)
    return ShownValue(name, label, "text", value, _text(value))


def _option_title(prop: Mapping[str, Any], value: Any) -> str | None:
    """The title a schema gives the option `value`: `enumNames` beside an `enum`, or a `oneOf`/`anyOf`
    of `const` + `title`."""
    values, titles = prop.get("enum"), prop.get("enumNames")
    if isinstance(values, list) and isinstance(titles, list) and len(values) == len(titles) and value in values:
        return str(titles[values.index(value)])
    for key in ("oneOf", "anyOf"):
        for choice in prop.get(key) or []:
            if isinstance(choice, dict) and "const" in choice and choice["const"] == value and choice.get("title"):
                return str(choice["title"])
    return None


def _options(prop: Mapping[str, Any]) -> bool:
    return isinstance(prop.get("enum"), list) or any(isinstance(prop.get(key), list) for key in ("oneOf", "anyOf"))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def filled(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}
