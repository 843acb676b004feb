"""`sqflow check [--repair]`: instances that break the invariant (completed exactly when the workflow is;
active only while waiting on something), and mending those whose workflow has ended."""
from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from .inputs import default_user, instance_number

if TYPE_CHECKING:
    from .main import Context


def add_check_arguments(sub) -> None:
    sub.add_argument("--repair", action="store_true",
                     help="close the instances whose workflow has ended and cancel tasks left open on closed cases, "
                          "recording each in the audit log")
    sub.add_argument("--instance", type=instance_number, action="append", metavar="INSTANCE",
                     help="only this instance (repeatable)")
    sub.add_argument("--as", dest="user", default=default_user(), metavar="USER")


def cmd_check(ctx: "Context", args) -> int:
    """Exit 0 when nothing is left broken, 1 when findings remain (after --repair, those it could not mend)."""
    check = ctx.engine.consistency
    with ctx.sessions.begin() as session:
        findings = check.find(session, args.instance)
    repaired = []
    if args.repair:
        for finding in findings:
            if finding.repairable:
                with ctx.sessions.begin() as session:
                    if check.repair(session, finding, by=args.user):
                        repaired.append(finding)
    left = [f for f in findings if f not in repaired]
    if ctx.out.as_json:
        ctx.out.json({"findings": [{**asdict(f), "repairable": f.repairable, "advice": f.advice,
                                    "repaired": f in repaired} for f in findings],
                      "repaired": len(repaired), "left": len(left)})
        return 1 if left else 0
    if not findings:
        ctx.out.line("ok: every instance is consistent (completed exactly when its workflow is; "
                     "every active one waits on something)")
        return 0
    ctx.out.table(["INSTANCE", "PROCESS", "KEY", "STATE", "PROBLEM", "WHAT TO DO"],
                  [[f"#{f.instance_id}", f.process_id, f.business_key, f.state, f"{f.problem}: {f.detail}",
                    "repaired" if f in repaired else f.advice] for f in findings], "", "")
    summary = f"{len(findings)} finding(s)"
    if args.repair:
        summary += f", {len(repaired)} repaired, {len(left)} left"
    elif any(f.repairable for f in findings):
        summary += f"; {sum(f.repairable for f in findings)} can be repaired with --repair"
    ctx.out.line(summary)
    return 1 if left else 0
