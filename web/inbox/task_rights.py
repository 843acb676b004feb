"""What the signed-in person may do with a task (the buttons a page shows), and who holds a task.

The buttons only mirror `Rights`; every action is checked again by the desk when it is posted.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from engine.people import Rights, User
from engine.reads import TaskView

from .. import runtime
from .labels import name_label


@dataclass(frozen=True)
class TaskChoices:
    may_claim: bool
    may_unclaim: bool
    may_complete: bool
    leads: bool
    members: list[User] = field(default_factory=list)  # whom a team lead may hand the task to


class GroupMembers:
    """Members of each candidate group, read once per page."""

    def __init__(self, session: Session):
        self._session = session
        self._members: dict[str, list[User]] = {}

    def of(self, group: str | None) -> list[User]:
        if group is None:
            return []
        if group not in self._members:
            self._members[group] = runtime.engine().desk.directory.members(self._session, group)
        return self._members[group]


def choices_for(user: User, task: TaskView, members: GroupMembers) -> TaskChoices:
    leads = task.state == "open" and Rights.leads(user, task)
    return TaskChoices(may_claim=Rights.may_claim(user, task), may_unclaim=Rights.may_unclaim(user, task),
                       may_complete=Rights.may_complete(user, task), leads=leads,
                       members=members.of(task.candidate_group) if leads else [])


def people_names(session: Session) -> dict[str, str]:
    """login -> display name, for showing who holds and who did what."""
    return {user.login: user.name for user in runtime.engine().desk.directory.list(session)}


def person(names: dict[str, str], login: str | None) -> str:
    if not login:
        return ""
    name = names.get(login)
    return f"{name} ({login})" if name and name != login else login


def taken_message(task: TaskView, names: dict[str, str]) -> str | None:
    """Why this person cannot work the task any more, or None when they still can."""
    if task.state == "completed":
        return _("“%(task)s” was already completed by %(who)s.", task=name_label(task.name),
                 who=person(names, task.completed_by) or _("someone else"))
    if task.state != "open":
        return _("“%(task)s” was cancelled: the case moved on without it.", task=name_label(task.name))
    return None


def claimed_message(task: TaskView, names: dict[str, str]) -> str:
    return _("“%(task)s” is claimed by %(who)s.", task=name_label(task.name), who=person(names, task.assignee))
