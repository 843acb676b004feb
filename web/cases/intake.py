"""Recording a contact (受理): choose the channel, fill its form, and the complaint starts with its intake
done in one step. The caller's phone number brings up their open and recent cases first: a customer
calling again about an open case gets no new ticket, their case gets a reminder instead.

The form is kept as a draft in the browser while the caller is on the line (static/intake.js); the
page after a successful submission tells the browser to drop it (`session["clear_draft"]`).
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy.orm import Session

from engine.calendar import CalendarYearUnknown
from engine.errors import FormInvalid, Forbidden, InstanceNotFound, StateError
from engine.people import Rights, User
from engine.reads import TaskView, caller_case, caller_cases

from .. import runtime
from ..errors import CHINESE, calendar_refusal, readable
from ..inbox.forms import problems as form_problems
from ..inbox.task_rights import people_names
from ..security import current_user, login_required
from . import bp
from .channels import CHANNELS, Channel, Reading, blank, read, with_defaults
from .complaint import CALLED_AGAIN, INTAKE, PROCESS, intake_schema, may_take_in

MESSAGES = {"required": lazy_gettext("This field is required."),
            "choose": lazy_gettext("Choose one of the listed options."),
            "datetime": lazy_gettext("Enter a date and time."), "too_long": lazy_gettext("This text is too long.")}
FORM_ALIASES = {"channel": "public_source", "source": "public_source"}  # intake fields a channel asks otherwise


def require_take_in() -> User:
    user = current_user()
    if not may_take_in(user):
        raise Forbidden("recording contacts is for first responders")
    return user


def channel_or_404(slug: str) -> Channel:
    chosen = CHANNELS.get(slug)
    if chosen is None:
        abort(404)
    return chosen


@bp.get("/new")
@login_required
def new():
    require_take_in()
    return render_template("cases/new.html", channels=list(CHANNELS.values()))


@bp.get("/new/<slug>")
@login_required
def intake(slug: str):
    user = require_take_in()
    chosen = channel_or_404(slug)
    prefill = {name: (request.args.get(name) or "").strip() for name in ("customer_phone", "repeat_of")}
    return _form(user, chosen, blank(chosen, prefill), {})


@bp.post("/new/<slug>")
@login_required
def take_in(slug: str):
    user = require_take_in()
    chosen = channel_or_404(slug)
    engine = runtime.engine()
    reading = read(chosen, request.form, engine.settings.zone(), {k: str(v) for k, v in MESSAGES.items()})
    if reading.problems:
        return _form(user, chosen, reading.values, reading.problems, _("Please correct the marked fields."), 422)
    with runtime.reading() as db:
        schema = engine.person_fields.presented(db, intake_schema(db))
    found = _by_field(chosen, reading, form_problems(schema, reading.data))
    if found:
        return _form(user, chosen, reading.values, found, _("Please correct the marked fields."), 422)
    try:
        with runtime.transaction() as db:
            started = engine.desk.start(db, user, PROCESS)  # numbered by the engine (TS-<year>-NNNN)
            task = next(t for t in started.open_tasks if t.element_id == INTAKE)
            done = engine.desk.complete(db, user, task.id, reading.data)
    except FormInvalid as invalid:
        fields = {name: str(MESSAGES["required"]) if "required" in str(message)
                  else readable(422, str(message)) if CHINESE.search(str(message)) else _("Check this field.")
                  for name, message in invalid.fields.items()}
        return _form(user, chosen, reading.values, _by_field(chosen, reading, fields),
                     _("Please correct the marked fields."), 422)
    except CalendarYearUnknown as error:
        return _form(user, chosen, reading.values, {}, calendar_refusal(error), 409)
    except StateError as error:
        return _form(user, chosen, reading.values, {},
                     _("Nothing was recorded: %(reason)s", reason=readable(409, str(error))), 409)
    session["clear_draft"] = slug
    following = engine.desk.next_task(user, done)
    flash(_("Complaint %(key)s is recorded. It stays in My cases until it is closed.", key=done.business_key),
          "success")
    if following is not None:
        return redirect(url_for("inbox.task", task_id=following.id))
    return redirect(url_for("cases.mine"))


@bp.get("/callers")
@login_required
def callers():
    """The caller's cases, as a part of the intake page (fetched as the phone number is typed)."""
    user = require_take_in()
    chosen = channel_or_404(request.args.get("channel") or "hotline")
    phone = (request.args.get("customer_phone") or "").strip()[:30]
    found, names = _callers(user, phone)
    return render_template("cases/_callers.html", found=found, names=names, phone=phone, channel=chosen)


