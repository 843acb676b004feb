"""The records the administration pages and the CLI list: people and their open tasks, groups."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..people.directory import NO_PASSWORD
from ..persistence.tables import Group, HumanTask, UserAccount


@dataclass(frozen=True)
class Account:
    """An account as pages and listings read it."""
    login: str
    name: str
    department: str | None
    groups: tuple[str, ...]
    roles: tuple[str, ...]
    email: str | None
    locale: str
    active: bool
    created_at: datetime
    disabled_at: datetime | None
    has_password: bool         # False until the person is given one (or while the directory signs them in)
    must_change_password: bool
    source: str                # "local", or "ldap" for a person the directory signs in


def _account(row: UserAccount) -> Account:
    return Account(row.login, row.name, row.department, tuple(row.groups or ()), tuple(row.roles or ()), row.email,
                   row.locale, row.active, row.created_at, row.disabled_at, row.password_hash != NO_PASSWORD,
                   row.must_change_password, row.source)


def accounts(session: Session, *, text: str = "", active: bool | None = None, department: str | None = None,
             group: str | None = None) -> list[Account]:
    """People's accounts by login: those whose login or name contains `text`, active or not (None: both),
    of a department, or in a group (a department counts as a group of its people)."""
    query = select(UserAccount).order_by(UserAccount.login)
    if text:
        like = f"%{text}%"
        query = query.where(or_(UserAccount.login.like(like), UserAccount.name.like(like)))
    if active is not None:
        query = query.where(UserAccount.active.is_(active))
    if department:
        query = query.where(UserAccount.department == department)
    return [_account(row) for row in session.scalars(query)
            if not group or group in (row.groups or []) or row.department == group]


def account(session: Session, login: str) -> Account | None:
    row = session.get(UserAccount, login)
    return None if row is None else _account(row)


def has_accounts(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(UserAccount)))


def people_names(session: Session, logins: Iterable[str]) -> dict[str, str]:
    """Login -> display name, for the logins given."""
    wanted = sorted(set(logins))
    return dict(session.execute(select(UserAccount.login, UserAccount.name)
                                .where(UserAccount.login.in_(wanted))).tuples().all()) if wanted else {}


def open_task_count(session: Session, login: str) -> int:
    """How many open tasks are claimed by or assigned to `login`."""
    return session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.assignee == login,
                                                                            HumanTask.state == "open")) or 0


def group_exists(session: Session, name: str) -> bool:
    return session.get(Group, name) is not None


def active_members(session: Session) -> Counter[str]:
    """Group or department name -> how many active people belong to it."""
    members: Counter[str] = Counter()
    for groups, department in session.execute(select(UserAccount.groups, UserAccount.department)
                                              .where(UserAccount.active.is_(True))):
        members.update(set(groups or []) | ({department} if department else set()))
    return members
