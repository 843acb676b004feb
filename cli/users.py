"""`sqflow user ...` and `sqflow group ...`: people administration without the web.

user add|disable|enable|reset-password|list|import, group add|list. Every change is recorded in the
audit log with the `--as` user as who made it. A password made here is printed once.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from engine.people import GROUP_KINDS as KINDS
from engine.people import (ROLES, GroupSpec, Groups, ImportReport, PeopleAdmin, PersonSpec, RosterInvalid,
                           import_roster, read_roster)
from engine.reads import Account, accounts

from .inputs import JsonFlagParser, default_user, read_file
from .output import error

if TYPE_CHECKING:
    from .main import Context


def add_people_commands(command: Callable) -> None:
    """Register `user` and `group` with build_parser's `command(name, handler, help)`."""
    _user_arguments(command("user", cmd_user, "people's accounts: add, disable, enable, reset-password, list, import"))
    _group_arguments(command("group", cmd_group,
                             "groups and departments (what lanes and SLA policies name): add, list"))


def _user_arguments(sub) -> None:
    actions = sub.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=JsonFlagParser)
    add = actions.add_parser("add", help="add an account; prints its initial password once (changed at first sign-in)")
    add.add_argument("login", metavar="LOGIN")
    add.add_argument("--name", required=True, help="the display name, e.g. 李四")
    add.add_argument("--department", metavar="DEPT", help="a department's code (sqflow group list)")
    add.add_argument("--group", dest="groups", action="append", default=[], metavar="G", help="a group (repeatable)")
    add.add_argument("--role", dest="roles", action="append", choices=ROLES, metavar="ROLE",
                     help=f"repeatable; one of {', '.join(ROLES)} (default handler)")
    add.add_argument("--mail")
    add.add_argument("--password-stdin", action="store_true", help="read the initial password from stdin")
    for name, help in (("disable", "disable an account: its open tasks go back to their groups, its tokens "
                                   "and sessions end"),
                       ("enable", "enable a disabled account again"),
                       ("reset-password", "give a temporary password (printed once) to change at the next sign-in")):
        action = actions.add_parser(name, help=help)
        action.add_argument("login", metavar="LOGIN")
        if name == "reset-password":
            action.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    listing = actions.add_parser("list", help="accounts by login")
    listing.add_argument("--group", help="only members of this group")
    listing.add_argument("--department", help="only people of this department")
    listing.add_argument("--disabled", action="store_true", help="only disabled accounts")
    load = actions.add_parser("import", help="bring the accounts to a roster CSV (see the README); all or nothing")
    load.add_argument("file", metavar="FILE.csv")
    load.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
    for name, action in actions.choices.items():
        if name != "list":
            action.add_argument("--as", dest="user", default=default_user(), metavar="USER",
                                help="who does this, for the record (default: $USER)")


def _group_arguments(sub) -> None:
    actions = sub.add_subparsers(dest="action", required=True, metavar="ACTION", parser_class=JsonFlagParser)
    add = actions.add_parser("add", help="add a group or a department")
    add.add_argument("name", metavar="NAME", help="the code lanes and SLA policies use, e.g. network_dept")
    add.add_argument("--label", required=True, help="what people read, e.g. 网络部")
    add.add_argument("--kind", choices=KINDS, default="group")
    add.add_argument("--department", metavar="DEPT", help="the department a group belongs to")
    add.add_argument("--as", dest="user", default=default_user(), metavar="USER")
    listing = actions.add_parser("list", help="departments, then groups")
    listing.add_argument("--kind", choices=KINDS)


def cmd_user(ctx: "Context", args) -> int:
    admin, now = PeopleAdmin(), ctx.engine.clock.now()
    if args.action == "import":
        return _import(ctx, args, admin)
    if args.action == "list":
        return _list(ctx, args)
    with ctx.sessions.begin() as session:
        if args.action == "add":
            spec = PersonSpec(args.login, args.name, args.department, tuple(args.groups),
                              tuple(args.roles or ["handler"]), args.mail)
            user, password = admin.add(session, spec, by=args.user, now=now, password=_stdin_password(args))
            said = f"added {user.login} ({user.name})"
        elif args.action == "disable":
            done = admin.disable(session, args.login, by=args.user, now=now)
            password, said = None, (f"disabled {args.login}: {len(done.tasks_returned)} open task(s) back to their "
                                    f"groups, {done.tokens_revoked} API token(s) and {done.sessions_revoked} web "
                                    "session(s) ended")
        elif args.action == "enable":
            admin.enable(session, args.login, by=args.user, now=now)
            password, said = None, f"enabled {args.login}"
        else:
            password = admin.reset_password(session, args.login, by=args.user, now=now,
                                            password=_stdin_password(args))
            said = f"reset the password of {args.login}"
    if ctx.out.as_json:
        ctx.out.json({"login": args.login, "done": args.action, **({"password": password} if password else {})})
        return 0
    ctx.out.line(said)
    if password and not args.password_stdin:
        ctx.out.line(f"temporary password: {password}")
        ctx.out.line("(shown this once; it must be changed at the first sign-in)")
    return 0


