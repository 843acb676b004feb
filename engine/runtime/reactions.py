"""A process's reactions to the steps of its instances, beyond what its diagram can do by itself: telling
people (notifications), recording on the case's history, starting a linked case, or refusing the step.

A reaction runs inside the step's transaction, after the step ran and before it is saved: what it
records is saved with the step, and raising one of the engine's errors (e.g. `FormInvalid`) refuses the
whole step. Any other failure is the reaction's own: its database writes are undone, the failure is
logged and recorded on the case, and the step goes on.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy.orm import Session

from ..errors import SqflowError
from .journal import Journal
from .stepping import ElementRun

if TYPE_CHECKING:
    from ..notifications import Notifier
    from ..settings import Settings
    from .views import InstanceView

log = logging.getLogger(__name__)


@dataclass
class StepSeen:
    """One step of an instance as a reaction sees it."""

    process_id: str
    instance_id: int | None      # None while the instance is being started
    business_key: str | None
    runs: list[ElementRun]        # the elements the step completed, in order (scripts with their changes)
    completed_now: dict[str, str]  # user task element -> who completed it in this step
    data: dict[str, Any]          # the case's data after the step: a reaction may add fields to it
    at: datetime

    def ran(self, element_id: str) -> bool:
        return any(run.element_id == element_id for run in self.runs)


@dataclass
class StepEffects:
    """What a reaction may do besides reading: record on the case, tell people, start another case."""

    journal: Journal
    notifier: "Notifier | None"
    settings: "Settings"
    start: Callable[..., "InstanceView"]  # start(session, process_id, started_by=, data=, business_key=)
    complete: Callable[..., "InstanceView"]  # complete_task(session, task_id, by=, data=)


StepReaction = Callable[[Session, StepSeen, StepEffects], None]


def reacts_to(*process_ids: str) -> Callable[[StepReaction], StepReaction]:
    """Mark a reaction as one for the steps of these processes only: the others' steps skip it (and the
    savepoint it would run in)."""
    def mark(reaction: StepReaction) -> StepReaction:
        reaction.processes = frozenset(process_ids)  # type: ignore[attr-defined]
        return reaction
    return mark


def run_reactions(reactions: tuple[StepReaction, ...], session: Session, seen: StepSeen, effects: StepEffects) -> None:
    for reaction in reactions:
        if seen.process_id not in getattr(reaction, "processes", (seen.process_id,)):
            continue
        name = getattr(reaction, "__name__", str(reaction))
        try:
            with session.begin_nested():
                reaction(session, seen, effects)
        except SqflowError:  # a refusal: the step is refused
            raise
        except Exception as exc:
            log.exception("step reaction %s failed on instance #%s", name, seen.instance_id)
            effects.journal.add("engine", "reaction.failed", details={"reaction": name, "error": str(exc)[:500]})
