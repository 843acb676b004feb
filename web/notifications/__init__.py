"""A person's notifications: the list with mark-as-read, mail preferences, and the unread badge.

Only reading and marking here: notifications are written by the engine with the steps that cause
them, and mail is sent by the timer worker, never by a web worker.
"""
from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from werkzeug.routing import BuildError

from engine import notifications as notes
from engine.people import sees_case

from .. import runtime
from ..auth import safe_next
from ..security import current_user, login_required

log = logging.getLogger(__name__)
bp = Blueprint("notifications", __name__, url_prefix="/notifications", template_folder="templates")

KIND_LABELS = {
    notes.TASK_ASSIGNED: lazy_gettext("A task is assigned to me"),
    notes.TASK_FOR_GROUP: lazy_gettext("A task lands in the inbox of one of my groups"),
    notes.SLA_WARNING: lazy_gettext("A deadline I am responsible for is close (warning)"),
    notes.SLA_BREACHED: lazy_gettext("A deadline I am responsible for was missed (escalation)"),
    notes.SUPERVISOR_ANSWERED: lazy_gettext("My supervisor's report was answered"),
    notes.CASE_REMINDED: lazy_gettext("A customer chased a case my department handles (reminder)"),
    notes.REMINDERS_PILED_UP: lazy_gettext("A case of my team was chased again and again"),
    notes.CASE_REPORTED: lazy_gettext("A major complaint is reported up to me"),
}


@bp.before_app_request
def count_unread() -> None:
    """Read before the view runs, never while it renders inside its own transaction."""
    g.unread_notifications = 0
    user = current_user()
    if user is None or request.endpoint in ("static", "vendor"):
        return
    try:
        with runtime.reading() as db:
            g.unread_notifications = notes.unread_count(db, user.login)
    except Exception:  # the top bar of an error page must still render
        log.exception("unread count not available")


@bp.app_context_processor
def unread_badge() -> dict:
    return {"unread_notifications": lambda: g.get("unread_notifications", 0)}


@bp.get("/")
@login_required
def index():
    page = request.args.get("page", "1")
    unread_only = request.args.get("unread") == "1"
    with runtime.reading() as db:
        result = notes.list_for(db, current_user().login, page=int(page) if page.isdigit() else 1,
                                unread_only=unread_only)
    return render_template("notifications/index.html", result=result, unread_only=unread_only,
                           kind_labels=KIND_LABELS)


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    with runtime.transaction() as db:
        if notes.get_for(db, current_user().login, notification_id) is None:
            abort(404)
        notes.mark_read(db, current_user().login, runtime.engine().clock.now(), [notification_id])
    return redirect(safe_next(request.form.get("next")) or url_for(".index"))


@bp.post("/read-all")
@login_required
def read_all():
    with runtime.transaction() as db:
        count = notes.mark_read(db, current_user().login, runtime.engine().clock.now())
    flash(gettext("%(n)d notification(s) marked as read.", n=count), "ok")
    return redirect(url_for(".index"))


@bp.post("/<int:notification_id>/open")
@login_required
def open_(notification_id: int):
    """Mark read and go to what the notification is about."""
    with runtime.transaction() as db:
        note = notes.get_for(db, current_user().login, notification_id)
        if note is None:
            abort(404)
        notes.mark_read(db, current_user().login, runtime.engine().clock.now(), [notification_id])
        case_visible = note.instance_id is not None and sees_case(db, current_user(), note.instance_id)
    return redirect(_target(note, case_visible) or url_for(".index"))


def _target(note: notes.NotificationView, case_visible: bool) -> str | None:
    try:
        if note.task_id:
            return url_for("inbox.task", task_id=note.task_id)
        if case_visible:
            return url_for("monitor.instance", instance_id=note.instance_id)
    except BuildError:  # that area is not part of this app
        return None
    return None


@bp.route("/preferences", methods=["GET", "POST"])
@login_required
def preferences():
    user = current_user()
    with runtime.transaction() as db:
        if request.method == "POST":
            chosen = set(request.form.getlist("mail"))
            notes.set_mail_choices(db, user.login, {kind: kind in chosen for kind in notes.KINDS})
            flash(gettext("Your mail preferences were saved."), "ok")
            return redirect(url_for(".preferences"))
        choices = notes.mail_choices(db, user.login)
    return render_template("notifications/preferences.html", choices=choices, kind_labels=KIND_LABELS,
                           email=user.email, mail_enabled=runtime.engine().settings.mail_enabled)
