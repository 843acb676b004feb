"""Checks on what callers hand the engine."""
from __future__ import annotations

from typing import Any

from ..errors import InvalidInputError


def require_object(data: Any, what: str = "data") -> dict:
    """`data` as a dict ({} for None); anything else is refused naming what it is."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidInputError(f"{what} must be a JSON object, not {type(data).__name__}")
    return data
