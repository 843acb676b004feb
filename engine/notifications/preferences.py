"""Which kinds of notification each person also gets by mail (in-app they get every kind)."""
from __future__ import annotations

from typing import Iterable, Mapping

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from ..errors import InvalidInputError
from .kinds import DEFAULT_BY_MAIL, KINDS
from .tables import NotificationPreference

PREFS = NotificationPreference.__table__


def mail_choices(session: Session, login: str) -> dict[str, bool]:
    """Every kind with whether it goes by mail to `login` (the default where they chose nothing)."""
    chosen = dict(session.connection().execute(
        select(PREFS.c.kind, PREFS.c.by_mail).where(PREFS.c.login == login)).all())
    return {kind: bool(chosen.get(kind, DEFAULT_BY_MAIL[kind])) for kind in KINDS}


def set_mail_choices(session: Session, login: str, choices: Mapping[str, bool]) -> dict[str, bool]:
    unknown = sorted(set(choices) - set(KINDS))
    if unknown:
        raise InvalidInputError(f"unknown notification kind(s) {', '.join(unknown)}: use {', '.join(KINDS)}")
    connection = session.connection()
    connection.execute(delete(PREFS).where(PREFS.c.login == login, PREFS.c.kind.in_(list(choices))))
    if choices:
        connection.execute(insert(PREFS), [{"login": login, "kind": kind, "by_mail": bool(by_mail)}
                                           for kind, by_mail in choices.items()])
    return mail_choices(session, login)


def wanting_mail(session: Session, logins: Iterable[str], kind: str) -> set[str]:
    """Those of `logins` who get `kind` by mail."""
    logins = set(logins)
    if not logins:
        return set()
    chosen = dict(session.connection().execute(
        select(PREFS.c.login, PREFS.c.by_mail).where(PREFS.c.kind == kind, PREFS.c.login.in_(sorted(logins)))).all())
    return {login for login in logins if chosen.get(login, DEFAULT_BY_MAIL[kind])}
