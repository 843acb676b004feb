"""The records the administration pages and the CLI list: people and their open tasks, groups."""
from __future__ import annotations

from collections import Counter
from typing import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..persistence.tables import Group, HumanTask, UserAccount

Account = UserAccount  # an account as pages and listings read it


def accounts(session: Session, *, text: str = "", active: bool | None = None, department: str | None = None,
             group: str | None = None) -> list[UserAccount]:
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
    return [row for row in session.scalars(query)
            if not group or group in (row.groups or []) or row.department == group]


def account(session: Session, login: str) -> UserAccount | None:
    return session.get(UserAccount, login)


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
