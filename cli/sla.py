"""`sqflow sla ...`: load policies, see open deadlines, the monthly department report, pause and resume."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from engine.reads import SLA_STANDINGS, department_month, open_slas, to_json
from processes.complaints.assessment import assess_departments

from .inputs import JsonFlagParser, default_user, read_file, instance_number


if TYPE_CHECKING:
    from .main import Context


def add_sla_arguments(sub) -> None:
    actions = sub.add_subparsers(dest="action", required=True, metavar="ACTION",
                                 parser_class=JsonFlagParser)
    load = actions.add_parser("load", help="load a process's SLA policies from a JSON file (replaces the earlier ones)")
    load.add_argument("file", metavar="FILE")
    load.add_argument("--as", dest="user", default=default_user(), metavar="USER")
    listing = actions.add_parser("list", help="open deadlines, most urgent first")
    listing.add_argument("--standing", choices=SLA_STANDINGS)
    listing.add_argument("--department")
    listing.add_argument("--instance", type=instance_number)
    report = actions.add_parser("report", help="a month per department: on-time rate, average handling time, vendor score")
    report.add_argument("month", metavar="YYYY-MM")
    report.add_argument("--limit-hours", type=float,
                        help="average handling time limit (R-SLA-05); default: SQFLOW_HANDLING_HOURS_LIMIT")
    for name, help in (("pause", "stop the SLA clocks of an instance (e.g. waiting for the customer)"),
                       ("resume", "restart them; their due times move by the time paused")):
        action = actions.add_parser(name, help=help)
        action.add_argument("instance", type=instance_number, metavar="INSTANCE")
        action.add_argument("--as", dest="user", default=default_user(), metavar="USER")
        if name == "pause":
            action.add_argument("--reason")


def cmd_sla(ctx: "Context", args) -> int:
    return {"load": _load, "list": _list, "report": _report, "pause": _pause, "resume": _pause}[args.action](ctx, args)


def _load(ctx: "Context", args) -> int:
    path = Path(args.file)
    content = read_file(path)
    with ctx.sessions.begin() as session:
        loaded = ctx.engine.sla_policies.load(session, path.name, content, args.user, ctx.engine.clock.now())
    if ctx.out.as_json:
        ctx.out.json({"process_id": loaded.process_id, "policies": list(loaded.policy_ids),
                      "replaced": loaded.replaced})
    else:
        print(f"{'replaced' if loaded.replaced else 'loaded'} {len(loaded.policy_ids)} SLA policies for "
              f"{loaded.process_id}: " + ", ".join(loaded.policy_ids)
              + " (new deadlines use them; running ones keep theirs)")
    return 0


def _list(ctx: "Context", args) -> int:
    with ctx.sessions.begin() as session:
        rows = open_slas(session, ctx.engine.clock.now(), standing_is=args.standing, department=args.department,
                         instance_id=args.instance)
    if ctx.out.as_json:
        ctx.out.json(to_json(rows))
        return 0
    ctx.out.table(["INSTANCE", "SLA", "DEPARTMENT", "DUE", "STANDING", "LEFT"], [
        [f"#{r.instance_id}", r.policy_id, r.department or "-",
         ctx.out.due(r.due_at, r.provisional), r.standing, _left(r.seconds_left)]
        for r in rows], "(no open deadlines)")
    return 0


def _left(seconds: int) -> str:
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    hours, minutes = divmod(seconds // 60, 60)
    return f"{sign}{hours}h{minutes:02d}"


def _report(ctx: "Context", args) -> int:
    """The figures the dashboard and GET /api/v1/dashboard show for the month: per work order, one definition
    each (engine.reads.department_month), and the vendor assessment computed from them."""
    rules = ctx.settings.branch
    limit = args.limit_hours or rules.handling_hours_limit
    with ctx.sessions.begin() as session:
        rows = department_month(session, args.month, ctx.settings.zone(), limit)
    scores = {s.department: s for s in assess_departments(rows, replace(rules, handling_hours_limit=limit))}
    if ctx.out.as_json:
        ctx.out.json([{**to_json(r), "vendor_score": scores[r.department].score} for r in rows])
        return 0
    ctx.out.table(["DEPARTMENT", "ENDED", "ON TIME", "及时率", "AVG HOURS", f"OVER {limit:g} H", "SCORE"], [
        [r.department, r.ended, r.on_time, f"{r.on_time_rate:.0%}", f"{r.average_hours:.1f}",
         "yes" if r.over_limit else "no", scores[r.department].score] for r in rows],
        f"(no work orders ended in {args.month})")
    return 0


def _pause(ctx: "Context", args) -> int:
    service = ctx.engine.instances
    with ctx.sessions.begin() as session:
        if args.action == "pause":
            count = service.pause_slas(session, args.instance, by=args.user, reason=args.reason)
        else:
            count = service.resume_slas(session, args.instance, by=args.user)
    print(f"{args.action}d {count} SLA clock(s) of instance #{args.instance}")
    return 0
