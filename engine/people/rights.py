"""What a signed-in user may do, decided from their roles and groups and nothing the browser sends.

Pure functions of a `User` and a `TaskView`: the web app, the API and the CLI ask the same rules.
"""
from __future__ import annotations

from ..definitions.starters import INTERNAL
from ..errors import Forbidden
from ..runtime.views import TaskView
from .directory import User


class Rights:
    @staticmethod
    def sees_task(user: User, task: TaskView) -> bool:
        return (user.has_role("manager") or task.assignee == user.login
                or (task.candidate_group is not None and task.candidate_group in user.groups))

    @staticmethod
    def may_claim(user: User, task: TaskView) -> bool:
        return task.state == "open" and task.assignee is None and task.candidate_group in user.groups

    @staticmethod
    def may_complete(user: User, task: TaskView) -> bool:
        if task.state != "open":
            return False
        if task.assignee is not None:
            return task.assignee == user.login
        return task.candidate_group is not None and task.candidate_group in user.groups

    @staticmethod
    def leads(user: User, task: TaskView) -> bool:
        """A team lead of the task's group (or an admin) may reassign and delegate it."""
        return "admin" in user.roles or ("team_lead" in user.roles and task.candidate_group in user.groups)

    @staticmethod
    def may_unclaim(user: User, task: TaskView) -> bool:
        return task.state == "open" and task.assignee is not None and (
            task.assignee == user.login or Rights.leads(user, task))

    @staticmethod
    def manages_instances(user: User) -> bool:
        return user.has_role("manager")

    @staticmethod
    def may_start(user: User, starters: list[str] | None) -> bool:
        """A process's declared starters (engine.definitions.starters); undeclared: handlers and managers."""
        if starters is None:
            return user.has_role("handler", "manager")
        if INTERNAL in starters:
            return False  # only other processes start it
        if "admin" in user.roles:
            return True
        for entry in starters:
            kind, _, name = entry.partition(":")
            if (kind == "role" and user.has_role(name.strip())) or (kind == "group" and name.strip() in user.groups):
                return True
        return False

    @staticmethod
    def designs(user: User) -> bool:
        return user.has_role("designer")

    @staticmethod
    def require(allowed: bool, what: str) -> None:
        if not allowed:
            raise Forbidden(f"you may not {what}")
