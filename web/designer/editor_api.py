"""What the modeler's properties panel asks while a designer draws (see ENDPOINTS.md):

`GET /designer/api/catalog` the groups, roles, forms, decisions and processes to choose from;
`POST /designer/api/check-script` the sandbox's syntax check of a script or condition as it is typed;
`POST /designer/api/timer-preview` the next firing times of a timer on the working-day calendar.
"""
from __future__ import annotations

import json
import re
from datetime import datetime

from flask import jsonify, request
from flask_babel import format_datetime, get_locale, gettext
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine import SourceFile
from engine.definitions import check_script, is_form, parse_untrusted, timer_literal_kind, timer_value_problem
from engine.errors import DefinitionError, StateError
from engine.people import Groups
from engine.reads import DeployedFile, deployed_files, latest_definitions, newest_file_named

from .. import runtime
from ..admin.labels import ROLES
from ..security import role_required
from ..vendor import bundle_version
from . import bp
from .catalogue import max_bytes
from .files import base_name

DMN_NS = re.compile(r"^\{https://www\.omg\.org/spec/DMN/[^}]+\}decision$")
MAX_SOURCE = 100_000
MAX_FIRINGS = 5
_LINE = re.compile(r"^Line (\d+): (.*)$", re.S)


@bp.context_processor
def designer_page_values() -> dict:
    """For every designer page: the bundle's version (for its links) and the versions list's texts."""
    return {"bundle_version": bundle_version(), "versions_config": {
        "locale": str(get_locale()),
        "text": {"title": gettext("Make version %(version)d current"), "failed": gettext("The request failed:"),
                 "notAvailable": gettext("This is not available on the server yet."),
                 "reasonNeeded": gettext("Write why you change it: the reason is kept with the new version."),
                 "noChange": gettext("No element changed."), "layoutOnly": gettext("Only the layout changed.")}}}


@bp.get("/api/catalog")
@role_required("designer")
def catalog():
    with runtime.reading() as db:
        groups = [{"name": g.name, "label": g.label, "kind": g.kind, "department": g.department}
                  for g in Groups().list(db, active_only=True)]
        files = deployed_files(db)
        processes = [{"process_id": d.process_id, "name": d.name} for d in latest_definitions(db)]
    return jsonify({
        "groups": groups, "processes": processes,
        "roles": [{"name": name, "label": str(label)} for name, label in ROLES.items()],
        "forms": _forms(files), "decisions": _decisions(files),
    })


def _forms(files: list[DeployedFile]) -> list[dict]:
    """The newest stored copy of each form, by file name."""
    seen: dict[str, dict] = {}
    for file in files:
        name = file.base_name
        if not is_form(name) or name in seen:
            continue
        try:
            title = json.loads(file.content).get("title") or ""
        except (ValueError, AttributeError):
            title = ""
        seen[name] = {"name": name, "file_id": file.id, "title": title if isinstance(title, str) else ""}
    return sorted(seen.values(), key=lambda form: form["name"])


def stored_forms(db, names: list[str], present: set[str]) -> list[SourceFile]:
    """The newest stored copy of each named form not `present` already (a form a new diagram chose
    from another process's files); names of no stored form are left for validation to report."""
    wanted = [name for name in dict.fromkeys(base_name(n) for n in names) if is_form(name) and name not in present]
    found = []
    for name in wanted:
        file = newest_file_named(db, name)
        if file is not None:
            found.append(SourceFile(name, file.content.encode("utf-8")))
    return found


def _decisions(files: list[DeployedFile]) -> list[dict]:
    """Each decision of the newest stored copy of each .dmn file (id, name, file)."""
    found: dict[str, dict] = {}
    names: set[str] = set()
    for file in files:
        name, file_id = file.base_name, file.id
        if not name.lower().endswith(".dmn") or name in names:
            continue
        names.add(name)
        try:
            tree = parse_untrusted(name, file.content.encode("utf-8"), max_bytes())
        except DefinitionError:
            continue
        for element in tree.getroot().iter():
            if isinstance(element.tag, str) and DMN_NS.match(element.tag) and element.get("id"):
                found.setdefault(element.get("id"), {"decision_id": element.get("id"), "file_id": file_id,
                                                     "file": name, "name": element.get("name") or element.get("id")})
    return sorted(found.values(), key=lambda decision: decision["name"])


