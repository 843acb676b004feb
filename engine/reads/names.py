"""People's and groups' names, as pages show them instead of logins and group codes."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..people.visibility import MASK
from ..persistence.tables import Group, UserAccount

SYSTEM_ACTORS = ("engine",)


class Names:
    """The names of the people and groups one read mentions: those known to be needed read in two queries,
    any other one when it is asked for."""

    def __init__(self, session: Session, logins: Iterable[str | None], groups: Iterable[str | None] = (),
                 hidden: Iterable[str] = ()):
        """`hidden`: values the reader may not see (a masked customer's name): a person so named reads as
        masked too."""
        self._session = session
        self._hidden = frozenset(hidden)
        wanted = sorted({login for login in logins if login})
        wanted_groups = sorted({group for group in groups if group})
        self.people: dict[str, str | None] = dict(session.execute(
            select(UserAccount.login, UserAccount.name).where(UserAccount.login.in_(wanted))).tuples().all()
        ) if wanted else {}
        self.groups: dict[str, str | None] = dict(session.execute(
            select(Group.name, Group.label).where(Group.name.in_(wanted_groups))).tuples().all()
        ) if wanted_groups else {}

    def person(self, login: str | None) -> str | None:
        """A person's name (their login when they have no account); None for the engine itself."""
        if not login or login in SYSTEM_ACTORS:
            return None
        name = self._person(login) or login
        return MASK if name in self._hidden else name

    def is_person(self, login: str | None) -> bool:
        return bool(login) and self._person(login) is not None

    def group(self, name: str | None) -> str | None:
        """A group's label (its name when no group has that name)."""
        return (self.known_group(name) or name) if name else None

    def known_group(self, name: str) -> str | None:
        """The label of the group `name`, or None when no group has that name."""
        if name not in self.groups:
            self.groups[name] = self._session.scalar(select(Group.label).where(Group.name == name))
        return self.groups[name]

    def _person(self, login: str) -> str | None:
        if login not in self.people:
            self.people[login] = self._session.scalar(select(UserAccount.name).where(UserAccount.login == login))
        return self.people[login]
