"""Deploying safely: what a draft changes against the version new instances start on, deploying it
only with a confirmation and a reason, and making an earlier version current again.

Instances never move: each keeps the version it started on, so deploying or rolling back changes
only what new instances start on. Rolling back to version v deploys v's own files again as a new
version (its content is v's, its number the next one), so every start, timer and call that asks for
the newest version gets v's content, and the history of versions stays append-only. Who deployed
or rolled back, when, why, and from which version is kept in the audit log (`definition.deployed`,
`definition.rolled_back`), next to the version's deployment row; `engine.reads.version_history` reads them.

`Engine.releases` (a `Releases`) offers these operations.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import Clock
from ..errors import ConflictError, InvalidInputError, ProcessNotFound, StateError
from ..persistence.tables import AuditEntry, ProcessDefinition, ProcessInstance
from .parsing import SourceFile
from .repository import DefinitionRepository, DeployOutcome
from .semantic_diff import Changes, semantic_diff

OPEN_STATES = ("active", "suspended", "error")
DEPLOYED, ROLLED_BACK = "definition.deployed", "definition.rolled_back"


@dataclass(frozen=True)
class Preview:
    """A draft against the process's current version."""
    process_id: str
    current_version: int | None
    current_xml: str | None
    running_instances: int
    changes: Changes | None
    warnings: tuple = ()  # the modeler's lint: shown with the deployment, not refused (definitions.lint)


def running_instances(session: Session, definition_id: int) -> int:
    """Instances of this version that have not ended (they stay on it)."""
    return session.scalar(select(func.count()).select_from(ProcessInstance).where(
        ProcessInstance.definition_id == definition_id, ProcessInstance.state.in_(OPEN_STATES))) or 0


def _require_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInputError("say why: a deployment or a rollback needs a reason, which is kept with it")
    return reason[:2000]


class Releases:
    def __init__(self, repo: DefinitionRepository, clock: Clock):
        self._repo = repo
        self._clock = clock

    def preview(self, session: Session, files: list[SourceFile]) -> list[Preview]:
        """For each process the draft declares: its current version, the instances that stay on it, and the
        semantic difference (the draft must validate: `DefinitionError` with its problems otherwise)."""
        repo = self._repo
        previews = []
        for process in repo.validate(files):
            try:
                current = repo.latest(session, process.process_id)
            except ProcessNotFound:
                previews.append(Preview(process.process_id, None, None, 0, None, tuple(process.warnings)))
                continue
            before = repo.file(session, current.bpmn_file_id).content
            after = process.files[0].content.decode("utf-8")
            previews.append(Preview(process.process_id, current.version, before,
                                    running_instances(session, current.id),
                                    semantic_diff(before, after, process.process_id), tuple(process.warnings)))
        return previews

    def _audit(self, session: Session, who: str, event: str, details: dict) -> None:
        session.add(AuditEntry(at=self._clock.now(), actor=who, event=event, instance_id=None, task_id=None,
                               element_id=None, details=details))

    def deploy_confirmed(self, session: Session, files: list[SourceFile], who: str, reason: str | None,
                         base_versions: dict[str, int | None] | None = None) -> list[DeployOutcome]:
        """Deploy with a reason, recorded with each new version. `base_versions` (process id -> the version
        the designer saw as current, None for a new process) refuses the deploy if another came since."""
        reason = _require_reason(reason)
        for process_id, seen in (base_versions or {}).items():
            try:
                now_current = self._repo.latest(session, process_id).version
            except ProcessNotFound:
                now_current = None
            if now_current != seen:
                raise ConflictError(f"{process_id}: version {now_current} was deployed after you opened version "
                                    f"{seen}; look at the difference again before deploying")
        outcomes = self._repo.deploy(session, files, who)
        for outcome in outcomes:
            if outcome.changed:
                self._audit(session, who, DEPLOYED, {"process_id": outcome.process_id, "version": outcome.version,
                                                     "definition_id": outcome.definition_id, "reason": reason})
        return outcomes

    def roll_back(self, session: Session, process_id: str, version: int, who: str,
                  reason: str | None) -> DeployOutcome:
        """Make `version` what new instances start on again (as a new version with its content)."""
        reason = _require_reason(reason)
        target = session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_id == process_id,
                                                                 ProcessDefinition.version == version)).first()
        if target is None:
            raise ProcessNotFound(f"{process_id} has no version {version}")
        current = self._repo.latest(session, process_id)
        if current.content_hash == target.content_hash:
            raise StateError(f"{process_id}: version {current.version} already has the content of version {version}")
        files = [SourceFile(f.name, f.content.encode("utf-8")) for f in self._repo.files_of(session, target)]
        outcome = next(o for o in self._repo.deploy(session, files, who) if o.process_id == process_id)
        self._audit(session, who, ROLLED_BACK, {"process_id": process_id, "version": outcome.version,
                                                "definition_id": outcome.definition_id, "content_of": version,
                                                "previous": current.version, "reason": reason})
        return outcome
