"""The roster (名录) of supervisors, kept centrally (R-SUP-08): term dates, status, history; CSV export.

Read from the term instances' report fields, so listing needs no workflow state.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.persistence.tables import ProcessInstance

from .credentials import TERM_PROCESS, standing

COLUMNS = ("certificate_no", "name", "login", "status", "term_number", "term_start", "term_end", "served_since",
           "history")


@dataclass(frozen=True)
class RosterRow:
    certificate_no: str
    name: str
    login: str | None
    status: str               # serving, suspended, expired, dismissed
    term_number: int
    term_start: str
    term_end: str
    served_since: str
    history: list[dict]
    instance_id: int

    def cell(self, column: str) -> str:
        if column == "history":
            return "; ".join(f"{h.get('at', '')[:10]} {h.get('event', '')} {h.get('note', '')}".strip()
                             for h in self.history)
        value = getattr(self, column)
        if column in ("term_start", "term_end", "served_since"):
            return (value or "")[:10]
        return "" if value is None else str(value)


def roster(session: Session, now: datetime, status: str | None = None) -> list[RosterRow]:
    """Every supervisor ever appointed (the newest term instance of each certificate), by number."""
    rows = session.scalars(select(ProcessInstance).where(ProcessInstance.process_id == TERM_PROCESS)
                           .order_by(ProcessInstance.business_key, ProcessInstance.id)
                           .execution_options(populate_existing=True)).all()
    newest = {row.business_key: row for row in rows}
    result = []
    for number, row in sorted(newest.items()):
        facts = row.attributes or {}
        entry = RosterRow(number, facts.get("name", ""), facts.get("login"), standing(row, now),
                          int(facts.get("term_number") or 1), facts.get("term_start", ""), facts.get("term_end", ""),
                          facts.get("served_since", ""), list(facts.get("history") or []), row.id)
        if status is None or entry.status == status:
            result.append(entry)
    return result


def _safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def roster_csv(rows: list[RosterRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_safe(row.cell(column)) for column in COLUMNS])
    return buffer.getvalue()
