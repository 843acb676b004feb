"""What the designer reads about deployed processes: their versions, the files each was deployed from,
the instances each has, and who deployed or rolled back which version and why.

Each answer is a read-only value (never a table row): a `DefinitionVersion`, a `DeployedFile`, a
`VersionFiles` (a version with its files) or a `VersionRecord` (a version in its process's history).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..definitions.parsing import SourceFile
from ..definitions.releases import DEPLOYED, OPEN_STATES, ROLLED_BACK
from ..definitions.repository import deployed_files_of
from ..errors import ProcessNotFound
from ..persistence.tables import AuditEntry, Deployment, DeploymentFile, ProcessDefinition, ProcessInstance


@dataclass(frozen=True)
class UserTask:
    """A user task of a version: its lane, and the form it names (a file name) if any."""
    id: str
    name: str | None
    lane: str | None
    form: str | None
    instructions: str | None


@dataclass(frozen=True)
class DefinitionVersion:
    """One deployed version of a process."""
    id: int
    process_id: str
    version: int
    name: str
    deployed_at: datetime
    deployed_by: str
    bpmn_file_id: int
    user_tasks: tuple[UserTask, ...] = ()

    def tasks_with_forms(self) -> tuple[UserTask, ...]:
        return tuple(task for task in self.user_tasks if task.form)

    def tasks_using(self, form: str) -> tuple[UserTask, ...]:
        return tuple(task for task in self.user_tasks if task.form == form)


@dataclass(frozen=True)
class DeployedFile:
    """A file as it was deployed: `name` as given then (a form's or decision's may carry a folder)."""
    id: int
    name: str
    content: str

    @property
    def base_name(self) -> str:
        return base_name(self.name)

    def source(self) -> SourceFile:
        """The file as it would be deployed again."""
        return SourceFile(self.name, self.content.encode("utf-8"))


@dataclass(frozen=True)
class VersionFiles:
    """A version and the files it was deployed from: its diagram first, then its decisions, the forms its
    user tasks name and its SLA policies; `instances` counts its instances by state."""
    definition: DefinitionVersion
    files: tuple[DeployedFile, ...]
    instances: Mapping[str, int] = field(default_factory=dict)

    @property
    def diagram(self) -> DeployedFile:
        return next(f for f in self.files if f.id == self.definition.bpmn_file_id)

    @property
    def instance_total(self) -> int:
        return sum(self.instances.values())


@dataclass(frozen=True)
class VersionRecord:
    """A version in its process's history: who deployed it, when and why."""
    version: int
    definition_id: int
    deployed_at: datetime
    deployed_by: str
    reason: str | None
    content_of: int | None           # the earlier version a rollback copied
    running_instances: int
    bpmn_file_id: int


def base_name(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).name


def _versions(session: Session, query) -> list[DefinitionVersion]:
    rows = session.execute(query.add_columns(Deployment.deployed_by)
                           .outerjoin(Deployment, Deployment.id == ProcessDefinition.deployment_id)).all()
    return [_version(row, deployed_by or "") for row, deployed_by in rows]


def _version(row: ProcessDefinition, deployed_by: str) -> DefinitionVersion:
    tasks = tuple(UserTask(task["id"], task.get("name"), task.get("lane"), task.get("form"), task.get("instructions"))
                  for task in row.user_tasks or [])
    return DefinitionVersion(row.id, row.process_id, row.version, row.name, row.deployed_at, deployed_by,
                             row.bpmn_file_id, tasks)


def definition_versions(session: Session, process_id: str | None = None) -> list[DefinitionVersion]:
    """Every version of one process (or of all), by process id, newest version first."""
    query = select(ProcessDefinition).order_by(ProcessDefinition.process_id, ProcessDefinition.version.desc())
    if process_id is not None:
        query = query.where(ProcessDefinition.process_id == process_id)
    return _versions(session, query)


def latest_definitions(session: Session) -> list[DefinitionVersion]:
    """Each process's newest version, by process id."""
    newest = (select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("v"))
              .group_by(ProcessDefinition.process_id).subquery())
    return _versions(session, select(ProcessDefinition).join(
        newest, (ProcessDefinition.process_id == newest.c.process_id) & (ProcessDefinition.version == newest.c.v))
        .order_by(ProcessDefinition.process_id))


