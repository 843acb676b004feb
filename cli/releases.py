"""`sqflow deploy --reason` and `sqflow rollback`: deployments recorded with who, when and why
(`Engine.releases`)."""
from __future__ import annotations

from dataclasses import asdict

from .output import warn


def deploy_with_reason(ctx, files, args) -> int:
    with ctx.sessions.begin() as session:
        outcomes = ctx.engine.releases.deploy_confirmed(session, files, args.user, args.reason)
    return print_outcomes(ctx, outcomes)


def print_outcomes(ctx, outcomes) -> int:
    """What a deployment did, per process, and the drawing advice that came with what was deployed (on
    stderr; an unchanged process's advice is in --json and `sqflow validate`)."""
    if ctx.out.as_json:
        ctx.out.json([asdict(o) for o in outcomes])
        return 0
    warn(w for o in outcomes if o.changed for w in o.warnings)
    ctx.out.lines(o.describe() for o in outcomes)
    return 0


def cmd_rollback(ctx, args) -> int:
    with ctx.sessions.begin() as session:
        outcome = ctx.engine.releases.roll_back(session, args.process, args.version, args.user, args.reason)
    if ctx.out.as_json:
        ctx.out.json({**asdict(outcome), "content_of": args.version})
    else:
        ctx.out.line(f"{args.process}: version {args.version} is current again, as version {outcome.version}")
    return 0
