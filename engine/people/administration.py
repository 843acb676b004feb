"""People administration: accounts added, changed, disabled and enabled, passwords reset and changed.

Every change is recorded in the audit log (no instance; `details.login` names the person, the actor
who did it), so who changed whom and when can be read back with `history`. Disabling a person
hands their open tasks back to their groups (recorded on each case) and ends their API tokens and
web sessions. The caller owns the transaction.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from ..errors import AuthenticationFailed, InvalidInputError, NotFoundError, StateError
from ..persistence.tables import AuditEntry, Group, HumanTask, UserAccount, WebSession
from ..runtime.journal import Journal
from .directory import LOCALES, ROLES, User, hash_password, touched
from .token_table import ApiToken

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
LOGIN = re.compile(r"[^\s]{1,200}")
COMPARED = ("name", "department", "groups", "roles", "email", "active")
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class PersonSpec:
    """What an account should be (groups, departments and roles by their codes)."""
    login: str
    name: str
    department: str | None = None
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ("handler",)
    email: str | None = None
    active: bool = True

    def normalized(self) -> "PersonSpec":
        return PersonSpec(self.login.strip(), self.name.strip(), self.department or None,
                          tuple(sorted(set(self.groups))), tuple(sorted(set(self.roles))),
                          (self.email or "").strip() or None, self.active)

    def values(self) -> dict[str, Any]:
        return {"name": self.name, "department": self.department, "groups": list(self.groups),
                "roles": list(self.roles), "email": self.email, "active": self.active}


@dataclass(frozen=True)
class Disabled:
    user: User
    tasks_returned: list[str] = field(default_factory=list)   # task ids handed back to their groups
    tokens_revoked: int = 0
    sessions_revoked: int = 0


def new_password() -> str:
    """A temporary password to hand over (12 characters, none easily confused, ~70 bits)."""
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))


def current_values(row: UserAccount) -> dict[str, Any]:
    return {"name": row.name, "department": row.department, "groups": sorted(row.groups or []),
            "roles": sorted(row.roles or []), "email": row.email, "active": bool(row.active)}


def problems_of(spec: PersonSpec, departments: set[str], groups: set[str]) -> list[str]:
    """What is wrong with `spec`, given the active departments and groups (empty when all is well)."""
    found = []
    if not LOGIN.fullmatch(spec.login):
        found.append(f"login {spec.login!r}: 1 to 200 characters without spaces")
    if not spec.name or len(spec.name) > 200:
        found.append("a display name of 1 to 200 characters is needed")
    if spec.department is not None and spec.department not in departments:
        found.append(f"no department {spec.department!r}")
    unknown = [g for g in spec.groups if g not in groups]
    if unknown:
        found.append(f"no group {', '.join(repr(g) for g in unknown)}")
    bad_roles = [r for r in spec.roles if r not in ROLES]
    if bad_roles:
        found.append(f"no role {', '.join(repr(r) for r in bad_roles)}: use {', '.join(ROLES)}")
    if spec.email is not None and (not EMAIL.fullmatch(spec.email) or len(spec.email) > 300):
        found.append(f"mail {spec.email!r} is not an address")
    return found


def active_groups(session: Session) -> tuple[set[str], set[str]]:
    """The names of active departments, and of every active group (departments included)."""
    rows = session.execute(select(Group.name, Group.kind).where(Group.active.is_(True))).all()
    return {name for name, kind in rows if kind == "department"}, {name for name, _ in rows}


def record(session: Session, by: str, event: str, login: str, now: datetime, **details: Any) -> None:
    Journal(session, None, now).add(by, event, details={"login": login, **details}).flush()


class PeopleAdmin:
    def add(self, session: Session, spec: PersonSpec, *, by: str, now: datetime,
            password: str | None = None) -> tuple[User, str]:
        """A new local account; it must change its initial password (given, or generated and returned)
        at its first sign-in."""
        spec = self._checked(session, spec)
        if session.get(UserAccount, spec.login) is not None:
            raise StateError(f"{spec.login} already has an account")
        initial = password if password is not None else new_password()
        row = UserAccount(login=spec.login, password_hash=hash_password(initial), locale=LOCALES[0], created_at=now,
                          must_change_password=True, source="local")
        self._apply(row, spec, now)
        session.add(row)
        session.flush()
        touched()
        record(session, by, "person.added", spec.login, now, values=spec.values())
        return User.of(row), initial

    def update(self, session: Session, spec: PersonSpec, *, by: str, now: datetime) -> dict[str, list]:
        """Change name, department, groups, roles and mail (not the active state: `disable`/`enable`);
        the changes made, field -> [before, after] (empty when nothing changed)."""
        spec = self._checked(session, spec)
        row = self._row(session, spec.login)
        spec = PersonSpec(**{**spec.__dict__, "active": bool(row.active)})
        before = current_values(row)
        changes = {key: [before[key], value] for key, value in spec.values().items() if before[key] != value}
        if changes:
            self._apply(row, spec, now)
            session.flush()
            touched()
            record(session, by, "person.changed", spec.login, now, changes=changes)
        return changes

    def disable(self, session: Session, login: str, *, by: str, now: datetime) -> Disabled:
        """Stop the account: its open tasks go back to their groups, its tokens and sessions end."""
        row = self._row(session, login)
        if login == by:
            raise InvalidInputError("you cannot disable your own account")
        if not row.active:
            return Disabled(User.of(row))
        row.active, row.disabled_at = False, now
        returned = self.hand_back_tasks(session, login, by=by, now=now, reason="account disabled")
        tokens = session.execute(update(ApiToken).where(ApiToken.login == login, ApiToken.revoked_at.is_(None))
                                 .values(revoked_at=now)).rowcount
        sessions = self.end_sessions(session, login, now)
        session.flush()
        touched()
        record(session, by, "person.disabled", login, now, tasks_returned=returned, tokens_revoked=tokens,
               sessions_revoked=sessions)
        return Disabled(User.of(row), returned, tokens, sessions)

    def enable(self, session: Session, login: str, *, by: str, now: datetime) -> User:
        row = self._row(session, login)
        if not row.active:
            row.active, row.disabled_at = True, None
            session.flush()
            touched()
            record(session, by, "person.enabled", login, now)
        return User.of(row)

    def reset_password(self, session: Session, login: str, *, by: str, now: datetime,
                       password: str | None = None) -> str:
        """A temporary password (given, or generated and returned) the person must change at their next
        sign-in; their web sessions end."""
        row = self._row(session, login)
        if row.source != "local":
            raise StateError(f"{login} signs in through the directory: its password is kept there")
        temporary = password if password is not None else new_password()
        row.password_hash, row.must_change_password = hash_password(temporary), True
        self.end_sessions(session, login, now)
        session.flush()
        touched()
        record(session, by, "person.password_reset", login, now)
        return temporary

    def change_password(self, session: Session, login: str, current: str, new: str, *, now: datetime) -> User:
        """The person sets their own password (after a reset: before anything else)."""
        row = session.get(UserAccount, login)
        if row is None or not row.active or row.source != "local" or not check_password_hash(row.password_hash,
                                                                                             current):
            raise AuthenticationFailed("the current password is wrong")
        if new == current:
            raise InvalidInputError("the new password must differ from the current one")
        row.password_hash, row.must_change_password = hash_password(new), False
        session.flush()
        touched()
        record(session, login, "person.password_changed", login, now)
        return User.of(row)

    @staticmethod
    def hand_back_tasks(session: Session, login: str, *, by: str, now: datetime, reason: str) -> list[str]:
        """Open tasks assigned to `login` become unclaimed tasks of their groups, each recorded on its case."""
        tasks = session.scalars(select(HumanTask).where(HumanTask.assignee == login, HumanTask.state == "open")
                                .order_by(HumanTask.instance_id, HumanTask.created_at)).all()
        for task in tasks:
            task.assignee = None
            Journal(session, task.instance_id, now).add(
                by, "task.unclaimed", task_id=task.id, element_id=task.element_id,
                details={"from": login, "to": None, "reason": reason}).flush()
        session.flush()
        return [task.id for task in tasks]

    @staticmethod
    def end_sessions(session: Session, login: str, now: datetime) -> int:
        return session.execute(update(WebSession).where(WebSession.login == login, WebSession.revoked_at.is_(None))
                               .values(revoked_at=now)).rowcount

    @staticmethod
    def history(session: Session, login: str | None = None, limit: int = 50) -> list[AuditEntry]:
        """The latest changes to accounts (of one person, given `login`), newest first."""
        query = select(AuditEntry).where(AuditEntry.instance_id.is_(None), AuditEntry.event.like("person.%"))
        if login is not None:
            query = query.where(AuditEntry.details["login"].as_string() == login)
        return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))

    def _checked(self, session: Session, spec: PersonSpec) -> PersonSpec:
        spec = spec.normalized()
        departments, groups = active_groups(session)
        problems = problems_of(spec, departments, groups)
        if problems:
            raise InvalidInputError(f"{spec.login}: " + "; ".join(problems))
        return spec

    @staticmethod
    def _row(session: Session, login: str) -> UserAccount:
        row = session.get(UserAccount, login)
        if row is None:
            raise NotFoundError(f"no account {login!r}")
        return row

    @staticmethod
    def _apply(row: UserAccount, spec: PersonSpec, now: datetime) -> None:
        row.name, row.department, row.email = spec.name, spec.department, spec.email
        row.groups, row.roles = list(spec.groups), list(spec.roles)
        if row.active is None or bool(row.active) != spec.active:
            row.disabled_at = None if spec.active else now
        row.active = spec.active

