"""`datetime`, `date` for scripts that read the engine's clock instead of the wall.

They behave as the standard classes (construct, compare, `isinstance`, arithmetic) and produce
plain `datetime.datetime` / `datetime.date` values, so task data stays serializable.
"""
from __future__ import annotations

import datetime as _dt
from typing import Any, Callable

from ..clock import Clock


class _PlainValues(type):
    """Constructing gives the standard type's value; `isinstance` accepts the standard type's values."""

    _standard: type

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._standard(*args, **kwargs)

    def __instancecheck__(cls, value: Any) -> bool:
        return isinstance(value, cls._standard)

    def __getattr__(cls, name: str) -> Any:
        return getattr(cls._standard, name)


def clocked_helpers(clock: Clock) -> dict[str, Callable]:
    def now(tz: _dt.tzinfo | None = None) -> _dt.datetime:
        moment = clock.now()
        return moment.astimezone(tz) if tz is not None else moment.astimezone().replace(tzinfo=None)

    class datetime(metaclass=_PlainValues):
        _standard = _dt.datetime

        @staticmethod
        def now(tz: _dt.tzinfo | None = None) -> _dt.datetime:
            return now(tz)

        @staticmethod
        def today() -> _dt.datetime:
            return now()

        @staticmethod
        def utcnow() -> _dt.datetime:
            return clock.now().astimezone(_dt.timezone.utc).replace(tzinfo=None)

    class date(metaclass=_PlainValues):
        _standard = _dt.date

        @staticmethod
        def today() -> _dt.date:
            return now().date()

    return {"datetime": datetime, "date": date}