def cmd_group(ctx: "Context", args) -> int:
    groups = Groups()
    with ctx.sessions.begin() as session:
        if args.action == "add":
            rows = [groups.add(session, GroupSpec(args.name, args.label, args.kind, args.department),
                               by=args.user, now=ctx.engine.clock.now())]
        else:
            rows = groups.list(session, args.kind)
            labels = groups.labels(session)
    if ctx.out.as_json:
        ctx.out.json([{"name": g.name, "label": g.label, "kind": g.kind, "department": g.department,
                       "active": g.active} for g in rows])
    elif args.action == "add":
        ctx.out.line(f"added the {rows[0].kind} {rows[0].name} ({rows[0].label})")
    else:
        ctx.out.table(["NAME", "LABEL", "KIND", "DEPARTMENT", "ACTIVE"],
                      [[g.name, g.label, g.kind, g.department and f"{g.department} ({labels.get(g.department)})",
                        "yes" if g.active else "no"] for g in rows], "(no groups)")
    return 0


def _list(ctx: "Context", args) -> int:
    with ctx.sessions.begin() as session:
        rows = [row for row in accounts(session, active=False if args.disabled else None, department=args.department)
                if not args.group or args.group in (row.groups or [])]
        listed = [{"login": r.login, "name": r.name, "department": r.department, "groups": sorted(r.groups or []),
                   "roles": sorted(r.roles or []), "mail": r.email, "state": _state(r), "source": r.source}
                  for r in rows]
    if ctx.out.as_json:
        ctx.out.json(listed)
    else:
        ctx.out.table(["LOGIN", "NAME", "DEPARTMENT", "GROUPS", "ROLES", "MAIL", "STATE", "SOURCE"],
                      [[p["login"], p["name"], p["department"], ",".join(p["groups"]), ",".join(p["roles"]),
                        p["mail"], p["state"], p["source"]] for p in listed], "(no accounts)")
    return 0


def _state(row: Account) -> str:
    if not row.active:
        return "disabled"
    if not row.has_password:
        return "no password yet"
    return "must change password" if row.must_change_password else "active"


def _import(ctx: "Context", args, admin: PeopleAdmin) -> int:
    path = Path(args.file)
    content = read_file(path)
    try:
        with ctx.sessions.begin() as session:
            lines = read_roster(session, path.name, content)
            report = import_roster(session, lines, by=args.user, now=ctx.engine.clock.now(), dry_run=args.dry_run,
                                   admin=admin)
    except RosterInvalid as exc:
        error(f"{path.name}: nothing imported: {len(exc.problems)} problem(s)")
        print(str(exc).split("\n", 1)[1], file=sys.stderr)
        return 2
    if ctx.out.as_json:
        ctx.out.json({"file": path.name, "dry_run": report.dry_run, "lines": report.lines, "added": report.added,
                      "changed": report.changed, "disabled": report.disabled, "enabled": report.enabled,
                      "unchanged": report.unchanged, "tasks_returned": report.tasks_returned})
        return 0
    ctx.out.lines(describe(path.name, report))
    return 0


def describe(name: str, report: ImportReport) -> list[str]:
    """What an import did (or, dry, would do), for people."""
    if not report.changes_anything:
        return [f"{name}: no changes: all {report.lines} people are already as the file says"]
    verb = "would be" if report.dry_run else "were"
    lines = [f"{name}: {report.lines} people: {len(report.added)} added, {len(report.changed)} changed, "
             f"{len(report.disabled)} disabled, {len(report.enabled)} enabled, {report.unchanged} unchanged"
             + (" (dry run: nothing was changed)" if report.dry_run else "")]
    for login, changes in list(report.changed.items())[:20]:
        lines.append(f"  {login}: " + "; ".join(f"{key} {before!r} -> {after!r}" for key, (before, after)
                                                 in changes.items()))
    if len(report.changed) > 20:
        lines.append(f"  … and {len(report.changed) - 20} more changed")
    if report.disabled:
        lines.append(f"  disabled: {', '.join(report.disabled)}"
                     + (f" ({report.tasks_returned} open task(s) back to their groups)" if not report.dry_run else ""))
    if report.added:
        lines.append(f"  new accounts {verb} created without a password: give each person a temporary one with "
                     "`sqflow user reset-password LOGIN` (or on the web, 人员管理)")
    return lines


def _stdin_password(args) -> str | None:
    if not getattr(args, "password_stdin", False):
        return None
    return sys.stdin.readline().rstrip("\r\n")
