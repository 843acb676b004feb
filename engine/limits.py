"""What one step of an instance may spend, so that no diagram can hold a worker, a lock or the memory.

A step (starting an instance, completing a task, firing a timer, taking a message) runs under a
`StepBudget`: wall time and engine tasks for the whole step, executed lines for each script. The
sandbox (`engine.scripting`) also bounds what single builtins and operators may produce, since
one C-level call such as `10**10**10` never reaches the line counter. Going past any of them
raises `RunLimitExceeded`, which the step records as an error on the instance.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Iterator

from .errors import RunLimitExceeded


@dataclass(frozen=True)
class RunLimits:
    step_seconds: float = 5.0          # wall time of one step, scripts and engine together
    step_tasks: int = 10_000           # engine tasks one step may run (a loop with no end)
    script_lines: int = 1_000_000      # lines one script or expression may execute
    data_bytes: int = 1_000_000        # an instance's data, as JSON
    items: int = 1_000_000             # elements or characters one builtin or operator may produce
    integer_bits: int = 100_000        # size of an integer one operation may produce (about 30,000 digits)
    timer_years: int = 100             # how far ahead a timer may be due
    cycle_seconds: int = 60            # the shortest interval of a cycle timer


class StepBudget:
    """The time and tasks left to the step running in this context."""

    def __init__(self, limits: RunLimits):
        self.limits = limits
        self.deadline = time.monotonic() + limits.step_seconds
        self.tasks = 0

    def task_done(self) -> None:
        self.tasks += 1
        if self.tasks > self.limits.step_tasks:
            raise RunLimitExceeded(
                f"the step ran more than {self.limits.step_tasks:,} tasks without stopping at a wait "
                "(a loop with no end?)")
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise RunLimitExceeded(f"the step ran longer than {self.limits.step_seconds:g} s and was stopped "
                                   "(a loop with no end, or too much work for one step?)")


_current: ContextVar[StepBudget | None] = ContextVar("sqflow_step_budget", default=None)


@contextmanager
def step_budget(limits: RunLimits) -> Iterator[StepBudget]:
    """The budget of the step about to run; a step inside a step shares the outer one."""
    active = _current.get()
    if active is not None:
        yield active
        return
    budget = StepBudget(limits)
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def current_budget(limits: RunLimits) -> StepBudget:
    """The running step's budget, or a budget of its own for an expression evaluated outside a step."""
    return _current.get() or StepBudget(limits)
