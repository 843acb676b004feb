"""Accounts: the list, adding a person, changing them, disabling and enabling, resetting a password.

A password an administrator sets (given or generated) is shown once, on the answer to the POST that
set it, and must be changed at the person's next sign-in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from engine.errors import StateError
from engine.people import EMAIL, MIN_PASSWORD, ROLES, Groups, PeopleAdmin, PersonSpec
from engine.reads import Account, account, accounts, open_task_count, people_names

from .. import runtime
from ..security import current_user
from . import bp

PAGE = 50
LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,199}")
STATES = ("active", "disabled", "all")


@dataclass
class PersonForm:
    """What the add / change form holds, and what is wrong with it (field -> message)."""
    login: str = ""
    name: str = ""
    department: str = ""
    groups: tuple[str, ...] = ()
    roles: tuple[str, ...] = ("handler",)
    email: str = ""
    password: str = ""

    @classmethod
    def posted(cls, login: str | None = None) -> "PersonForm":
        form = request.form
        return cls(login if login is not None else form.get("login", "").strip(), form.get("name", "").strip(),
                   form.get("department", ""), tuple(form.getlist("groups")),
                   tuple(r for r in form.getlist("roles") if r in ROLES), form.get("email", "").strip(),
                   form.get("password", ""))

    @classmethod
    def of(cls, row: Account) -> "PersonForm":
        return cls(row.login, row.name, row.department or "", tuple(row.groups or ()), tuple(row.roles or ()),
                   row.email or "")

    def spec(self) -> PersonSpec:
        return PersonSpec(self.login, self.name, self.department or None, self.groups, self.roles, self.email or None)

    def problems(self, new: bool) -> dict[str, str]:
        found = {}
        if new and not LOGIN.fullmatch(self.login):
            found["login"] = gettext("A login starts with a letter or digit and has only letters, digits and . _ @ -")
        if not self.name:
            found["name"] = gettext("Fill in the name.")
        if self.email and not EMAIL.fullmatch(self.email):
            found["email"] = gettext("This is not a mail address.")
        if not self.roles:
            found["roles"] = gettext("Choose at least one role.")
        if new and self.password and len(self.password) < MIN_PASSWORD:
            found["password"] = gettext("At least %(n)d characters.", n=MIN_PASSWORD)
        return found


@bp.get("/")
def index():
    return redirect(url_for("admin.people"))


@bp.get("/people")
def people():
    text = request.args.get("q", "").strip()[:100]
    group = request.args.get("group", "")
    state = request.args.get("state") if request.args.get("state") in STATES else "active"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    with runtime.reading() as db:
        rows = accounts(db, text=text, active=None if state == "all" else state == "active", group=group)
        choices = Groups().list(db, active_only=True)
    shown = rows[(page - 1) * PAGE: page * PAGE]
    return render_template("admin/people.html", rows=shown, total=len(rows), page=page,
                           pages=max(1, -(-len(rows) // PAGE)), text=text, group=group, state=state,
                           choices=choices)


@bp.route("/people/new", methods=["GET", "POST"])
def add_person():
    if request.method == "GET":
        return _form_page(PersonForm(), {})
    form = PersonForm.posted()
    problems = form.problems(new=True)
    if not problems:
        with runtime.transaction() as db:
            if account(db, form.login) is not None:
                problems["login"] = gettext("This login is taken.")
            else:
                user, password = PeopleAdmin().add(db, form.spec(), by=current_user().login,
                                                   now=runtime.engine().clock.now(), password=form.password or None)
    if problems:
        return _form_page(form, problems), 422
    flash(gettext("%(name)s can now sign in as %(login)s and must change the password at the first sign-in.",
                  name=user.name, login=user.login))
    return _person_page(user.login, temporary=None if form.password else password)


@bp.get("/people/<login>")
def person(login: str):
    return _person_page(login)


@bp.post("/people/<login>")
def change_person(login: str):
    form = PersonForm.posted(login)
    problems = form.problems(new=False)
    if problems:
        return _person_page(login, form=form, problems=problems, status=422)
    with runtime.transaction() as db:
        _row(db, login)
        changes = PeopleAdmin().update(db, form.spec(), by=current_user().login, now=runtime.engine().clock.now())
    flash(gettext("Saved.") if changes else gettext("Nothing changed."))
    return redirect(url_for("admin.person", login=login))


@bp.post("/people/<login>/disable")
def disable(login: str):
    if login == current_user().login:
        flash(gettext("You cannot disable your own account."), "error")
        return redirect(url_for("admin.person", login=login))
    with runtime.transaction() as db:
        _row(db, login)
        done = PeopleAdmin().disable(db, login, by=current_user().login, now=runtime.engine().clock.now())
    flash(gettext("Disabled. %(n)d open task(s) went back to their groups; the person's sessions and API tokens "
                  "have ended.", n=len(done.tasks_returned)))
    return redirect(url_for("admin.person", login=login))


@bp.post("/people/<login>/enable")
def enable(login: str):
    with runtime.transaction() as db:
        _row(db, login)
        PeopleAdmin().enable(db, login, by=current_user().login, now=runtime.engine().clock.now())
    flash(gettext("Enabled."))
    return redirect(url_for("admin.person", login=login))


@bp.post("/people/<login>/reset-password")
def reset_password(login: str):
    try:
        with runtime.transaction() as db:
            _row(db, login)
            temporary = PeopleAdmin().reset_password(db, login, by=current_user().login,
                                                     now=runtime.engine().clock.now())
    except StateError:
        flash(gettext("This person signs in through the organisation directory: the password is kept there."), "error")
        return redirect(url_for("admin.person", login=login))
    flash(gettext("The password was reset; the person must change it at the next sign-in."))
    return _person_page(login, temporary=temporary)


def _row(db, login: str) -> Account:
    row = account(db, login)
    if row is None:
        abort(404)
    return row


def _form_page(form: PersonForm, problems: dict[str, str]):
    with runtime.reading() as db:
        groups = Groups().list(db, active_only=True)
    return render_template("admin/person_form.html", form=form, problems=problems, groups=groups, roles=ROLES,
                           departments=[g for g in groups if g.kind == "department"])


def _person_page(login: str, *, temporary: str | None = None, form: PersonForm | None = None,
                 problems: dict[str, str] | None = None, status: int = 200):
    with runtime.reading() as db:
        row = _row(db, login)
        groups = Groups().list(db, active_only=True)
        history = PeopleAdmin.history(db, login, limit=30)
        names = actor_names(db, history)
        open_tasks = open_task_count(db, login)
    return render_template("admin/person.html", row=row, form=form or PersonForm.of(row), problems=problems or {},
                           departments=[g for g in groups if g.kind == "department"], groups=groups, roles=ROLES,
                           history=history, names=names, temporary=temporary, open_tasks=open_tasks), status


def actor_names(db, history: list) -> dict[str, str]:
    """Login -> display name of who made the recorded changes."""
    return people_names(db, (entry.actor for entry in history))
