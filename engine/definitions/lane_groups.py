"""Deploy refuses a diagram whose lanes name no group: a lane is the inbox of the group it names
(a lane named `=expression` picks its group from the case, so only its value can be checked)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..errors import DefinitionProblem
from ..people.groups import Groups
from .parsing import ParsedProcess


def unknown_lane_problems(session: Session, parsed: list[ParsedProcess]) -> list[DefinitionProblem]:
    """One problem per lane of a user task that names no active group or department."""
    first_use: dict[str, tuple[str, str]] = {}
    for process in parsed:
        for task in process.user_tasks:
            lane = (task.get("lane") or "").strip()
            if lane and not lane.startswith("="):
                first_use.setdefault(lane, (process.files[0].name, task["id"]))
    return [DefinitionProblem(first_use[lane][0], f"the lane {lane!r} names no group: create the group first "
                              f"(sqflow group add {lane} --label …) or rename the lane",
                              element_id=first_use[lane][1])
            for lane in Groups().unknown(session, first_use)]
