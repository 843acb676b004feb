"""The retention purge: closed cases past the retention period (R-CLS-02: archives are kept 5
years) are removed with everything recorded about them, and each purge is itself recorded.

A case goes only when it ended (completed or terminated) before the cut-off. Its register row in
`purged_instances` is written first; the audit log's trigger lets only such instances' entries
be deleted, so history cannot be removed any other way.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from .clock import Clock
from .errors import InvalidInputError
from .persistence.tables import AuditEntry, Base, ProcessInstance, PurgedInstance

CLOSED_STATES = ("completed", "terminated")


@dataclass(frozen=True)
class PurgedCase:
    instance_id: int
    process_id: str
    business_key: str | None
    ended_at: datetime
    audit_entries: int


@dataclass(frozen=True)
class PurgeReport:
    cutoff: datetime
    dry_run: bool
    cases: list[PurgedCase]


class RetentionPurge:
    def __init__(self, clock: Clock, years: int):
        if years < 1:
            raise InvalidInputError("the retention period must be at least 1 year")
        self._clock = clock
        self.years = years

    def cutoff(self) -> datetime:
        now = self._clock.now()
        try:
            return now.replace(year=now.year - self.years)
        except ValueError:  # 29 February
            return now.replace(year=now.year - self.years, day=28)

    def run(self, session: Session, *, by: str, dry_run: bool = False, limit: int = 1000) -> PurgeReport:
        """Purge up to `limit` cases (oldest first); `dry_run` only lists them."""
        cutoff = self.cutoff()
        counts = (select(AuditEntry.instance_id, func.count().label("entries"))
                  .group_by(AuditEntry.instance_id).subquery())
        rows = session.execute(
            select(ProcessInstance, func.coalesce(counts.c.entries, 0))
            .outerjoin(counts, counts.c.instance_id == ProcessInstance.id)
            .where(ProcessInstance.state.in_(CLOSED_STATES), ProcessInstance.ended_at < cutoff)
            .order_by(ProcessInstance.ended_at, ProcessInstance.id).limit(limit)).all()
        cases = [PurgedCase(row.id, row.process_id, row.business_key, row.ended_at, entries) for row, entries in rows]
        if dry_run or not cases:
            return PurgeReport(cutoff, dry_run, cases)
        now = self._clock.now()
        session.execute(insert(PurgedInstance), [dict(
            instance_id=row.id, process_id=row.process_id, version=row.version, business_key=row.business_key,
            state=row.state, started_at=row.started_at, ended_at=row.ended_at, audit_entries=entries,
            purged_at=now, purged_by=by) for row, entries in rows])
        ids = [case.instance_id for case in cases]
        for table in reversed(Base.metadata.sorted_tables):  # rows that point at others go first
            if table.name == PurgedInstance.__tablename__:
                continue
            if "instance_id" in table.c:
                session.execute(delete(table).where(table.c.instance_id.in_(ids)))
                continue
            for key in table.foreign_keys:  # e.g. a mail's delivery attempts, kept by the mail's id
                parent = key.column.table
                if "instance_id" in parent.c and parent.name != ProcessInstance.__tablename__:
                    owned = select(key.column).where(parent.c.instance_id.in_(ids))
                    session.execute(delete(table).where(key.parent.in_(owned)))
        session.execute(delete(ProcessInstance.__table__).where(ProcessInstance.__table__.c.id.in_(ids)))
        return PurgeReport(cutoff, dry_run, cases)
