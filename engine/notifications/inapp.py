"""Reading a person's notifications: the unread count, the list newest first, marking them read."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .tables import Notification

NOTIFICATIONS = Notification.__table__


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    instance_id: int | None
    task_id: str | None
    title: str
    body: str
    details: dict[str, Any]
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class NotificationPage:
    rows: list[NotificationView]
    total: int
    unread: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def unread_count(session: Session, login: str) -> int:
    return session.connection().execute(select(func.count()).select_from(NOTIFICATIONS).where(
        NOTIFICATIONS.c.recipient == login, NOTIFICATIONS.c.read_at.is_(None))).scalar_one()


def list_for(session: Session, login: str, *, page: int = 1, size: int = 50, unread_only: bool = False
             ) -> NotificationPage:
    page, size = max(1, page), max(1, min(size, 200))
    mine = NOTIFICATIONS.c.recipient == login
    if unread_only:
        mine = mine & NOTIFICATIONS.c.read_at.is_(None)
    connection = session.connection()
    total = connection.execute(select(func.count()).select_from(NOTIFICATIONS).where(mine)).scalar_one()
    rows = connection.execute(select(NOTIFICATIONS).where(mine).order_by(NOTIFICATIONS.c.id.desc())
                              .limit(size).offset((page - 1) * size)).all()
    views = [NotificationView(**{k: row._mapping[k] for k in NotificationView.__dataclass_fields__}) for row in rows]
    return NotificationPage(views, total, unread_count(session, login), page, size)


def get_for(session: Session, login: str, notification_id: int) -> NotificationView | None:
    """One of `login`'s notifications (None for someone else's or an unknown id)."""
    row = session.connection().execute(select(NOTIFICATIONS).where(
        NOTIFICATIONS.c.id == notification_id, NOTIFICATIONS.c.recipient == login)).first()
    return None if row is None else NotificationView(
        **{k: row._mapping[k] for k in NotificationView.__dataclass_fields__})


def mark_read(session: Session, login: str, at: datetime, ids: Iterable[int] | None = None) -> int:
    """Mark some (or, without `ids`, all) of `login`'s unread notifications read; others' are untouched."""
    statement = update(NOTIFICATIONS).where(NOTIFICATIONS.c.recipient == login, NOTIFICATIONS.c.read_at.is_(None))
    if ids is not None:
        ids = sorted(set(ids))
        if not ids:
            return 0
        statement = statement.where(NOTIFICATIONS.c.id.in_(ids))
    return session.connection().execute(statement.values(read_at=at)).rowcount
