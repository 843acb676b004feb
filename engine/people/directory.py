"""User accounts: hashed passwords, roles (what a person may do) and groups (which lanes they work).

Roles: `handler` works the tasks of their groups; `team_lead` also reassigns and delegates them;
`manager` watches every instance and dashboard and may suspend, resume, terminate and retry;
`designer` edits and deploys diagrams; `supervisor` (社会监督员) files reports and sees only
its own; `admin` may do everything.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import AuthenticationFailed, InvalidInputError
from ..persistence.tables import UserAccount

ROLES = ("handler", "team_lead", "manager", "designer", "supervisor", "admin")
LOCALES = ("zh_CN", "en")
MIN_PASSWORD = 8
NO_PASSWORD = "!"  # the hash of an account given no password yet: no password matches it


@cache
def _decoy_hash() -> str:
    """Checked when a login is unknown, so a wrong login costs as much time as a wrong password."""
    return generate_password_hash("decoy password for unknown logins")


_changes = 0


def changes() -> int:
    """How many times accounts were saved in this process: caches of who is who compare it."""
    return _changes


def touched() -> None:
    """Note that accounts changed (through `Directory.save` or another writer of the users table)."""
    global _changes
    _changes += 1


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInputError(f"the password must have at least {MIN_PASSWORD} characters")
    return generate_password_hash(password)


@dataclass(frozen=True)
class User:
    login: str
    name: str
    roles: frozenset[str]
    groups: frozenset[str]
    email: str | None = None
    locale: str = "zh_CN"
    department: str | None = None     # a group of kind "department"
    must_change_password: bool = False
    source: str = "local"             # "local", or "ldap" for an account kept by the operator's directory

    def has_role(self, *roles: str) -> bool:
        return "admin" in self.roles or any(role in self.roles for role in roles)

    @classmethod
    def of(cls, row: UserAccount) -> "User":
        return cls(row.login, row.name, frozenset(row.roles), frozenset(row.groups), row.email, row.locale,
                   row.department, bool(row.must_change_password), row.source or "local")


class Directory:
    def save(self, session: Session, login: str, *, name: str, password: str | None, roles: Iterable[str],
             groups: Iterable[str] = (), email: str | None = None, locale: str = "zh_CN",
             now: datetime, active: bool = True, password_hash: str | None = None, department: str | None = None,
             must_change_password: bool = False, source: str = "local") -> User:
        """Create the account, or update it (a `None` password keeps the current one).

        `password_hash` (from `hash_password`) instead of `password` sets many accounts to one
        password without hashing it for each."""
        login = login.strip()
        if not login or len(login) > 200 or any(ch.isspace() for ch in login):
            raise InvalidInputError(f"login {login!r}: 1 to 200 characters without spaces")
        unknown = sorted(set(roles) - set(ROLES))
        if unknown:
            raise InvalidInputError(f"unknown role(s) {', '.join(unknown)}: use {', '.join(ROLES)}")
        if locale not in LOCALES:
            raise InvalidInputError(f"locale must be one of {', '.join(LOCALES)}")
        row = session.get(UserAccount, login)
        if row is None and password is None and password_hash is None:
            raise InvalidInputError(f"a new account ({login}) needs a password")
        if row is None:
            row = UserAccount(login=login, created_at=now)
            session.add(row)
        row.name = name
        if password is not None:
            row.password_hash = hash_password(password)
        elif password_hash is not None:
            row.password_hash = password_hash
        row.roles, row.groups = sorted(set(roles)), sorted(set(groups))
        row.email, row.locale, row.active = email, locale, active
        row.department, row.must_change_password, row.source = department, must_change_password, source
        row.disabled_at = None if active else (row.disabled_at or now)
        session.flush()
        touched()
        return User.of(row)

    def authenticate(self, session: Session, login: str, password: str) -> User:
        row = session.get(UserAccount, login.strip())
        if row is None:
            check_password_hash(_decoy_hash(), password)
        if (row is None or row.source != "local" or not check_password_hash(row.password_hash, password)
                or not row.active):
            raise AuthenticationFailed("unknown login or wrong password")
        return User.of(row)

    def get(self, session: Session, login: str) -> User | None:
        row = session.get(UserAccount, login)
        return User.of(row) if row is not None and row.active else None

    def list(self, session: Session) -> list[User]:
        return [User.of(row) for row in session.scalars(select(UserAccount).order_by(UserAccount.login))]

    def members(self, session: Session, group: str) -> list[User]:
        return [user for user in self.list(session) if group in user.groups]

    def set_locale(self, session: Session, login: str, locale: str) -> None:
        if locale not in LOCALES:
            raise InvalidInputError(f"locale must be one of {', '.join(LOCALES)}")
        row = session.get(UserAccount, login)
        if row is not None:
            row.locale = locale
