"""Reading cases and tasks for people: one place that applies the visibility rule and the mask.

Every read takes the person asking. A case they may not see is `InstanceNotFound` (a task of one,
`Forbidden`), and supervisors read the fields forms mark `x-sensitive` masked, in the data, the
attributes, the audit entries, the case card and the history alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from ..clock import Clock
from ..definitions.repository import DefinitionRepository
from ..errors import InstanceNotFound
from ..people.desk import WorkDesk
from ..people.directory import User
from ..people.person_fields import PersonFields
from ..people.visibility import CaseMask, case_condition, require_case, sees_case
from ..persistence.tables import HumanTask, ProcessInstance, RunningSla
from ..runtime.element_stats import ElementStatus, element_source, instance_elements, instance_source
from ..runtime.instance_search import InstanceFilter, InstancePage, active_with_key, search_instances
from ..runtime.instances import InstanceService
from ..runtime.queries import history
from ..runtime.views import AuditView, InstanceView, TaskView
from ..sla.reports import OpenSla, open_slas
from .card import CaseCard, case_card
from .declarations import CaseDeclarations, Declarations
from .history import HistoryLine, case_history
from .names import Names
from .values import ShownValue, shown


@dataclass(frozen=True)
class TaskRead:
    """One task as its page and `GET /tasks/<id>` show it."""

    task: TaskView
    group_name: str | None            # the label of the task's group
    case: InstanceView                # its case, without data and audit entries (attributes masked)
    form: dict | None                 # the form as the person completing it sees it
    instructions: str | None          # the element's documentation in the diagram
    standing: str | None              # on_track / warning / breached; None without a deadline
    seconds_left: int | None
    card: CaseCard
    history: list[HistoryLine]


@dataclass(frozen=True)
class InstanceRead:
    """One case as its page and `GET /instances/<id>` show it."""

    instance: InstanceView            # with its data, attributes and audit entries (masked)
    card: CaseCard
    history: list[HistoryLine]
    slas: list[OpenSla]
    data: list[ShownValue]            # every field of its data, labelled by the forms


class CaseReads:
    def __init__(self, definitions: DefinitionRepository, instances: InstanceService, desk: WorkDesk,
                 person_fields: PersonFields, clock: Clock, zone: ZoneInfo):
        self.declarations = Declarations(definitions)
        self._instances, self._desk, self._person_fields = instances, desk, person_fields
        self._clock, self._zone = clock, zone

    # --- one case, one task --------------------------------------------------------------------

    def declared(self, session: Session, instance_id: int) -> CaseDeclarations:
        """What the case's definitions (its own and those it calls) declare."""
        row = session.execute(select(ProcessInstance.definition_id, ProcessInstance.called_definitions)
                              .where(ProcessInstance.id == instance_id)).first()
        if row is None:
            raise InstanceNotFound(f"no instance #{instance_id}")
        return self.declarations.of(session, row.definition_id, row.called_definitions)

    def mask(self, session: Session, user: User, instance_id: int) -> CaseMask:
        """How `user` reads the data of a case (supervisors: without the customer's identity)."""
        return CaseMask(user, self.declared(session, instance_id).sensitive)

    def task(self, session: Session, user: User, task_ref: str) -> TaskRead:
        """A task `user` may see (`Forbidden` otherwise), with its case card and history."""
        task = self._desk.task(session, user, task_ref)
        declared = self.declared(session, task.instance_id)
        mask = CaseMask(user, declared.sensitive)
        case = mask(self._case(session, task.instance_id))
        card, lines = self._story(session, case, history(session, task.instance_id), declared, mask)
        standing, left = self._desk.standing(session, task)
        form = self._person_fields.presented(session, declared.forms.get(task.element_id))
        return TaskRead(task, Names(session, ()).group(task.candidate_group), case, form,
                        declared.instructions.get(task.element_id), standing, left, card, lines)

    def instance(self, session: Session, user: User, instance_id: int) -> InstanceRead:
        """A case `user` may see (`InstanceNotFound` otherwise), with its data, card, history and SLAs."""
        require_case(session, user, instance_id)
        declared = self.declared(session, instance_id)
        mask = CaseMask(user, declared.sensitive)
        detail = self._instances.detail(session, instance_id)
        view = mask(detail)
        card, lines = self._story(session, view, detail.history or [], declared, mask)
        names = Names(session, (), hidden=_hidden_values(detail.history or [], mask))
        data = [shown(name, (view.data or {})[name], declared.properties.get(name), names)
                for name in _in_form_order(view.data or {}, declared)]
        return InstanceRead(view, card, lines, open_slas(session, self._clock.now(), instance_id=instance_id), data)

    def card(self, session: Session, user: User, instance_id: int) -> CaseCard:
        require_case(session, user, instance_id)
        declared = self.declared(session, instance_id)
        mask = CaseMask(user, declared.sensitive)
        return self._story(session, mask(self._case(session, instance_id)), history(session, instance_id), declared,
                           mask)[0]

    # --- diagrams, lists and look-ups, for the cases a person may see ---------------------------

    def elements(self, session: Session, user: User, instance_id: int) -> ElementStatus:
        """Where the case stands on its diagram: completed, active and overdue elements."""
        require_case(session, user, instance_id)
        return instance_elements(session, instance_id, self._clock.now())

    def diagram(self, session: Session, user: User, instance_id: int, element: str | None = None) -> str:
        """The BPMN XML the case runs; with `element`, the diagram that draws it (a called stage's own
        diagram when the element lies inside a process the case calls)."""
        require_case(session, user, instance_id)
        if element:
            return element_source(session, instance_id, element)
        return instance_source(session, instance_id)

    def instances(self, session: Session, user: User, filters: InstanceFilter, page: int = 1,
                  per_page: int = 25) -> InstancePage:
        """The cases `user` may see that match `filters`, newest first."""
        return search_instances(session, self._clock.now(), self._zone, filters, page, per_page,
                                visible=case_condition(user))

    def open_cases_with_key(self, session: Session, user: User, business_key: str,
                            process_id: str | None = None) -> list:
        """The open cases with a business key that `user` may see (a message would reach one of them)."""
        return [case for case in active_with_key(session, business_key, process_id)
                if sees_case(session, user, case.id)]

    # --- inside ------------------------------------------------------------------------------

    def _case(self, session: Session, instance_id: int) -> InstanceView:
        """The case and its open tasks, without reading its workflow state."""
        row = session.scalars(select(ProcessInstance).options(defer(ProcessInstance.workflow_state))
                              .where(ProcessInstance.id == instance_id)).first()
        if row is None:
            raise InstanceNotFound(f"no instance #{instance_id}")
        tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                        HumanTask.state == "open")
                                .order_by(HumanTask.created_at, HumanTask.id))
        return InstanceView.of(row, [TaskView.of(task) for task in tasks])

    def _story(self, session: Session, case: InstanceView, entries: list[AuditView], declared: CaseDeclarations,
               mask: CaseMask) -> tuple[CaseCard, list[HistoryLine]]:
        """The card and the history of `case` (masked) from its audit `entries` (as recorded)."""
        hidden = _hidden_values(entries, mask)
        entries = mask(entries)
        task_groups = dict(session.execute(select(HumanTask.id, HumanTask.candidate_group)
                                           .where(HumanTask.instance_id == case.id)).tuples().all())
        deadline_names = dict(session.execute(select(RunningSla.policy_id, RunningSla.name)
                                              .where(RunningSla.instance_id == case.id)).tuples().all())
        names = Names(session, _people_named(case, entries), [*task_groups.values(), *_groups_named(entries)], hidden)
        card = case_card(case, entries, open_slas(session, self._clock.now(), instance_id=case.id), declared, names)
        return card, case_history(entries, declared, names, deadline_names, task_groups)


def _hidden_values(entries: Iterable[AuditView], mask: CaseMask) -> set[str]:
    """What the masked fields hold in the recorded data (a supervisor reporting as the customer: their name)."""
    if not mask.active:
        return set()
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in mask.sensitive and isinstance(item, str) and item:
                    found.add(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for entry in entries:
        walk(entry.details)
    return found


def _people_named(case: InstanceView, entries: Iterable[AuditView]) -> set[str]:
    logins = {case.started_by, *(task.assignee for task in case.open_tasks if task.assignee)}
    for entry in entries:
        logins.add(entry.actor)
        details = entry.details or {}
        logins.update(value for key in ("assignee", "to", "from") if isinstance(value := details.get(key), str))
    return logins


def _groups_named(entries: Iterable[AuditView]) -> set[str]:
    return {entry.details["to"] for entry in entries
            if entry.event == "sla.escalated" and isinstance((entry.details or {}).get("to"), str)}


def _in_form_order(data: Mapping[str, object], declared: CaseDeclarations) -> list[str]:
    """The data's fields: those forms declare in the forms' order, then the others by name."""
    in_forms = [name for name in declared.properties if name in data]
    return in_forms + sorted(name for name in data if name not in declared.properties)
