"""`sqflow`: validate and deploy diagrams, start and move process instances, read inboxes and history.

Every command opens its own transaction; engine errors become one `sqflow: ...` line on stderr
and an exit code: 1 general / refused definitions, 2 bad input or usage, 3 not found,
4 state or conflict, 5 configuration or database unavailable.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from dataclasses import asdict
from functools import cached_property
from pathlib import Path
from typing import Callable

from engine import (RetentionPurge, Settings, connect, current_revision, migrate, open_database, server_advice,
                    server_settings, without_reprs)
from engine.errors import (ConfigurationError, DatabaseUnavailable, DefinitionError,
                           InvalidInputError, NotFoundError, SqflowError, StateError)
from engine.reads import (INSTANCE_STATES, MAX_PAGE, TASK_STATES, Page, latest_definitions, list_instances, list_tasks,
                          to_json)
from processes import wired_engine

from .bench import add_bench_arguments, cmd_bench
from .calendar import add_calendar_arguments, cmd_calendar
from .demo import DEMO_DIR, cmd_demo
from .doctor import add_check_arguments, cmd_check
from .inputs import default_user, instance_number, parse_data, source_files
from .output import Printer, error, load_zone, one_line, warn
from .releases import cmd_rollback, deploy_with_reason, print_outcomes
from .serve import add_serve_arguments, cmd_serve
from .sla import add_sla_arguments, cmd_sla
from .tokens import add_token_arguments, cmd_token
from .users import add_people_commands
from .worker import add_worker_arguments, cmd_worker


class Context:
    """What a command needs: settings, the engine, output; the database only when first asked for."""

    def __init__(self, args: argparse.Namespace):
        self.settings = Settings.from_env()
        self.out = Printer(args.json, load_zone(self.settings.timezone))
        self.engine = wired_engine(self.settings)

    @cached_property
    def sessions(self):
        sessions = connect(self.settings)
        with sessions.begin() as session:
            self.engine.refresh_calendar(session)
        return sessions

    def warn_about_database_server(self) -> None:
        """Say on stderr what the database server lacks for running sqflow well (long-running commands)."""
        for advice in server_advice(server_settings(self.sessions.kw["bind"])):
            print(f"sqflow: warning: {advice}", file=sys.stderr, flush=True)


# --- commands -----------------------------------------------------------------------------------

def cmd_validate(ctx: Context, args) -> int:
    files = source_files(args.files)
    try:
        parsed = ctx.engine.definitions.validate(files)
    except DefinitionError as exc:
        if ctx.out.as_json:
            ctx.out.json({"ok": False, "problems": [asdict(p) for p in exc.problems]})
        else:
            ctx.out.lines(one_line(p) for p in exc.problems)
        error(f"validation failed: {len(exc.problems)} problem(s)")
        return 1
    report = []
    for source in files:
        processes = [p.process_id for p in parsed if p.files[0].name == source.name]
        used_by = [p.process_id for p in parsed if source.name in (f.name for f in p.files[1:])]
        report.append({"file": source.name, "processes": processes, "used_by": used_by})
    warnings = list(dict.fromkeys(w for p in parsed for w in p.warnings))  # the modeler's lint: shown, not refused
    if ctx.out.as_json:
        ctx.out.json({"ok": True, "files": report, "warnings": [asdict(w) for w in warnings]})
        return 0
    warn(warnings)
    for item in report:
        if item["processes"]:
            ctx.out.line(f"ok: {item['file']}: processes {', '.join(item['processes'])}")
        elif item["used_by"]:
            kind = "form" if item["file"].endswith(".schema.json") else "decisions"
            ctx.out.line(f"ok: {item['file']}: {kind} used by {', '.join(item['used_by'])}")
        else:
            ctx.out.line(f"ok: {item['file']}: no executable process uses this file")
    return 0


def cmd_deploy(ctx: Context, args) -> int:
    files = source_files(args.files)
    if args.reason is not None:
        return deploy_with_reason(ctx, files, args)
    with ctx.sessions.begin() as session:
        outcomes = ctx.engine.definitions.deploy(session, files, deployed_by=args.user)
    return print_outcomes(ctx, outcomes)


def cmd_processes(ctx: Context, args) -> int:
    with ctx.sessions.begin() as session:
        latest = latest_definitions(session)
    if ctx.out.as_json:
        ctx.out.json([{"process_id": d.process_id, "latest_version": d.version, "name": d.name,
                       "definition_id": d.id, "deployed_at": ctx.out.iso(d.deployed_at)} for d in latest])
    else:
        ctx.out.table(["PROCESS", "VERSION", "NAME", "DEPLOYED"],
                      [[d.process_id, d.version, d.name, ctx.out.time(d.deployed_at)] for d in latest],
                      "(no processes deployed)")
    return 0


def cmd_start(ctx: Context, args) -> int:
    data = parse_data(args.data)
    engine = ctx.engine
    with ctx.sessions.begin() as session:
        if engine.instances.declared_starters(session, args.process) is None:
            view = engine.instances.start(session, args.process, started_by=args.user, data=data,
                                          business_key=args.key)
        else:  # the process names its starters: --as must be one of them
            starter = engine.directory.get(session, args.user)
            if starter is None:
                raise InvalidInputError(f"--as {args.user}: no active account has this login (sqflow user list)")
            view = engine.desk.start(session, starter, args.process, data=data, business_key=args.key)
    ctx.out.outcome(view)
    return 0


def cmd_instances(ctx: Context, args) -> int:
    page = Page(args.limit, args.offset)
    with ctx.sessions.begin() as session:
        views = list_instances(session, process_id=args.process, state=args.state,
                               business_key=args.key, version=args.version, page=page)
    if ctx.out.as_json:
        ctx.out.json(to_json(views))
    else:
        ctx.out.instances(views)
    return 0


def cmd_show(ctx: Context, args) -> int:
    with ctx.sessions.begin() as session:
        view = ctx.engine.instances.detail(session, args.instance)
    ctx.out.detail(view)
    return 0


def cmd_tasks(ctx: Context, args) -> int:
    page = Page(args.limit, args.offset)
    with ctx.sessions.begin() as session:
        tasks = list_tasks(session, assignee=args.assignee, groups=args.groups, state=args.state,
                           instance_id=args.instance, page=page)
    if ctx.out.as_json:
        ctx.out.json(to_json(tasks))
    else:
        ctx.out.tasks(tasks)
    return 0


def cmd_complete(ctx: Context, args) -> int:
    data = parse_data(args.data)
    with ctx.sessions.begin() as session:
        task = ctx.engine.instances.task(session, args.task)
        view = ctx.engine.instances.complete_task(session, task.id, by=args.user, data=data)
    ctx.out.outcome(view, f"completed task {task.id} ({task.name})")
    return 0


def cmd_action(ctx: Context, args) -> int:
    data = parse_data(getattr(args, "data", None))
    service = ctx.engine.instances
    with ctx.sessions.begin() as session:
        if args.command == "terminate":
            view = service.terminate(session, args.instance, by=args.user, reason=args.reason)
        elif args.command == "retry":
            view = service.retry(session, args.instance, by=args.user, data=data)
        else:
            view = getattr(service, args.command)(session, args.instance, by=args.user)
    ctx.out.outcome(view)
    return 0


def cmd_message(ctx: Context, args) -> int:
    payload = parse_data(args.data)
    with ctx.sessions.begin() as session:
        view = ctx.engine.instances.send_message(session, args.key, args.message, by=args.user, payload=payload,
                                                 process_id=args.process)
    ctx.out.outcome(view, f"message {args.message} delivered to the case {args.key}")
    return 0


def cmd_migrate(ctx: Context, args) -> int:
    database = open_database(ctx.settings)
    before = current_revision(database)
    migrate(database)
    after = current_revision(database)
    database.dispose()
    if ctx.out.as_json:
        ctx.out.json({"from": before, "to": after})
    else:
        ctx.out.line(f"schema at {after}" + (f" (was {before or 'empty'})" if before != after else ", up to date"))
    return 0


def cmd_purge(ctx: Context, args) -> int:
    purge = RetentionPurge(ctx.engine.clock, args.years or ctx.settings.retention_years)
    with ctx.sessions.begin() as session:
        report = purge.run(session, by=args.user, dry_run=args.dry_run, limit=args.limit)
    if ctx.out.as_json:
        ctx.out.json(to_json(report))
        return 0
    verb = "would purge" if args.dry_run else "purged"
    ctx.out.line(f"{verb} {len(report.cases)} case(s) closed before {report.cutoff:%Y-%m-%d} "
                 f"({purge.years}-year retention, R-CLS-02)")
    ctx.out.table(["INSTANCE", "PROCESS", "KEY", "ENDED", "AUDIT ENTRIES"],
                  [[f"#{c.instance_id}", c.process_id, c.business_key, f"{c.ended_at:%Y-%m-%d}", c.audit_entries]
                   for c in report.cases], "nothing to purge", "  ")
    return 0


# --- wiring -------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print machine-readable JSON instead of text")
    parser = argparse.ArgumentParser(prog="sqflow", description="BPMN process orchestration for service quality.")
    parser.add_argument("--json", action="store_true", default=False, help="print machine-readable JSON")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Callable, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help, description=help)
        sub.set_defaults(handler=handler)
        return sub

    def paging(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--limit", type=int, default=50, help=f"at most N rows (1-{MAX_PAGE}, default 50)")
        sub.add_argument("--offset", type=int, default=0, help="skip the first N rows")

    def user(sub: argparse.ArgumentParser, required: bool = False) -> None:
        sub.add_argument("--as", dest="user", required=required, default=None if required else default_user(),
                         metavar="USER", help="who does this" + ("" if required else " (default: $USER)"))

    data_help = "a JSON object, or @file.json"
    sub = command("validate", cmd_validate, "check .bpmn/.dmn files without deploying them")
    sub.add_argument("files", nargs="+", metavar="FILE")
    sub = command("deploy", cmd_deploy, "deploy .bpmn/.dmn files, or every such file in a directory")
    sub.add_argument("files", nargs="+", metavar="FILE|DIR")
    sub.add_argument("--reason", help="why: kept with the new version (who, when, why)")
    user(sub)
    sub = command("rollback", cmd_rollback, "make an earlier version of a process current again")
    sub.add_argument("process", metavar="PROCESS")
    sub.add_argument("version", type=int, metavar="VERSION")
    sub.add_argument("--reason", required=True, help="why: kept with the version it makes current")
    user(sub)
    command("processes", cmd_processes, "list deployed processes (newest versions)")
    sub = command("start", cmd_start, "start an instance of a process")
    sub.add_argument("process", metavar="PROCESS")
    sub.add_argument("--data", help=data_help)
    sub.add_argument("--key", help="business key, e.g. a ticket number")
    user(sub, required=True)
    sub = command("instances", cmd_instances, "list process instances, newest first")
    sub.add_argument("--process", help="only this process id")
    sub.add_argument("--state", choices=INSTANCE_STATES)
    sub.add_argument("--key", help="only this business key")
    sub.add_argument("--version", type=int, help="only this process version")
    paging(sub)
    sub = command("show", cmd_show, "an instance in detail: tasks, data, history")
    sub.add_argument("instance", type=instance_number, metavar="INSTANCE")
    sub = command("tasks", cmd_tasks, "list human tasks, by due time then age")
    sub.add_argument("--for", dest="assignee", metavar="USER", help="tasks assigned to USER")
    sub.add_argument("--group", dest="groups", action="append", metavar="G", help="tasks of group G (repeatable)")
    sub.add_argument("--state", choices=TASK_STATES, default="open")
    sub.add_argument("--instance", type=instance_number, help="only tasks of this instance")
    paging(sub)
    sub = command("complete", cmd_complete, "complete a task (id or unique prefix of 6+ characters)")
    sub.add_argument("task", metavar="TASK")
    sub.add_argument("--data", help=data_help)
    user(sub, required=True)
    for name, help in [("suspend", "suspend an instance"), ("resume", "resume a suspended instance"),
                       ("terminate", "end an instance now, cancelling its tasks"),
                       ("retry", "run the failed step of an instance in error again")]:
        sub = command(name, cmd_action, help)
        sub.add_argument("instance", type=instance_number, metavar="INSTANCE")
        user(sub)
        if name == "terminate":
            sub.add_argument("--reason", help="why, for the history")
        if name == "retry":
            sub.add_argument("--data", help="data to merge before retrying: " + data_help)
    sub = command("message", cmd_message, "deliver a message to the open case with a business key")
    sub.add_argument("key", metavar="KEY", help="the case's business key, e.g. the complaint number")
    sub.add_argument("message", metavar="MESSAGE", help="the BPMN message name, e.g. customer_called")
    sub.add_argument("--data", help="message payload: " + data_help)
    sub.add_argument("--process", help="the process, when several open cases share the key")
    user(sub, required=True)
    sub = command("demo", cmd_demo, f"deploy the diagrams in {DEMO_DIR.name}/ and start sample work orders")
    user(sub)
    add_bench_arguments(command("bench", cmd_bench, "measure the engine (figures and ratios, side by side)"))
    add_calendar_arguments(command("calendar", cmd_calendar, "official working-day schedules (load, show)"))
    add_worker_arguments(command("worker", cmd_worker, "fire BPMN timers as they come due, until stopped"))
    add_check_arguments(command("check", cmd_check, "find instances whose state and workflow disagree (and --repair them)"))
    command("migrate", cmd_migrate, "bring the database schema to this version's (Alembic)")
    sub = command("purge", cmd_purge, "remove closed cases past the retention period, recording each (R-CLS-02)")
    sub.add_argument("--dry-run", action="store_true", help="list what would go, change nothing")
    sub.add_argument("--years", type=int, help="retention in years (default SQFLOW_RETENTION_YEARS, 5)")
    sub.add_argument("--limit", type=int, default=1000, help="at most N cases per run (default 1000)")
    user(sub)
    add_serve_arguments(command("serve", cmd_serve, "run the web app (and a timer worker) until stopped"))
    add_token_arguments(command("token", cmd_token, "API tokens for a user: create (shown once), list, revoke"))
    add_sla_arguments(command("sla", cmd_sla, "SLA policies and deadlines (load, list, report, pause, resume)"))
    add_people_commands(command)
    return parser


def exit_code(exc: SqflowError) -> int:
    if isinstance(exc, InvalidInputError):
        return 2
    if isinstance(exc, NotFoundError):
        return 3
    if isinstance(exc, StateError):
        return 4
    if isinstance(exc, (DatabaseUnavailable, ConfigurationError)):
        return 5
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed by argparse
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return args.handler(Context(args), args)
    except DefinitionError as exc:
        if len(exc.problems) == 1 and args.command not in ("deploy", "demo"):
            error(str(exc.problems[0]))
        else:
            error(f"deployment refused: {len(exc.problems)} problem(s)")
            for problem in exc.problems:
                print(f"  {one_line(problem)}", file=sys.stderr)
        return 1
    except SqflowError as exc:
        error(str(exc))
        return exit_code(exc)
    except KeyboardInterrupt:
        error("interrupted")
        return 130
    except BrokenPipeError:  # e.g. `sqflow tasks | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:  # a fault of sqflow itself: one line here, the traceback in the log file
        summary = without_reprs(one_line(f"{type(exc).__name__}: {exc}"))[:200]
        error(f"internal error ({summary}); the details are in {log_internal_error(exc, args.command)}")
        return 1


def log_internal_error(exc: Exception, command: str) -> str:
    """Append `exc` with its traceback to the command line's log file; returns the file's path."""
    logger = logging.getLogger("sqflow.cli.internal")
    logger.propagate = False
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "sqflow"
    for folder in (state, Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(folder / "cli.log", encoding="utf-8")
        except OSError:
            continue
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        try:
            logger.error("sqflow %s failed", command, exc_info=exc)
        finally:
            logger.removeHandler(handler)
            handler.close()
        return str(folder / "cli.log")
    return "no log file (no folder is writable)"


if __name__ == "__main__":
    sys.exit(main())
