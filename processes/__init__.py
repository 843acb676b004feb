"""What each process adds to the engine: helpers offered to diagrams' scripts and expressions, and
assigners (rules for who gets a new task), listeners (reactions to completed tasks), step reactions
(engine.runtime.reactions) and how cases are numbered. `wired_engine` is the one place they are put
together: the web app, the CLI, the demo, the tests and the benches all take their engine from it."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from engine import Clock, Engine, Settings


def wired_engine(settings: "Settings", clock: "Clock | None" = None) -> "Engine":
    """The engine with every process's parts."""
    from engine import Engine

    return Engine(settings, clock, helpers=diagram_helpers(), assigners=task_assigners(), listeners=task_listeners(),
                  reactions=step_reactions(), case_keys=case_keys())


def case_keys() -> dict[str, str]:
    from .complaints.reactions import KEY_PREFIX, PROCESS

    return {PROCESS: KEY_PREFIX}


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
