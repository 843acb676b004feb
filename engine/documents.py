"""Reading the JSON documents operators load (calendar years, SLA policies)."""
from __future__ import annotations

import json

from .errors import InvalidInputError


def load_json_object(name: str, content: bytes, example: str = "") -> dict:
    """A JSON object from a file's bytes (UTF-8, BOM allowed), or InvalidInputError naming the file."""
    hint = f"; expected e.g. {example}" if example else ""
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"{name}: not a JSON document ({exc}){hint}") from None
    if not isinstance(document, dict):
        raise InvalidInputError(f"{name}: a JSON object is expected{hint}")
    return document