@bp.post("/<int:instance_id>/called-again")
@login_required
def called_again(instance_id: int):
    """The customer calls again about an open case: no new ticket; the case is reminded, and the person
    on the line tells the customer the progress. Any first responder may do it for an open case of the
    number the caller gives."""
    user = require_take_in()
    phone = (request.form.get("customer_phone") or "").strip()[:30]
    slug = request.form.get("channel_form") if request.form.get("channel_form") in CHANNELS else "hotline"
    engine = runtime.engine()
    with runtime.reading() as db:
        case = caller_case(db, user, instance_id, phone, process_id=PROCESS)
    if case is None or not case.business_key:
        raise InstanceNotFound(f"no open case #{instance_id} of this phone number")
    try:
        with runtime.transaction() as db:
            before = {task.id for task in engine.instances.detail(db, case.id).open_tasks}
            view = engine.instances.send_message(db, case.business_key, CALLED_AGAIN, by=user.login,
                                                 payload={"taken_by": user.login}, process_id=PROCESS)
            told = _take_new_task(db, user, [t for t in view.open_tasks if t.id not in before])
    except StateError:
        flash(_("Complaint %(key)s cannot take a reminder at its present stage.", key=case.business_key), "error")
        return redirect(url_for("cases.intake", slug=slug, customer_phone=phone))
    session["clear_draft"] = slug
    flash(_("No new ticket: complaint %(key)s is reminded. Tell the customer how it stands.",
            key=case.business_key), "success")
    return redirect(url_for("inbox.task", task_id=told.id) if told is not None else url_for("cases.new"))


def _take_new_task(db: Session, user: User, new: list[TaskView]) -> TaskView | None:
    """The task the reminder opened for whoever is on the line (telling the customer the progress): theirs
    (the call is taken by them), or claimed for them when it waits in their group."""
    for task in new:
        if task.assignee == user.login:
            return task
        if Rights.may_claim(user, task):
            return runtime.engine().desk.claim(db, user, task.id)
    return None


def _callers(user: User, phone: str) -> tuple[list[Any], dict[str, str]]:
    """The caller's cases, and the names of who received them."""
    if not phone:
        return [], {}
    with runtime.reading() as db:
        engine = runtime.engine()
        return caller_cases(db, user, phone, engine.clock.now(), process_id=PROCESS,
                            recent_days=engine.settings.branch.repeat_window_days), people_names(db)


def _by_field(chosen: Channel, reading: Reading, found: dict[str, str]) -> dict[str, str]:
    """Problems of the intake moved onto the form's fields ("" for those the form does not show)."""
    asked = {ask.name for ask in chosen.asks()}
    placed: dict[str, str] = {}
    for name, message in found.items():
        field = name if name in asked else FORM_ALIASES.get(name, "")
        placed.setdefault(field if field in asked else "", message)
    return placed


def _form(user: User, chosen: Channel, values: dict[str, Any], errors: dict[str, str], problem: str | None = None,
          status: int = 200):
    phone = str(values.get("customer_phone") or "")
    found, names = _callers(user, phone)
    return render_template("cases/intake.html", channel=chosen, values=with_defaults(chosen, values),
                           errors=errors, problem=problem, found=found, names=names, phone=phone,
                           draft_key=f"sqflow:intake:{user.login}:{chosen.slug}"), status
