"""Server-side sign-in sessions (table `web_sessions`): the browser's cookie carries only a session's id, so
signing out, disabling the account (`PeopleAdmin.end_sessions`) or a session left unused too long ends it
for every worker at once."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from ..persistence.tables import WebSession


def open_session(session: Session, login: str, now: datetime, lifetime: timedelta) -> str:
    """A new session for `login` (its id); this person's sessions unused for longer than `lifetime` go."""
    session.execute(delete(WebSession).where(WebSession.login == login, WebSession.last_seen_at < now - lifetime))
    session_id = secrets.token_urlsafe(32)
    session.add(WebSession(id=session_id, login=login, created_at=now, last_seen_at=now))
    return session_id


def session_last_seen(session: Session, session_id: str | None, login: str, now: datetime,
                      lifetime: timedelta) -> datetime | None:
    """When the session was last used, while it is `login`'s, not revoked and used within `lifetime`;
    otherwise None (the cookie is anonymous)."""
    record = session.get(WebSession, session_id) if session_id else None
    if record is None or record.login != login or record.revoked_at is not None:
        return None
    return record.last_seen_at if now < record.last_seen_at + lifetime else None


def mark_session_seen(session: Session, session_id: str, now: datetime) -> None:
    session.execute(update(WebSession).where(WebSession.id == session_id).values(last_seen_at=now))


def revoke_session(session: Session, session_id: str, now: datetime) -> None:
    session.execute(update(WebSession).where(WebSession.id == session_id, WebSession.revoked_at.is_(None))
                    .values(revoked_at=now))
