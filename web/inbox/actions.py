"""Claiming (one task, or the next one due), giving back and handing on a task: POST forms that go back
where they came from with a message.

When someone else was quicker (the task was claimed, completed or cancelled meanwhile) the person is
told who has it now instead of getting an error page.
"""
from __future__ import annotations

from typing import Callable

from flask import flash, redirect, request, url_for
from werkzeug.datastructures import MultiDict
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from engine import WorkDesk
from engine.errors import InvalidInputError, StateError
from engine.people import User
from engine.reads import TaskView

from .. import runtime
from ..auth import safe_next
from ..errors import readable
from ..security import current_user, login_required
from . import bp
from ..admin.labels import group_label
from .labels import name_label
from .listing import read_query
from .task_page import TAKE_NEXT
from .task_rights import claimed_message, people_names, person, taken_message


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):
    return _act(task_id, lambda db, desk, user: desk.claim(db, user, task_id),
                lambda task, names: _("You claimed “%(task)s”.", task=name_label(task.name)))


@bp.post("/next")
@login_required
def claim_next():
    """Take the soonest due unclaimed task of my groups (within the inbox's filters) and open it."""
    filters_given = MultiDict({name: value for name, value in request.form.items() if name != "csrf_token"})
    try:
        filters = read_query(filters_given).filters
    except InvalidInputError as problem:
        flash(str(problem), "error")
        return redirect(url_for("inbox.index"))
    with runtime.transaction() as db:
        task = runtime.engine().desk.claim_next(db, current_user(), filters)
    if task is None:
        flash(_("No unclaimed task waits in your groups."), "info")
        return redirect(url_for("inbox.index", **filters_given.to_dict()))
    flash(_("You took “%(task)s”, the soonest due.", task=name_label(task.name)), "success")
    return redirect(url_for("inbox.task", task_id=task.id, **{TAKE_NEXT: 1}))  # keep working the queue


@bp.post("/tasks/<task_id>/unclaim")
@login_required
def unclaim(task_id: str):
    return _act(task_id, lambda db, desk, user: desk.unclaim(db, user, task_id),
                lambda task, names: _("“%(task)s” is unclaimed again: anyone in %(group)s may take it.",
                                      task=name_label(task.name), group=group_label(task.candidate_group)))


@bp.post("/tasks/<task_id>/reassign")
@login_required
def reassign(task_id: str):
    to = (request.form.get("to") or "").strip()[:200]
    delegate = request.form.get("mode") == "delegate"
    if not to:
        flash(_("Choose the person to hand the task to."), "error")
        return redirect(_back())

    def done(task: TaskView, names: dict[str, str]) -> str:
        if delegate:
            return _("“%(task)s” is delegated to %(who)s.", task=name_label(task.name), who=person(names, task.assignee))
        return _("“%(task)s” is reassigned to %(who)s.", task=name_label(task.name), who=person(names, task.assignee))

    return _act(task_id, lambda db, desk, user: desk.reassign(db, user, task_id, to, delegate=delegate), done,
                _("%(who)s cannot take this task: not in its group, or no longer active.", who=to))


def _act(task_id: str, action: Callable[[Session, WorkDesk, User], TaskView],
         done: Callable[[TaskView, dict[str, str]], str], refused: str | None = None):
    user = current_user()
    desk = runtime.engine().desk
    try:
        with runtime.transaction() as db:
            task = action(db, desk, user)
            message = done(task, people_names(db))
        flash(message, "success")
    except StateError:
        with runtime.transaction() as db:
            task = desk.task(db, user, task_id)
            names = people_names(db)
            flash(taken_message(task, names) or (claimed_message(task, names) if task.assignee else
                                                 _("“%(task)s” changed meanwhile: check it again.", task=name_label(task.name))),
                  "warning")
    except InvalidInputError as problem:  # a person outside the task's group, or no longer active
        flash(refused or readable(400, str(problem)), "error")
    return redirect(_back())


def _back() -> str:
    return safe_next(request.form.get("next")) or url_for("inbox.index")
