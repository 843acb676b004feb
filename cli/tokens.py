"""`sqflow token ...`: API tokens for a user (create prints the token once), list and revoke them.

For operators, e.g. to give the call-centre software its token; people make their own in the web app.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from engine.people import MAX_TOKEN_DAYS as MAX_DAYS
from engine.people import TOKEN_DAYS as DEFAULT_DAYS
from engine.people import ApiTokens, TokenInfo

from .inputs import JsonFlagParser

if TYPE_CHECKING:
    from .main import Context


def add_token_arguments(sub) -> None:
    actions = sub.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=JsonFlagParser)
    create = actions.add_parser("create", help="create a token for a user and print it (shown this once)")
    create.add_argument("--for", dest="login", required=True, metavar="LOGIN")
    create.add_argument("--name", required=True, help="what the token is for, e.g. call-centre")
    create.add_argument("--days", type=int, default=DEFAULT_DAYS,
                        help=f"valid for N days (1-{MAX_DAYS}, default {DEFAULT_DAYS})")
    listing = actions.add_parser("list", help="a user's tokens, newest first (never the secrets)")
    listing.add_argument("--for", dest="login", required=True, metavar="LOGIN")
    revoke = actions.add_parser("revoke", help="revoke one of a user's tokens")
    revoke.add_argument("token_id", type=int, metavar="ID")
    revoke.add_argument("--for", dest="login", required=True, metavar="LOGIN")


def cmd_token(ctx: "Context", args) -> int:
    tokens = ApiTokens(ctx.engine.desk.directory)
    now = ctx.engine.clock.now()
    with ctx.sessions.begin() as session:
        if args.action == "create":
            created = tokens.create(session, args.login, args.name, now, args.days)
            rows, secret = [created.info], created.token
        elif args.action == "list":
            rows, secret = tokens.list(session, args.login), None
        else:
            rows, secret = [tokens.revoke(session, args.login, args.token_id, now)], None
    if ctx.out.as_json:
        listed = [_json(ctx, row, now) for row in rows]
        ctx.out.json({**listed[0], "token": secret} if secret else listed if args.action == "list" else listed[0])
        return 0
    if secret:
        ctx.out.line(secret)
        ctx.out.line(f"(token #{rows[0].id} of {args.login}, valid until {ctx.out.time(rows[0].expires_at)}: "
                     "keep it now, it is not shown again)")
        return 0
    ctx.out.table(["ID", "NAME", "PREFIX", "STATUS", "CREATED", "EXPIRES", "LAST USED"],
                  [[f"#{r.id}", r.name, r.prefix, r.status(now), ctx.out.time(r.created_at),
                    ctx.out.time(r.expires_at), ctx.out.time(r.last_used_at)] for r in rows], "(no tokens)")
    return 0


def _json(ctx: "Context", row: TokenInfo, now) -> dict:
    return {"id": row.id, "login": row.login, "name": row.name, "prefix": row.prefix, "status": row.status(now),
            "created_at": ctx.out.iso(row.created_at), "expires_at": ctx.out.iso(row.expires_at),
            "revoked_at": ctx.out.iso(row.revoked_at), "last_used_at": ctx.out.iso(row.last_used_at)}
