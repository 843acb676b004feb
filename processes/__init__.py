"""Domain helpers of each process, offered to diagrams' scripts and expressions."""
from __future__ import annotations

from typing import Callable


def diagram_helpers() -> dict[str, Callable]:
    from .complaints.appeals import diagram_helpers as complaint_helpers

    return {**complaint_helpers()}
