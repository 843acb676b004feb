"""Versioned process definitions: deploy, look up, and restore specs (parsed once, cached)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from threading import Lock
from typing import Any, Callable

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec

from ..clock import Clock
from ..errors import ConflictError, DefinitionError, DefinitionProblem, ProcessNotFound
from ..persistence.tables import Deployment, DeploymentFile, ProcessDefinition
from ..runtime.codec import StateCodec
from .call_graph import recursive_call_problems
from .forms import is_form
from .shipped_policies import policy_file_name
from .lane_groups import unknown_lane_problems
from .parsing import ParsedProcess, SourceFile, parse_files
from .services import ServiceRegistry


@dataclass(frozen=True)
class DeployOutcome:
    process_id: str
    version: int
    definition_id: int
    changed: bool
    warnings: tuple[DefinitionProblem, ...] = ()  # drawing advice (the modeler's lint): shown, not refused

    def describe(self) -> str:
        if self.changed:
            return f"{self.process_id}: deployed version {self.version}"
        return f"{self.process_id}: unchanged, version {self.version} is identical (nothing deployed)"


@dataclass(frozen=True)
class LoadedSpecs:
    spec: BpmnProcessSpec
    embedded: dict[str, BpmnProcessSpec]
    forms: dict[str, dict]


@dataclass(frozen=True)
class DeployedVersion:
    """What running one version of a process needs besides its specs (a version never changes, so cached)."""

    id: int
    process_id: str
    version: int
    calls: tuple[str, ...]
    starters: list[str] | None
    report_fields: tuple[str, ...]


_NEWEST_ID = (select(ProcessDefinition.id).where(ProcessDefinition.process_id == bindparam("process_id"))
              .order_by(ProcessDefinition.version.desc()).limit(1))


def deployed_files_of(session: Session, definition: ProcessDefinition) -> list[DeploymentFile]:
    """The files a version was deployed from: its diagram first, then the decision files deployed with it,
    the forms its user tasks name and its SLA policies."""
    forms = {task["form"] for task in definition.user_tasks or [] if task.get("form")}
    files = session.scalars(select(DeploymentFile).where(DeploymentFile.deployment_id == definition.deployment_id)
                            .order_by(DeploymentFile.id)).all()
    diagram = [f for f in files if f.id == definition.bpmn_file_id]
    decisions = [f for f in files if f.name.lower().endswith(".dmn")]
    used_forms = [f for f in files if is_form(f.name) and PurePosixPath(f.name).name in forms]
    policies = [f for f in files if PurePosixPath(f.name).name == policy_file_name(definition.process_id)]
    return diagram + decisions + used_forms + policies


class DefinitionRepository:
    def __init__(self, codec: StateCodec, clock: Clock, max_diagram_bytes: int):
        self._codec = codec
        self._clock = clock
        self._max_bytes = max_diagram_bytes
        self._specs: dict[int, LoadedSpecs] = {}
        self._versions: dict[int, DeployedVersion] = {}
        self._lock = Lock()
        self._after_deploy: list[Callable[[Session, int, str, BpmnProcessSpec, str], Any]] = []
        self.services = ServiceRegistry()  # what Camunda service tasks may call (the engine sets its own)
        # stores the SLA policies a new version ships (`<process id>.sla.json`); the engine sets it
        self.ship_policies: Callable[[Session, str, SourceFile, str], Any] | None = None

    def after_deploy(self, hook: Callable[[Session, int, str, BpmnProcessSpec, str], Any]) -> None:
        """Call `hook(session, definition_id, process_id, spec, file_name)` for each new version."""
        self._after_deploy.append(hook)

    def validate(self, files: list[SourceFile]) -> list[ParsedProcess]:
        """Every check of a deployment that the files alone decide (deploy runs these, then those that
        need the deployed processes)."""
        parsed = parse_files(files, self._max_bytes, self.services)
        if not parsed:
            raise DefinitionError(DefinitionProblem(
                files[0].name, "no process to deploy: a .dmn file is deployed together with the .bpmn that uses it",
                code="deploy.dmn_alone"))
        return parsed

    def deploy(self, session: Session, files: list[SourceFile], deployed_by: str) -> list[DeployOutcome]:
        parsed = self.validate(files)
        self._refuse_recursive_calls(session, parsed)
        unknown_lanes = unknown_lane_problems(session, parsed)
        if unknown_lanes:
            raise DefinitionError(unknown_lanes)
        outcomes: list[DeployOutcome] = []
        deployment: Deployment | None = None
        stored: dict[str, DeploymentFile] = {}
        for process in parsed:
            latest = self._latest_or_none(session, process.process_id)
            if latest is not None and latest.content_hash == process.content_hash:
                outcomes.append(DeployOutcome(process.process_id, latest.version, latest.id, False,
                                              tuple(process.warnings)))
                continue
            if deployment is None:
                deployment = Deployment(deployed_at=self._clock.now(), deployed_by=deployed_by)
                session.add(deployment)
            for source in process.files:
                if source.name not in stored:
                    stored[source.name] = DeploymentFile(
                        deployment=deployment, name=source.name, sha256=source.sha256,
                        content=source.content.decode("utf-8"))
                    session.add(stored[source.name])
            session.flush()
            definition = ProcessDefinition(
                process_id=process.process_id, version=(latest.version + 1) if latest else 1,
                name=process.name, content_hash=process.content_hash, deployment_id=deployment.id,
                bpmn_file_id=stored[process.files[0].name].id, deployed_at=deployment.deployed_at,
                spec=self._codec.spec_to_dict(process.spec),
                embedded_specs={k: self._codec.spec_to_dict(v) for k, v in process.embedded_specs.items()},
                calls=process.calls, user_tasks=process.user_tasks, forms=process.forms,
                report_fields=process.report_fields, starters=process.starters)
            session.add(definition)
            try:
                session.flush()
            except IntegrityError:
                raise ConflictError(
                    f"{process.process_id} was deployed by someone else at the same moment; deploy again") from None
            if process.policy_file is not None and self.ship_policies is not None:
                self.ship_policies(session, process.process_id, process.policy_file, deployed_by)
            for hook in self._after_deploy:
                hook(session, definition.id, process.process_id, process.spec, process.files[0].name)
            outcomes.append(DeployOutcome(process.process_id, definition.version, definition.id, True,
                                          tuple(process.warnings)))
        return outcomes

    def _refuse_recursive_calls(self, session: Session, parsed: list[ParsedProcess]) -> None:
        """The files' own cycles were refused by `validate`; here calls also go through deployed processes."""
        def deployed_calls(process_id: str) -> list[str]:
            latest = self._latest_or_none(session, process_id)
            return list(latest.calls) if latest else []

        problems = recursive_call_problems(parsed, deployed_calls)
        if problems:
            raise DefinitionError(problems)

    def _latest_or_none(self, session: Session, process_id: str) -> ProcessDefinition | None:
        return session.scalars(
            select(ProcessDefinition).where(ProcessDefinition.process_id == process_id)
            .order_by(ProcessDefinition.version.desc()).limit(1)).first()

    def latest(self, session: Session, process_id: str) -> ProcessDefinition:
        definition = self._latest_or_none(session, process_id)
        if definition is None:
            raise ProcessNotFound(f"no process {process_id!r} is deployed")
        return definition

    def newest(self, session: Session, process_id: str) -> DeployedVersion:
        """The newest version of a process: one look-up of its id (a deploy elsewhere may have added one),
        the rest from the cache."""
        definition_id = session.connection().execute(_NEWEST_ID, {"process_id": process_id}).scalar()
        if definition_id is None:
            raise ProcessNotFound(f"no process {process_id!r} is deployed")
        return self.version_of(session, definition_id)

    def version_of(self, session: Session, definition_id: int) -> DeployedVersion:
        """`DeployedVersion` by definition id: no query once it was read in this process."""
        cached = self._versions.get(definition_id)
        if cached is None:
            row = self.get(session, definition_id)
            cached = DeployedVersion(row.id, row.process_id, row.version, tuple(row.calls or ()),
                                     None if row.starters is None else list(row.starters),
                                     tuple(row.report_fields or ()))
            with self._lock:
                self._versions[definition_id] = cached
        return cached

    def get(self, session: Session, definition_id: int) -> ProcessDefinition:
        definition = session.get(ProcessDefinition, definition_id)
        if definition is None:
            raise ProcessNotFound(f"no process definition #{definition_id}")
        return definition

    def list_latest(self, session: Session) -> list[ProcessDefinition]:
        """Each process's newest definition."""
        newest = (select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("v"))
                  .group_by(ProcessDefinition.process_id).subquery())
        rows = session.scalars(
            select(ProcessDefinition).join(newest, (ProcessDefinition.process_id == newest.c.process_id)
                                           & (ProcessDefinition.version == newest.c.v))
            .order_by(ProcessDefinition.process_id)).all()
        return list(rows)

    def versions(self, session: Session, process_id: str | None = None) -> list[ProcessDefinition]:
        """Every version of one process (or of all), by process id, newest version first."""
        query = select(ProcessDefinition).order_by(ProcessDefinition.process_id, ProcessDefinition.version.desc())
        if process_id is not None:
            query = query.where(ProcessDefinition.process_id == process_id)
        return list(session.scalars(query).all())

    def files_of(self, session: Session, definition: ProcessDefinition) -> list[DeploymentFile]:
        return deployed_files_of(session, definition)

    def file(self, session: Session, file_id: int) -> DeploymentFile:
        found = session.get(DeploymentFile, file_id)
        if found is None:
            raise ProcessNotFound(f"no deployed file #{file_id}")
        return found

    def specs(self, definition: ProcessDefinition) -> LoadedSpecs:
        """The restored specs of a definition; restored once per process, then cached (immutable)."""
        cached = self._specs.get(definition.id)
        if cached is None:
            cached = LoadedSpecs(self._codec.spec_from_dict(definition.spec),
                                 {k: self._codec.spec_from_dict(v) for k, v in definition.embedded_specs.items()},
                                 definition.forms or {})
            with self._lock:
                self._specs[definition.id] = cached
        return cached

    def specs_of(self, session: Session, definition_id: int) -> LoadedSpecs:
        """`specs` by definition id: no query once the definition was restored in this process."""
        cached = self._specs.get(definition_id)
        return cached if cached is not None else self.specs(self.get(session, definition_id))

    def form_of(self, session: Session, definition_id: int, called: dict[str, int] | None,
                element_id: str) -> dict | None:
        """The form of a task of an instance: in its own definition, or in a process it calls (in the
        versions the instance resolved when it started)."""
        for each in (definition_id, *(called or {}).values()):
            form = self.specs_of(session, each).forms.get(element_id)
            if form is not None:
                return form
        return None

    def report_fields(self, session: Session, definition_id: int) -> tuple[str, ...]:
        """The case fields a definition keeps on its instances."""
        return self.version_of(session, definition_id).report_fields

    def resolve_calls(self, session: Session, definition: DeployedVersion | ProcessDefinition) -> dict[str, int]:
        """The definition each called process resolves to at start: its newest version, transitively."""
        resolved: dict[str, int] = {}
        pending = list(definition.calls)
        while pending:
            process_id = pending.pop()
            if process_id in resolved:
                continue
            try:
                callee = self.newest(session, process_id)
            except ProcessNotFound:
                raise ProcessNotFound(f"{definition.process_id} v{definition.version} calls {process_id!r}, "
                                      "which is not deployed") from None
            resolved[process_id] = callee.id
            pending.extend(callee.calls)
        return resolved

    def subprocess_specs(self, session: Session, definition: ProcessDefinition,
                         called: dict[str, int]) -> dict[str, BpmnProcessSpec]:
        return self.subprocess_specs_of(session, self.specs(definition), called)

    def subprocess_specs_of(self, session: Session, loaded: LoadedSpecs,
                            called: dict[str, int]) -> dict[str, BpmnProcessSpec]:
        """The specs an instance of `loaded` runs besides its own: embedded ones and the called processes'."""
        specs = dict(loaded.embedded)
        for process_id, definition_id in called.items():
            callee = self.specs_of(session, definition_id)
            specs[process_id] = callee.spec
            specs.update(callee.embedded)
        return specs