def _posted() -> dict:
    payload = request.get_json(silent=True)
    return payload if isinstance(payload, dict) else {}


def readable_objection(message: str) -> str:
    """The sandbox's objection in the designer's words, with its line."""
    matched = _LINE.match(message)
    line, detail = (int(matched.group(1)), matched.group(2)) if matched else (None, message)
    if detail.startswith("SyntaxError"):
        what = gettext("the syntax is not valid Python")
    elif "imports are not allowed" in detail:
        what = gettext("imports are not allowed in scripts")
    elif "starts with \"_\"" in detail:
        what = gettext("names must not start with an underscore")
    else:
        what = gettext("the sandbox does not allow this code")
    return gettext("Line %(line)d: %(what)s", line=line, what=what) if line else what


@bp.post("/api/check-script")
@role_required("designer")
def check_script_view():
    payload = _posted()
    source, mode = payload.get("source"), payload.get("mode")
    if not isinstance(source, str) or mode not in ("exec", "eval"):
        return jsonify({"ok": False, "message": gettext("Send the script and its mode (exec or eval).")}), 400
    if len(source) > MAX_SOURCE:
        return jsonify({"ok": False, "message": gettext("The script is too long.")})
    objection = check_script(source, mode)
    return jsonify({"ok": objection is None, "message": readable_objection(objection) if objection else None})


def _firings(kind: str, value: str, now: datetime) -> list[datetime]:
    zone = runtime.engine().calendar.zone
    if kind == "timeDate":
        return [TimerEventDefinition.get_datetime(value).astimezone(zone)]
    if kind == "timeDuration":
        duration = TimerEventDefinition.get_timedelta_from_start(TimerEventDefinition.parse_iso_duration(value), now)
        return [(now + duration).astimezone(zone)]
    cycles, start, duration = TimerEventDefinition.parse_iso_recurring_interval(value)
    first = start if value.split("/")[1][:1].isdigit() else now + duration  # a start date, or from now
    count = MAX_FIRINGS if cycles < 0 else min(cycles, MAX_FIRINGS)
    return [(first + duration * index).astimezone(zone) for index in range(count)]


@bp.post("/api/timer-preview")
@role_required("designer")
def timer_preview():
    payload = _posted()
    kind, value = payload.get("kind"), payload.get("value")
    if kind not in ("timeDate", "timeDuration", "timeCycle") or not isinstance(value, str):
        return jsonify({"problem": gettext("Send the timer's kind and value.")}), 400
    text = value.strip().strip("'\"")
    if timer_literal_kind(text) is None:
        return jsonify({"expression": True, "firings": []})
    if timer_value_problem(kind, text):
        return jsonify({"problem": _timer_problem(kind), "firings": []})
    engine = runtime.engine()
    now = engine.clock.now()
    try:
        firings = _firings(kind, text, now)
    except (ValueError, OverflowError):
        return jsonify({"problem": _timer_problem(kind), "firings": []})
    return jsonify({"expression": False, "problem": None, "firings": [
        {"at": at.isoformat(), "label": format_datetime(at, "yyyy-MM-dd EEE HH:mm"),
         "workday": _workday(at)} for at in firings]})


def _workday(at: datetime) -> bool | None:
    try:
        return runtime.engine().calendar.is_workday(at.date())[0]
    except StateError:  # a year nobody loaded, under the `refuse` policy
        return None


def _timer_problem(kind: str) -> str:
    return {"timeDate": gettext("Write a date and time such as 2027-01-04T09:00:00+08:00, or an expression."),
            "timeDuration": gettext("Write a duration such as PT2H or P3D, or an expression."),
            "timeCycle": gettext("Write a cycle such as R3/PT1H, or an expression.")}[kind]

