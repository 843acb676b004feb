"""Reading a supervisor limit from what a diagram copied when its instance started.

Diagrams copy the branch's settings (`limits = branch_settings()`, engine/branch_settings.py), where the
supervisor limits are named `supervisor_*`; an instance started before that holds them as `policy`,
without the prefix, and its diagram's version passes that to the same helpers.
"""
from __future__ import annotations

from typing import Mapping


def limit(limits: Mapping, name: str) -> object:
    """The limit `name` (e.g. "term_years") from copied branch settings or an older instance's policy."""
    prefixed = "supervisor_" + name
    return limits[prefixed] if prefixed in limits else limits[name]
