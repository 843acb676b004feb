"""Groups and departments: the list with their members, adding one, changing its label, department or
whether it is in use. A group's code is what diagrams' lanes and SLA policies name."""
from __future__ import annotations


from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from engine.errors import InvalidInputError
from engine.people import GROUP_KINDS as KINDS
from engine.people import GROUP_NAME as NAME
from engine.people import GroupSpec, Groups
from engine.reads import active_members, group_exists

from .. import runtime
from ..security import current_user
from . import bp
from .people import actor_names


@bp.get("/groups")
def groups():
    return _groups_page({}, {})


@bp.post("/groups")
def add_group():
    posted = {key: request.form.get(key, "").strip() for key in ("name", "label", "kind", "department")}
    problems = {}
    if not NAME.fullmatch(posted["name"]):
        problems["name"] = gettext("A code starts with a letter and has only letters, digits and _ . -")
    if not posted["label"]:
        problems["label"] = gettext("Fill in the name people read.")
    if posted["kind"] not in KINDS:
        problems["kind"] = gettext("Choose group or department.")
    if not problems:
        with runtime.transaction() as db:
            if group_exists(db, posted["name"]):
                problems["name"] = gettext("This code is taken.")
            else:
                Groups().save(db, _spec(posted), by=current_user().login, now=runtime.engine().clock.now())
    if problems:
        return _groups_page(posted, problems, 422)
    flash(gettext("%(label)s was added.", label=posted["label"]))
    return redirect(url_for("admin.groups"))


@bp.route("/groups/<name>", methods=["GET", "POST"])
def group(name: str):
    with runtime.reading() as db:
        if not group_exists(db, name):
            abort(404)
        found = Groups().get(db, name)
        departments = [g for g in Groups().list(db, "department", active_only=True) if g.name != name]
        history = Groups.history(db, name)
        names = actor_names(db, history)
    if request.method == "GET":
        return render_template("admin/group.html", group=found, departments=departments, problems={},
                               history=history, names=names)
    posted = {"name": name, "kind": found.kind, "label": request.form.get("label", "").strip(),
              "department": request.form.get("department", "").strip(), "active": request.form.get("active") == "on"}
    if not posted["label"]:
        return render_template("admin/group.html", group=found, departments=departments, history=history,
                               names=names, problems={"label": gettext("Fill in the name people read.")}), 422
    try:
        with runtime.transaction() as db:
            _, changed = Groups().save(db, _spec(posted), by=current_user().login, now=runtime.engine().clock.now())
    except InvalidInputError:
        return render_template("admin/group.html", group=found, departments=departments, history=history,
                               names=names, problems={"active": gettext(
                                   "Groups still belong to this department: move them to another one first.")}), 422
    flash(gettext("Saved.") if changed else gettext("Nothing changed."))
    return redirect(url_for("admin.groups"))


def _spec(posted: dict) -> GroupSpec:
    department = posted.get("department") or None
    return GroupSpec(posted["name"], posted["label"], posted["kind"],
                     department if posted["kind"] == "group" else None, posted.get("active", True))


def _groups_page(posted: dict, problems: dict, status: int = 200):
    with runtime.reading() as db:
        listed = Groups().list(db)
        members = active_members(db)
    return render_template("admin/groups.html", listed=listed, members=members, posted=posted, problems=problems,
                           departments=[g for g in listed if g.kind == "department" and g.active]), status
