"""Groups and departments are data: a lane, an SLA escalation target and a person's department name a
row here. `name` is the code diagrams and policies use; `label` is what people read.

A department is a group of kind "department": its members' accounts name it as their department, and a
lane may name it too (its inbox). A group of kind "group" may belong to a department.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ConflictError, InvalidInputError, NotFoundError
from ..persistence.tables import AuditEntry, Group
from ..runtime.journal import Journal

KINDS = ("group", "department")
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,199}")


@dataclass(frozen=True)
class GroupInfo:
    name: str
    label: str
    kind: str
    department: str | None
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, row: Group) -> "GroupInfo":
        return cls(row.name, row.label, row.kind, row.department, row.active, row.created_at)


@dataclass(frozen=True)
class GroupSpec:
    """What a group should be: created when missing, otherwise changed to match."""
    name: str
    label: str
    kind: str = "group"
    department: str | None = None
    active: bool = True


class Groups:
    def list(self, session: Session, kind: str | None = None, *, active_only: bool = False) -> list[GroupInfo]:
        """Departments first, then groups, each by name."""
        query = select(Group)
        if kind is not None:
            query = query.where(Group.kind == kind)
        if active_only:
            query = query.where(Group.active.is_(True))
        rows = session.scalars(query.order_by(Group.kind, Group.name)).all()
        return [GroupInfo.of(row) for row in rows]

    def get(self, session: Session, name: str) -> GroupInfo:
        row = session.get(Group, name)
        if row is None:
            raise NotFoundError(f"no group {name!r}")
        return GroupInfo.of(row)

    def labels(self, session: Session) -> dict[str, str]:
        """Name -> label of every group and department."""
        return dict(session.execute(select(Group.name, Group.label)).tuples().all())

    def unknown(self, session: Session, names: Iterable[str]) -> list[str]:
        """Those of `names` that name no active group or department, sorted."""
        wanted = {name for name in names if name}
        if not wanted:
            return []
        known = set(session.scalars(select(Group.name).where(Group.name.in_(sorted(wanted)),
                                                             Group.active.is_(True))))
        return sorted(wanted - known)

    def add(self, session: Session, spec: GroupSpec, *, by: str, now: datetime) -> GroupInfo:
        """A new group; `ConflictError` when the name is taken."""
        if session.get(Group, spec.name) is not None:
            raise ConflictError(f"the group {spec.name} exists already")
        return self.save(session, spec, by=by, now=now)[0]

    def save(self, session: Session, spec: GroupSpec, *, by: str, now: datetime) -> tuple[GroupInfo, bool]:
        """Create the group or bring it to `spec`; recorded in the audit log. True when something changed."""
        self._check(session, spec)
        row = session.get(Group, spec.name)
        if row is None:
            row = Group(name=spec.name, label=spec.label, kind=spec.kind, department=spec.department,
                        active=spec.active, created_at=now)
            session.add(row)
            session.flush()
            _record(session, by, "group.added", spec, now)
            return GroupInfo.of(row), True
        if row.kind != spec.kind:
            raise InvalidInputError(f"{spec.name} is a {row.kind}: its kind cannot change")
        changes = {field: [getattr(row, field), getattr(spec, field)] for field in ("label", "department", "active")
                   if getattr(row, field) != getattr(spec, field)}
        if not changes:
            return GroupInfo.of(row), False
        if spec.kind == "department" and not spec.active and session.scalar(
                select(Group.name).where(Group.department == spec.name, Group.active.is_(True)).limit(1)):
            raise InvalidInputError(f"{spec.name} still has active groups: move or retire them first")
        row.label, row.department, row.active = spec.label, spec.department, spec.active
        session.flush()
        Journal(session, None, now).add(by, "group.changed", details={"group": spec.name, "changes": changes}).flush()
        return GroupInfo.of(row), True

    @staticmethod
    def history(session: Session, name: str, limit: int = 30) -> list[AuditEntry]:
        """The recorded changes to one group, newest first."""
        return list(session.scalars(select(AuditEntry).where(
            AuditEntry.instance_id.is_(None), AuditEntry.event.like("group.%"),
            AuditEntry.details["group"].as_string() == name).order_by(AuditEntry.id.desc()).limit(limit)))

    def ensure(self, session: Session, specs: Iterable[GroupSpec], *, by: str, now: datetime) -> int:
        """Create those of `specs` that are missing (departments first); how many were created."""
        created = 0
        for spec in sorted(specs, key=lambda s: s.kind != "department"):
            if session.get(Group, spec.name) is None:
                self.save(session, spec, by=by, now=now)
                created += 1
        return created

    @staticmethod
    def _check(session: Session, spec: GroupSpec) -> None:
        if not NAME.fullmatch(spec.name):
            raise InvalidInputError(f"group name {spec.name!r}: a letter, then up to 199 letters, digits, "
                                    "'_', '.' or '-' (lanes and policies use it)")
        if not spec.label.strip() or len(spec.label) > 200:
            raise InvalidInputError(f"{spec.name}: the label (what people read) needs 1 to 200 characters")
        if spec.kind not in KINDS:
            raise InvalidInputError(f"{spec.name}: kind must be one of {', '.join(KINDS)}")
        if spec.department is not None:
            if spec.kind == "department":
                raise InvalidInputError(f"{spec.name}: a department belongs to no other department")
            parent = session.get(Group, spec.department)
            if parent is None or parent.kind != "department" or not parent.active:
                raise InvalidInputError(f"{spec.name}: {spec.department!r} is no active department")


def _record(session: Session, by: str, event: str, spec: GroupSpec, now: datetime) -> None:
    Journal(session, None, now).add(by, event, details={
        "group": spec.name, "label": spec.label, "kind": spec.kind, "department": spec.department}).flush()
