"""`sqflow demo`: deploy the diagrams in `bpmn/` and start a few work orders in varied states."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from engine import next_case_key
from engine.reads import InstanceView, to_json

from processes.complaints import demo as complaint_demo
from processes.demo_people import DEMO_PASSWORD, DEMO_USERS, seed_people
from processes.supervisors.demo import DEMO_SUPERVISORS, seed_supervisors

from .inputs import DIAGRAM_SUFFIXES, source_files
from .output import error

if TYPE_CHECKING:
    from .main import Context

DEMO_DIR = Path(__file__).resolve().parents[1] / "bpmn"
KEY_PREFIX = "WO-2026-"
DEMO_CASES = [  # description, tasks to complete, then suspend?
    ("朝阳区宽带断网", 0, False),
    ("账单疑问", 1, False),
    ("海淀区宽带断网", 2, False),
    ("信号差，未断网", 3, False),
    ("账单疑问，第二次来电", 1, True),
]
DEMO_TASK_DATA = {"reply": {"answer": "已处理，并与客户确认"}, "callback": {"reached": True}}
DEMO_PEOPLE = {"network_dept": "li.wei", "front_desk": "zhang.min"}  # who works each lane of the work order
DEMO_STARTER, DEMO_MANAGER = "zhang.min", "ma.manager"  # demo accounts: who takes the calls, who suspends


def cmd_demo(ctx: Context, args) -> int:
    if not DEMO_DIR.is_dir() or not any(p.name.lower().endswith(DIAGRAM_SUFFIXES) for p in DEMO_DIR.rglob("*")):
        error(f"nothing to demo: no .bpmn or .dmn files in {DEMO_DIR}")
        return 1
    files = source_files([str(DEMO_DIR)], base=DEMO_DIR)
    with ctx.sessions.begin() as session:
        seed_people(session, ctx.engine.clock.now(), ctx.engine.desk.directory)  # and the groups the lanes name
        outcomes = ctx.engine.definitions.deploy(session, files, deployed_by=args.user)
        first = int(next_case_key(session, KEY_PREFIX)[len(KEY_PREFIX):])
    if any(o.process_id == "supervisor_term" for o in outcomes):
        seed_supervisors(ctx.engine, ctx.sessions, ctx.engine.clock.now(), ctx.engine.desk.directory)
    views: list[InstanceView] = []
    if any(o.process_id == "work_order" for o in outcomes):
        for number, (description, steps, suspend) in enumerate(DEMO_CASES, start=first):
            with ctx.sessions.begin() as session:
                views.append(_demo_instance(ctx, session, f"{KEY_PREFIX}{number:04d}", description, steps, suspend))
    complaints: list[InstanceView] = []
    if any(o.process_id == "complaint" for o in outcomes):
        complaints = complaint_demo.seed(ctx.engine, ctx.sessions, ctx.engine.clock.now())
    if ctx.out.as_json:
        ctx.out.json({"deployed": [asdict(o) for o in outcomes], "instances": to_json(views),
                      "complaints": to_json(complaints),
                      "users": [{"login": u[0], "roles": list(u[2]), "groups": list(u[3])} for u in DEMO_USERS],
                      "password": DEMO_PASSWORD})
        return 0
    ctx.out.lines(o.describe() for o in outcomes)
    if not views:
        ctx.out.line("work_order is not among the deployed processes: no demo instances started")
        return 0
    ctx.out.line()
    ctx.out.table(["INSTANCE", "KEY", "STATE", "WAITING AT"],
                  [[f"#{v.id}", v.business_key, v.state, ", ".join(t.name for t in v.open_tasks)] for v in views], "")
    if complaints:
        ctx.out.line()
        ctx.out.table(["COMPLAINT", "KEY", "STATE", "WAITING AT"],
                      [[f"#{v.id}", v.business_key, v.state, ", ".join(t.name for t in v.open_tasks) or "-"]
                       for v in complaints], "")
    ctx.out.line()
    print_demo_logins(ctx)
    ctx.out.line()
    ctx.out.line("try: sqflow tasks --group first_responder   sqflow sla list --standing breached   "
                 "sqflow show " + str((complaints or views)[0].id))
    return 0


def _demo_instance(ctx: Context, session: Session, key: str, description: str, steps: int,
                   suspend: bool) -> InstanceView:
    """A work order taken by the demo's front desk and worked by the people of its lanes (real accounts)."""
    service = ctx.engine.instances
    view = service.start(session, "work_order", started_by=DEMO_STARTER, business_key=key,
                         data={"description": description, "category": "complaint"})
    for _ in range(steps):
        if view.state != "active" or not view.open_tasks:
            break
        task = view.open_tasks[0]
        view = service.complete_task(session, task.id, by=task.assignee or DEMO_PEOPLE[task.candidate_group or ""],
                                     data=DEMO_TASK_DATA.get(task.element_id, {}))
    if suspend and view.state == "active":
        view = service.suspend(session, view.id, by=DEMO_MANAGER)
    return view


def print_demo_logins(ctx: Context) -> None:
    ctx.out.line(f"demo logins (password for all: {DEMO_PASSWORD}):")
    ctx.out.table(["LOGIN", "ROLES", "GROUPS", "WHO"],
                  [[login, ",".join(roles), ",".join(groups) or "-", who]
                   for login, _, roles, groups, who in DEMO_USERS]
                  + [[login, "supervisor", "-", f"service-quality supervisor {name}"]
                     for login, name, _ in DEMO_SUPERVISORS], "", "  ")
