"""SpiffWorkflow's timers read `datetime.now()` inside their own module; during an engine step that
reads the engine's clock instead, so timers are due by the time tests (and workers) say it is."""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, tzinfo
from typing import Iterator

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from ..clock import Clock

_clock: ContextVar[Clock | None] = ContextVar("sqflow_step_clock", default=None)


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:
        clock = _clock.get()
        if clock is None:
            return datetime.now(tz)
        moment = clock.now()
        return moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)


def install() -> None:
    """Point SpiffWorkflow's timer module at the step clock (idempotent)."""
    if spiff_timer.datetime is not _ClockedDatetime:
        spiff_timer.datetime = _ClockedDatetime


@contextmanager
def step_clock(clock: Clock) -> Iterator[None]:
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)
