"""A test run of a draft: deployed on a scratch database (a temporary SQLite file, an engine of its own
built the normal way), started with sample data, each user task completed with sample form data,
until it ends or waits for something a test run does not give (a timer, a message).

Form data comes from what the caller gives per task (element id -> data), else from each form
field's `default`, first `examples` entry, first `enum` value or `const`. Every step runs under the
engine's run-time budgets (engine.limits); the run as a whole stops after `max_tasks` user tasks or
`max_seconds`. Nothing touches the real database.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import select

from ..errors import SqflowError
from ..persistence.tables import AuditEntry, HumanTask
from .parsing import SourceFile
from .xml_guard import BPMN_NS

TRIAL_USER = "test-run"


@dataclass
class Trial:
    state: str                                       # completed, waiting, error, stopped
    path: list[dict] = field(default_factory=list)   # {"element_id", "name", "kind"} in the order run
    forms: list[dict] = field(default_factory=list)  # {"element_id", "name", "schema", "data"} as met
    message: str | None = None


def sample_form_data(schema: dict | None) -> dict[str, Any]:
    """Values a form would be filled with in a test: each field's default, example, first choice."""
    data: dict[str, Any] = {}
    for name, spec in ((schema or {}).get("properties") or {}).items():
        if not isinstance(spec, dict):
            continue
        for key in ("default", "const"):
            if key in spec:
                data[name] = spec[key]
                break
        else:
            if spec.get("examples"):
                data[name] = spec["examples"][0]
            elif spec.get("enum"):
                data[name] = spec["enum"][0]
            elif name in (schema.get("required") or []):
                data[name] = {"boolean": False, "integer": 0, "number": 0, "array": [], "object": {}}.get(
                    spec.get("type"), "test")
    return data


def _names(files: list[SourceFile]) -> dict[str, tuple[str | None, str]]:
    names = {}
    for source in files:
        if not source.name.lower().endswith(".bpmn"):
            continue
        root = etree.fromstring(source.content, etree.XMLParser(resolve_entities=False, no_network=True))
        for element in root.iter(f"{{{BPMN_NS}}}*"):
            if element.get("id"):
                names[element.get("id")] = (element.get("name"), etree.QName(element).localname)
    return names


def _groups_named(parsed) -> set[str]:
    from .starters import starter_groups
    lanes = {(t.get("lane") or "").strip() for p in parsed for t in p.user_tasks}
    return {lane for lane in lanes if lane and not lane.startswith("=")} | {
        g for p in parsed for g in starter_groups(p.starters)}


def test_run(engine, files: list[SourceFile], process_id: str | None, data: dict | None,
             task_data: dict[str, dict] | None = None, max_tasks: int = 50, max_seconds: float = 20.0) -> Trial:
    """Run the draft `files` on a scratch copy of `engine` (its settings, clock, helpers and services);
    raises DefinitionError when the draft does not deploy."""
    from .. import connect
    from ..people.groups import Groups, GroupSpec

    parsed = engine.definitions.validate(files)
    chosen = next((p for p in parsed if p.process_id == process_id), parsed[0])
    scratch = Path(tempfile.mkdtemp(prefix="sqflow-trial-"))
    try:
        settings = replace(engine.settings, database_url=f"sqlite:///{scratch / 'trial.db'}", var_dir=scratch,
                           clock="system", smtp_host="")
        trial_engine = engine.scratch_copy(settings)
        sessions = connect(settings)
        try:
            with sessions.begin() as session:
                Groups().ensure(session, [GroupSpec(name, name) for name in sorted(_groups_named(parsed))],
                                by=TRIAL_USER, now=engine.clock.now())
                trial_engine.definitions.deploy(session, files, TRIAL_USER)
            return _run(trial_engine, sessions, chosen.process_id, data or {}, task_data or {}, _names(files),
                        max_tasks, time.monotonic() + max_seconds)
        finally:
            sessions.kw["bind"].dispose()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run(engine, sessions, process_id: str, data: dict, task_data: dict[str, dict], names: dict, max_tasks: int,
         deadline: float) -> Trial:
    trial = Trial(state="stopped")
    try:
        with sessions.begin() as session:
            instance_id = engine.instances.start(session, process_id, started_by=TRIAL_USER, data=data).id
        for _ in range(max_tasks):
            if time.monotonic() > deadline:
                trial.message = "the test run took too long and was stopped"
                break
            with sessions.begin() as session:
                task = session.scalars(select(HumanTask).where(
                    HumanTask.instance_id == instance_id, HumanTask.state == "open")
                    .order_by(HumanTask.created_at, HumanTask.id)).first()
                if task is None:
                    break
                form = engine.definitions.form_of(session, *_definition_of(engine, session, task.instance_id),
                                                  task.element_id)
                filled = {**sample_form_data(form), **task_data.get(task.element_id, {})}
                trial.forms.append({"element_id": task.element_id, "name": task.name, "schema": form,
                                    "data": filled})
                engine.instances.complete_task(session, task.id, by=TRIAL_USER, data=filled)
        with sessions.begin() as session:
            view = engine.instances.detail(session, instance_id)
            trial.state = {"active": "waiting"}.get(view.state, view.state)
            if view.error_message:
                trial.message = view.error_message
            trial.path = _path(session, instance_id, names)
    except SqflowError as error:
        trial.state, trial.message = "error", str(error)
    return trial


def _definition_of(engine, session, instance_id: int) -> tuple[int, dict]:
    row = engine.instances.instance_row(session, instance_id)
    return row.definition_id, row.called_definitions


def _path(session, instance_id: int, names: dict) -> list[dict]:
    rows = session.scalars(select(AuditEntry).where(AuditEntry.instance_id == instance_id,
                                                    AuditEntry.event == "element.completed")
                           .order_by(AuditEntry.id)).all()
    path = []
    for row in rows:
        name, kind = names.get(row.element_id, (None, ""))
        path.append({"element_id": row.element_id, "name": name, "kind": kind})
    return path
