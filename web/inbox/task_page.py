"""One task: its case, deadline, instructions, form and history; completing it from its form.

Invalid input comes back with status 422, each problem next to its field and everything typed kept.
A task someone else completed or claimed meanwhile is explained, never an error page.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from engine.calendar import CalendarYearUnknown
from engine.errors import FormInvalid, StateError
from engine.people import User
from engine.reads import InboxFilter, TaskRead

from .. import case_history, runtime
from ..errors import calendar_refusal, readable
from ..security import current_user, login_required
from . import bp
from .forms import FormField, Values, form_fields, initial_values, problems, submitted_values, to_data
from .labels import name_label
from .task_rights import (GroupMembers, TaskChoices, choices_for, claimed_message, people_names, person,
                          taken_message)

TAKE_NEXT = "then_take_next"  # the form's box: after completing, open the next task of my groups
bp.context_processor(case_history.template_helpers)


@dataclass(frozen=True)
class TaskPage:
    read: TaskRead            # the task, its case card and history, its form (engine.reads)
    choices: TaskChoices
    fields: list[FormField]
    names: dict[str, str]
    notice: str | None        # why the form is not offered (completed, cancelled, claimed by a colleague)

    @property
    def task(self):
        return self.read.task

    @property
    def schema(self) -> dict | None:
        return self.read.form


def load_page(db: Session, user: User, task_id: str) -> TaskPage:
    read = runtime.engine().reads.task(db, user, task_id)
    task = read.task
    names = people_names(db)
    choices = choices_for(user, task, GroupMembers(db))
    notice = taken_message(task, names)
    if notice is None and not choices.may_complete:
        notice = claimed_message(task, names) if task.assignee else _(
            "You may look at this task but not work it: it is for the group %(group)s.",
            group=read.group_name or "")
    return TaskPage(read=read, choices=choices, fields=form_fields(read.form), names=names, notice=notice)


def _render(page: TaskPage, values: Values, errors: dict[str, str], problem: str | None = None, status: int = 200):
    known = {field.name for field in page.fields}
    form_errors = [message for name, message in errors.items() if name not in known]
    return render_template("inbox/task.html", page=page, values=values, errors=errors, form_errors=form_errors,
                           problem=problem, person=person, taking_next=bool(request.values.get(TAKE_NEXT))), status


@bp.get("/tasks/<task_id>")
@login_required
def task(task_id: str):
    with runtime.reading() as db:
        page = load_page(db, current_user(), task_id)
    # Pages are drawn after the transaction ends: the layout may open its own (SQLite allows one writer).
    return _render(page, initial_values(page.fields, page.schema, runtime.engine().settings.zone()), {})


@bp.post("/tasks/<task_id>")
@login_required
def complete(task_id: str):
    user = current_user()
    engine = runtime.engine()
    with runtime.transaction() as db:
        page = load_page(db, user, task_id)  # Forbidden for another group's task, before anything is read
    if page.notice is not None:
        flash(page.notice, "warning")
        return redirect(url_for("inbox.task", task_id=page.task.id))
    values = submitted_values(page.fields, request.form)
    data, unreadable = to_data(page.fields, values, engine.settings.zone())
    errors = {**problems(page.schema, data), **unreadable} if page.schema else {}
    if errors:
        return _render(page, values, errors, _("Please correct the marked fields."), 422)
    try:
        take_next = InboxFilter() if request.form.get(TAKE_NEXT) else None
        with runtime.transaction() as db:
            done = engine.desk.complete_and_continue(db, user, page.task.id, data, take_next)
        following = done.next_task
    except FormInvalid as invalid:
        return _rerender(user, task_id, values, dict(invalid.fields), _("Please correct the marked fields."), 422)
    except CalendarYearUnknown as error:
        return _rerender(user, task_id, values, {}, calendar_refusal(error), 409)
    except StateError as error:
        return _rerender(user, task_id, values, {},
                         _("Your input was not saved: %(reason)s", reason=readable(409, str(error))), 409)
    if following is not None:
        flash(_("“%(done)s” is completed. Next for this case: “%(next)s”.", done=name_label(page.task.name),
                next=name_label(following.name)), "success")
        return redirect(url_for("inbox.task", task_id=following.id))
    if done.taken is not None:
        flash(_("“%(done)s” is completed. You took the next task: “%(next)s”.", done=name_label(page.task.name),
                next=name_label(done.taken.name)), "success")
        return redirect(url_for("inbox.task", task_id=done.taken.id, **{TAKE_NEXT: 1}))
    if take_next is not None:
        flash(_("“%(done)s” is completed. No unclaimed task waits in your groups.", done=name_label(page.task.name)), "success")
        return redirect(url_for("inbox.index"))
    flash(_("“%(done)s” is completed.", done=name_label(page.task.name)), "success")
    return redirect(url_for("inbox.index"))


def _rerender(user: User, task_id: str, values: Values, errors: dict[str, Any], problem: str, status: int):
    """After a refused completion: the page as it stands now, or where the task went if it is gone."""
    with runtime.reading() as db:
        page = load_page(db, user, task_id)
    if page.notice is not None:
        flash(page.notice, "warning")
        return redirect(url_for("inbox.task", task_id=page.task.id))
    return _render(page, values, {k: str(v) for k, v in errors.items()}, problem, status)
