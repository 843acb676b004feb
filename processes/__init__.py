"""What each process adds to the engine: helpers offered to diagrams' scripts and expressions, and
assigners (rules for who gets a new task), listeners (reactions to completed tasks) and step reactions
(engine.runtime.reactions).
Composition roots pass them to `Engine`."""
from __future__ import annotations

from typing import Callable


def diagram_helpers() -> dict[str, Callable]:
    from .complaints.appeals import diagram_helpers as complaint_helpers
    from .supervisors import diagram_helpers as supervisor_helpers

    complaints, supervisors = complaint_helpers(), supervisor_helpers()
    clash = set(complaints) & set(supervisors)
    if clash:
        raise RuntimeError(f"two processes offer the diagram helper(s) {sorted(clash)}")
    return {**complaints, **supervisors}


def task_assigners() -> list[Callable]:
    from .complaints.assignment import complaint_assignee

    return [complaint_assignee]


def task_listeners() -> list[Callable]:
    from .supervisors.reports import tell_supervisor_of_the_answer

    return [tell_supervisor_of_the_answer]


def step_reactions() -> list[Callable]:
    from .complaints.reactions import complaint_reactions

    return [complaint_reactions]
