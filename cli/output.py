"""Rendering for the command line: aligned tables, local times, JSON, and views as human text."""
from __future__ import annotations

import json
import sys
import unicodedata
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.errors import ConfigurationError
from engine.reads import AuditView, InstanceView, TaskView, to_json

DETAILS_WIDTH = 120


def load_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(f"SQFLOW_TIMEZONE={name!r} is not a known time zone (e.g. Asia/Shanghai)") from None


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; the engine stores UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def one_line(text: Any) -> str:
    """Collapse any line breaks so a message always prints as one line."""
    return " ".join(str(text).split())


def display_width(text: str) -> int:
    """Terminal columns taken by `text` (CJK and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 0 if unicodedata.combining(c) else 1
               for c in text)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """Rows as lines of columns padded to the widest cell, two spaces apart, no trailing blanks."""
    cells = [[str(h) for h in headers]] + [["-" if c is None or c == "" else one_line(c) for c in row] for row in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        padded = [cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(padded).rstrip())
    return lines


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def shorten(text: str, width: int = DETAILS_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class Printer:
    """Writes command results to stdout, either for people or as JSON."""

    def __init__(self, as_json: bool, zone: ZoneInfo):
        self.as_json = as_json
        self.zone = zone

    # --- primitives ---------------------------------------------------------------------------

    def line(self, text: str = "") -> None:
        print(text)

    def lines(self, lines: Iterable[str], indent: str = "") -> None:
        for text in lines:
            print(indent + text)

    def json(self, value: Any) -> None:
        print(json.dumps(value, ensure_ascii=False, indent=2, default=str))

    def time(self, moment: datetime | None) -> str:
        """`YYYY-MM-DD HH:MM` in the configured time zone."""
        return "-" if moment is None else utc(moment).astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def due(self, moment: datetime | None, provisional: bool) -> str:
        """A due time; a provisional one (counted on a year whose official schedule is not loaded) says so."""
        return self.time(moment) + (" (provisional)" if provisional and moment is not None else "")

    @staticmethod
    def iso(moment: datetime | None) -> str | None:
        return None if moment is None else utc(moment).isoformat()

    def table(self, headers: Sequence[str], rows: list[Sequence[Any]], empty: str, indent: str = "") -> None:
        if not rows:
            print(indent + empty)
        else:
            self.lines(table(headers, rows), indent)

    # --- views --------------------------------------------------------------------------------

    def tasks(self, tasks: list[TaskView], indent: str = "", empty: str = "(no tasks)") -> None:
        self.table(["ID", "INSTANCE", "NAME", "GROUP", "ASSIGNEE", "CREATED", "DUE"],
                   [[t.id, f"#{t.instance_id}", t.name, t.candidate_group, t.assignee, self.time(t.created_at),
                     self.due(t.due_at, t.due_provisional)] for t in tasks], empty, indent)

    def open_tasks(self, tasks: list[TaskView], indent: str = "  ") -> None:
        if not tasks:
            print(indent + "no open tasks")
            return
        print(indent + "open tasks:")
        self.table(["ID", "NAME", "GROUP"], [[t.id, t.name, t.candidate_group] for t in tasks], "", indent + "  ")

    def instances(self, views: list[InstanceView]) -> None:
        self.table(["ID", "PROCESS", "VERSION", "KEY", "STATE", "STARTED BY", "STARTED", "ENDED"],
                   [[f"#{v.id}", v.process_id, v.version, v.business_key, v.state, v.started_by,
                     self.time(v.started_at), self.time(v.ended_at)] for v in views], "(no instances)")

    def outcome(self, view: InstanceView, headline: str | None = None) -> None:
        """The result of an action on an instance: its state and what is waiting now."""
        if self.as_json:
            self.json(to_json(view))
            return
        if headline:
            print(headline)
        key = f" [{view.business_key}]" if view.business_key else ""
        print(f"instance #{view.id}{key} ({view.process_id} v{view.version}) is {view.state}")
        if view.error_message:
            print(f"  error at {view.error_task or '?'}: {one_line(view.error_message)}")
        if view.state not in ("completed", "terminated"):
            self.open_tasks(view.open_tasks)

    def detail(self, view: InstanceView) -> None:
        if self.as_json:
            self.json(to_json(view))
            return
        print(f"instance #{view.id}  {view.process_id} v{view.version}")
        header = [("state", view.state), ("business key", view.business_key),
                  ("started", f"{self.time(view.started_at)} by {view.started_by}"),
                  ("ended", self.time(view.ended_at))]
        if view.error_message:
            header += [("error at", view.error_task or "?"), ("error", view.error_message)]
        self.pairs(header, "  ")
        print()
        print("open tasks:")
        self.table(["ID", "NAME", "GROUP", "ASSIGNEE", "CREATED", "DUE"],
                   [[t.id, t.name, t.candidate_group, t.assignee, self.time(t.created_at),
                     self.due(t.due_at, t.due_provisional)] for t in view.open_tasks], "(none)", "  ")
        print()
        print("data:")
        if view.data:
            self.pairs([(k, shorten(compact(v))) for k, v in view.data.items()], "  ")
        else:
            print("  (empty)")
        print()
        print("history:")
        self.history(view.history or [], "  ")

    def pairs(self, pairs: list[tuple[str, Any]], indent: str = "") -> None:
        """`label: value` lines with the values aligned."""
        self.lines(table(["", ""], [[f"{k}:", v] for k, v in pairs])[1:], indent)

    def history(self, entries: list[AuditView], indent: str = "") -> None:
        self.table(["TIME", "ACTOR", "EVENT", "ELEMENT", "DETAILS"],
                   [[self.time(e.at), e.actor, e.event, e.element_id, shorten(self.details(e.details))]
                    for e in entries], "(no history)", indent)

    @staticmethod
    def details(details: dict[str, Any]) -> str:
        return " ".join(f"{k}={v if isinstance(v, str) else compact(v)}" for k, v in details.items()
                        if v is not None and v != {} and v != [])


def warn(problems: Iterable[Any]) -> None:
    """Each problem once, as a warning on stderr (the modeler's drawing advice: shown, not refused)."""
    for problem in dict.fromkeys(problems):
        print(f"sqflow: warning: {one_line(problem)}", file=sys.stderr)


def error(message: str) -> None:
    print(f"sqflow: {one_line(message)}", file=sys.stderr)
