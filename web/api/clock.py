"""`/api/v1/clock`: the service's time, and moving it forward on a controlled clock (administrators).

Only a service started with `sqflow serve --controlled-clock` (where SQFLOW_CONTROLLED_CLOCK_ALLOWED
is set) has a clock that moves; anywhere else moving it is refused (409) and nothing changes.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from marshmallow import Schema, ValidationError, fields, validates_schema
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine import ControlledClock, duration_days
from engine.errors import InvalidInputError, RunLimitExceeded, StateError

from .. import runtime
from . import bp
from .access import require_role
from .framework import operation

MAX_ADVANCE_DAYS = 3660


class ClockSchema(Schema):
    now = fields.DateTime(required=True, metadata={"description": "the service's time now"})
    controlled = fields.Boolean(required=True, metadata={"description": "whether an administrator may move it"})
    ahead_seconds = fields.Float(required=True, metadata={"description": "how far it runs ahead of the wall clock"})


class MoveClockBody(Schema):
    advance = fields.String(metadata={"description": "an ISO 8601 duration to move forward by, e.g. PT2H or P3D"})
    set = fields.DateTime(metadata={"description": "a later time to move to, with its offset"})

    @validates_schema
    def one_of_them(self, data: dict, **_) -> None:
        if ("advance" in data) == ("set" in data):
            raise ValidationError("give either advance (e.g. PT2H) or set (e.g. 2027-01-04T09:00:00+08:00)")


def _state() -> dict:
    clock = runtime.engine().clock
    now = clock.now()
    ahead = clock.offset().total_seconds() if isinstance(clock, ControlledClock) else 0.0
    return {"now": now, "controlled": isinstance(clock, ControlledClock), "ahead_seconds": ahead}


@operation(bp, "/clock", "GET", tag="clock", summary="The service's time (administrators)", response=ClockSchema)
def show_clock():
    require_role("admin")
    return _state()


@operation(bp, "/clock", "POST", tag="clock", summary="Move a controlled clock forward (administrators)",
           body=MoveClockBody, response=ClockSchema, errors=(409, 422),
           description="For acceptance tests and training: timers and SLAs then come due as if the time "
                       "had passed. Refused (409) unless the service runs on a controlled clock.")
def move_clock(body: dict):
    admin = require_role("admin")
    clock = runtime.engine().clock
    if not isinstance(clock, ControlledClock):
        raise StateError("this service's clock is the real one: only a service started with "
                         "sqflow serve --controlled-clock lets its time be moved")
    advance = _duration(body["advance"]) if "advance" in body else None
    try:
        with runtime.transaction() as db:
            clock.move(db, by=admin.login, advance=advance, to=body.get("set"))
    except InvalidInputError as refused:
        raise ValidationError({"set" if "set" in body else "advance": [str(refused)]}) from None
    return _state()


def _duration(text: str) -> timedelta:
    try:
        if duration_days(text.strip()) > MAX_ADVANCE_DAYS:
            raise ValidationError({"advance": [f"at most {MAX_ADVANCE_DAYS} days at a time"]})
        parts = TimerEventDefinition.parse_iso_duration(text.strip())
        return TimerEventDefinition.get_timedelta_from_start(parts, datetime.now().astimezone())
    except RunLimitExceeded:
        raise ValidationError({"advance": ["an ISO 8601 duration, e.g. PT2H, P1D or P2DT4H"]}) from None
