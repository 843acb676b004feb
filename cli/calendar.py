"""`sqflow calendar load FILE` and `sqflow calendar show YEAR`: the official working-day schedules;
and the warning long-running commands print when a year near now is not loaded."""
from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from engine.calendar import (FILE_FORMAT, CalendarYearUnknown, loaded_year, package_knows, read_schedule, save_schedule,
                             statutory_holidays)
from engine.errors import InvalidInputError
from engine.reads import CalendarOutlook, calendar_outlook

from .inputs import JsonFlagParser, default_user, read_file


if TYPE_CHECKING:
    from .main import Context


def add_calendar_arguments(sub) -> None:
    actions = sub.add_subparsers(dest="action", required=True, metavar="ACTION",
                                 parser_class=JsonFlagParser)
    load = actions.add_parser("load", help="load a year's official schedule from a JSON file",
                              description=f"File format: {FILE_FORMAT}")
    load.add_argument("file", metavar="FILE")
    load.add_argument("--as", dest="user", default=default_user(), metavar="USER")
    show = actions.add_parser("show", help="a year's days off and adjusted working days, and where they come from")
    show.add_argument("year", type=int, metavar="YEAR")


def cmd_calendar(ctx: "Context", args) -> int:
    return _load(ctx, args) if args.action == "load" else _show(ctx, args)


def _load(ctx: "Context", args) -> int:
    path = Path(args.file)
    content = read_file(path)
    schedule, source = read_schedule(path.name, content)
    with ctx.sessions.begin() as session:
        replaced = save_schedule(session, schedule, source, args.user, ctx.engine.clock.now())
        ctx.engine.refresh_calendar(session)
        recomputed = ctx.engine.slas.recompute_provisional(session, ctx.engine.clock.now())
    verb = "replaced" if replaced else "loaded"
    summary = {"year": schedule.year, "holidays": len(schedule.holidays), "workdays": len(schedule.workdays),
               "source": source, "replaced": replaced, "provisional_deadlines_recomputed": recomputed}
    if ctx.out.as_json:
        ctx.out.json(summary)
    else:
        print(f"{verb} {schedule.year}: {len(schedule.holidays)} days off, "
              f"{len(schedule.workdays)} adjusted working days ({source})")
        if recomputed:
            print(f"recomputed {recomputed} provisional deadline(s)")
    return 0


def _show(ctx: "Context", args) -> int:
    with ctx.sessions.begin() as session:
        row = loaded_year(session, args.year)
    calendar = ctx.engine.calendar
    provisional = row is None and not package_knows(args.year)
    if row is not None:
        origin = f"loaded by {row.loaded_by} ({row.source})"
    elif not provisional:
        origin = "chinese-calendar package"
    else:
        origin = ("not loaded: provisional, the statutory holidays only (no 调休 swaps): "
                  + ", ".join(f"{day:%m-%d} {name}" for day, name in statutory_holidays(args.year).items()))
    off, worked = [], []
    day = date(args.year, 1, 1)
    try:
        while day.year == args.year:
            workday, _ = calendar.is_workday(day)
            if day.weekday() < 5 and not workday:
                off.append(day.isoformat())
            elif day.weekday() >= 5 and workday:
                worked.append(day.isoformat())
            day += timedelta(days=1)
    except CalendarYearUnknown as exc:
        raise InvalidInputError(str(exc)) from None
    if ctx.out.as_json:
        ctx.out.json({"year": args.year, "origin": origin, "provisional": provisional, "weekdays_off": off,
                      "weekend_workdays": worked})
    else:
        print(f"{args.year}: {origin}")
        print(f"  weekdays off ({len(off)}): {', '.join(off)}")
        print(f"  weekend working days, 调休 ({len(worked)}): {', '.join(worked)}")
    return 0



def warn_about_calendar(ctx: "Context") -> None:
    """One line on stderr when a year near now (or reached by an open deadline) is not loaded."""
    with ctx.sessions.begin() as session:
        outlook = calendar_outlook(session, ctx.engine.calendar, ctx.engine.clock.now())
    warning = calendar_warning(outlook)
    if warning:
        print(f"sqflow: warning: {warning}", file=sys.stderr, flush=True)


def calendar_warning(outlook: CalendarOutlook) -> str | None:
    count = f"{outlook.provisional_deadlines} open deadline(s) are provisional"
    if not outlook.unknown_years:
        return f"{count}: run sqflow calendar load again to count them anew" if outlook.provisional_deadlines else None
    years = ", ".join(map(str, outlook.unknown_years))
    what = (f"a deadline reaching into it is refused (SQFLOW_UNKNOWN_YEAR_POLICY=refuse); {count}"
            if outlook.policy == "refuse" else
            f"{count}, counted on its statutory holidays without 调休 until it is")
    return (f"the official holiday schedule of {years} is not loaded (sqflow calendar load FILE, the State "
            f"Council's notice; see the README): {what}")
