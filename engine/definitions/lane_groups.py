"""Deploy refuses a diagram whose lanes or starters name no group: a lane is the inbox of the group
it names (a lane named `=expression` picks its group from the case, so only its value can be
checked), and a `group:` starter says who may start the process."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..errors import DefinitionProblem
from ..people.groups import Groups
from .parsing import ParsedProcess
from .starters import starter_groups


def unknown_lane_problems(session: Session, parsed: list[ParsedProcess]) -> list[DefinitionProblem]:
    """One problem per lane of a user task that names no active group or department."""
    first_use: dict[str, tuple[str, str]] = {}
    for process in parsed:
        for task in process.user_tasks:
            lane = (task.get("lane") or "").strip()
            if lane and not lane.startswith("="):
                first_use.setdefault(lane, (process.files[0].name, task["id"]))
    starters: dict[str, tuple[str, str]] = {}
    for process in parsed:
        for group in sorted(starter_groups(process.starters)):
            starters.setdefault(group, (process.files[0].name, process.process_id))
    unknown = Groups().unknown(session, set(first_use) | set(starters))
    return [DefinitionProblem(first_use[name][0], f"the lane {name!r} names no group: create the group first "
                              f"(sqflow group add {name} --label …) or rename the lane",
                              element_id=first_use[name][1], code="lane.unknown_group", params={"group": name})
            for name in unknown if name in first_use] + [
        DefinitionProblem(starters[name][0], f"the starter group:{name} names no group: create the group first "
                          f"(sqflow group add {name} --label …) or change the process's starters",
                          element_id=starters[name][1], code="starters.unknown_group", params={"group": name})
        for name in unknown if name in starters and name not in first_use]