def _files(session: Session, definition_id: int) -> tuple[DeployedFile, ...]:
    row = session.get(ProcessDefinition, definition_id)
    return tuple(_file(f) for f in deployed_files_of(session, row))


def _file(row: DeploymentFile) -> DeployedFile:
    return DeployedFile(row.id, row.name, row.content)


def _instance_counts(session: Session) -> dict[int, dict[str, int]]:
    """Definition id -> {instance state: count}, for the versions that have instances."""
    rows = session.execute(select(ProcessInstance.definition_id, ProcessInstance.state, func.count())
                           .group_by(ProcessInstance.definition_id, ProcessInstance.state)).all()
    counts: dict[int, dict[str, int]] = {}
    for definition_id, state, count in rows:
        counts.setdefault(definition_id, {})[state] = count
    return counts


def deployed_versions(session: Session) -> list[VersionFiles]:
    """Every version of every process with its files and its instances by state, by process id, newest
    version first."""
    counts = _instance_counts(session)
    return [VersionFiles(d, _files(session, d.id), counts.get(d.id, {})) for d in definition_versions(session)]


def latest_version_files(session: Session, process_id: str) -> VersionFiles | None:
    """The newest version of a process and the files it was deployed from (None if it is not deployed)."""
    newest = _versions(session, select(ProcessDefinition).where(ProcessDefinition.process_id == process_id)
                       .order_by(ProcessDefinition.version.desc()).limit(1))
    return VersionFiles(newest[0], _files(session, newest[0].id)) if newest else None


def latest_versions_using(session: Session, file_name: str) -> list[VersionFiles]:
    """The newest version of each process whose files include one called `file_name` (base name)."""
    found = []
    for definition in latest_definitions(session):
        files = _files(session, definition.id)
        if any(f.base_name == file_name for f in files):
            found.append(VersionFiles(definition, files))
    return found


def deployed_file(session: Session, file_id: int) -> DeployedFile:
    row = session.get(DeploymentFile, file_id)
    if row is None:
        raise ProcessNotFound(f"no deployed file #{file_id}")
    return _file(row)


def deployed_files(session: Session) -> list[DeployedFile]:
    """Every deployed file, newest first."""
    return [_file(row) for row in session.scalars(select(DeploymentFile).order_by(DeploymentFile.id.desc()))]


def newest_file_named(session: Session, name: str) -> DeployedFile | None:
    """The newest deployed file whose base name is `name`."""
    rows = session.scalars(select(DeploymentFile).where(DeploymentFile.name.endswith(name, autoescape=True))
                           .order_by(DeploymentFile.id.desc()))
    return next((_file(row) for row in rows if base_name(row.name) == name), None)


def version_history(session: Session, process_id: str) -> list[VersionRecord]:
    """Every version of a process, newest first, with who deployed it, when and why."""
    definitions = definition_versions(session, process_id)
    if not definitions:
        raise ProcessNotFound(f"no process {process_id!r} is deployed")
    notes = _notes(session, process_id)
    counts = dict(session.execute(select(ProcessInstance.definition_id, func.count()).where(
        ProcessInstance.process_id == process_id, ProcessInstance.state.in_(OPEN_STATES))
        .group_by(ProcessInstance.definition_id)).all())
    records = []
    for definition in definitions:
        note = notes.get(definition.version, {})
        records.append(VersionRecord(definition.version, definition.id, definition.deployed_at,
                                     definition.deployed_by, note.get("reason"), note.get("content_of"),
                                     counts.get(definition.id, 0), definition.bpmn_file_id))
    return records


def _notes(session: Session, process_id: str) -> dict[int, dict]:
    rows: Iterable[AuditEntry] = session.scalars(select(AuditEntry).where(
        AuditEntry.instance_id.is_(None), AuditEntry.event.in_((DEPLOYED, ROLLED_BACK))).order_by(AuditEntry.id))
    return {row.details["version"]: row.details for row in rows if row.details.get("process_id") == process_id}
