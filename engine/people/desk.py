"""A person's work desk: their inbox with filters, and claiming, handing on and completing tasks.

Every method takes the signed-in `User` and checks `Rights` first; the web app and the API call
these and never touch task rows themselves. The caller owns the transaction.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..clock import Clock
from ..definitions.starters import INTERNAL
from ..errors import Forbidden, InvalidInputError, TaskNotOpen
from ..persistence.database import step_reads
from ..persistence.tables import HumanTask
from ..runtime.instances import InstanceService
from ..runtime.journal import Journal
from ..runtime.queries import Page
from ..runtime.views import InstanceView, TaskView
from ..sla.reports import standing_of
from . import inbox_query
from .inbox_query import SCOPES, SLA_STANDINGS, InboxFilter, Shape  # noqa: F401  (the desk's vocabulary)
from .directory import Directory, User
from .rights import Rights
from .visibility import sees_case

if TYPE_CHECKING:
    from ..notifications import Notifier

NEXT_WINDOW = 10                # `claim_next` tries the first this many unclaimed tasks, then the next ones
TASKS = HumanTask.__table__


@dataclass(frozen=True)
class InboxRow:
    task: TaskView
    process_id: str
    business_key: str | None
    attributes: dict[str, Any]
    standing: str | None          # on_track / warning / breached, None without a deadline
    seconds_left: int | None


@dataclass(frozen=True)
class Continued:
    instance: InstanceView        # the case after the step
    next_task: TaskView | None    # the case's next task for the same person
    taken: TaskView | None        # else the queue's next task, claimed for them (when asked)


class WorkDesk:
    def __init__(self, instances: InstanceService, clock: Clock, directory: Directory | None = None,
                 notifier: "Notifier | None" = None,
                 case_mask: "Callable[[Session, User, int], Callable[[Any], Any]] | None" = None):
        self._instances = instances
        self._clock = clock
        self._case_mask = case_mask
        self.directory = directory or Directory()
        self._notifier = notifier

    # --- reading -----------------------------------------------------------------------------

    def inbox(self, session: Session, user: User, filters: InboxFilter = InboxFilter(),
              page: Page = Page()) -> list[InboxRow]:
        """Open tasks by due time (those without a deadline last), `page.limit` at a time."""
        now = self._clock.now()
        query = inbox_query.page(Shape.of(user, filters))
        if query is None:
            return []
        rows = session.execute(query, inbox_query.params(user, filters, now, limit=page.limit,
                                                         offset=page.offset)).all()
        warned = self._warned_tasks(session, [row[0] for row in rows])
        masking = self._case_mask is not None and "supervisor" in user.roles
        return [self._row(task, process_id, key,
                          self._case_mask(session, user, task.instance_id)(attributes or {}) if masking
                          else attributes or {}, task.id in warned, now)
                for task, process_id, key, attributes in rows]

    def count(self, session: Session, user: User, scope: str = "all", filters: InboxFilter | None = None) -> int:
        """How many open tasks the inbox holds: in `scope`, or matching `filters` when given."""
        filters = filters or InboxFilter(scope=scope)
        query = inbox_query.count(Shape.of(user, filters))
        return 0 if query is None else session.scalar(query, inbox_query.params(user, filters, self._clock.now())) or 0

    def standing(self, session: Session, task: TaskView) -> tuple[str | None, int | None]:
        """A task's SLA standing (on_track / warning / breached, None without a deadline) and seconds left."""
        if task.due_at is None or task.state != "open":
            return None, None
        warned = bool(self._warned_tasks(session, [task]))
        return _standing(task.due_at, warned, self._clock.now())

    def task(self, session: Session, user: User, task_id: str) -> TaskView:
        """The task if the user may see it (assigned to them, of their groups, or of a case they see, e.g.
        the first responder following their case in another department); otherwise `Forbidden`."""
        task = self._instances.task(session, task_id)
        Rights.require(Rights.sees_task(user, task) or sees_case(session, user, task.instance_id), "open this task")
        return task

    @staticmethod
    def next_task(user: User, done: InstanceView) -> TaskView | None:
        """After completing a task (`done` is the case as the step left it): the case's next task this
        person may work, if any."""
        for view in sorted(done.open_tasks, key=lambda task: task.created_at):
            if Rights.may_complete(user, view):
                return view
        return None

    # --- acting ------------------------------------------------------------------------------

    def claim(self, session: Session, user: User, task_id: str) -> TaskView:
        task = self.task(session, user, task_id)
        if task.state != "open" or (task.assignee is not None and task.candidate_group in user.groups):
            raise TaskNotOpen(f"{task.name} was already {_taken(task)}: reload it")
        Rights.require(Rights.may_claim(user, task), f"claim {task.name}: it is not an unclaimed task of your groups")
        return self._assign(session, task, user.login, user.login, "task.claimed", expect_unassigned=True)

    def claim_next(self, session: Session, user: User, filters: InboxFilter = InboxFilter()) -> TaskView | None:
        """Claim the first unclaimed task of the user's groups in inbox order (the soonest due first),
        within `filters` (their scope is ignored); None when none waits. Handlers working a queue this
        way neither pick nor race: concurrent callers get different tasks, none waits for another."""
        shape = Shape.of(user, filters, scope="unclaimed")
        take, window_of = inbox_query.take_first_free(shape), inbox_query.page_of_ids(shape)
        if take is None:
            return None
        connection = session.connection()
        for offset in range(0, 10 * NEXT_WINDOW, NEXT_WINDOW):
            values = inbox_query.params(user, filters, self._clock.now(), limit=NEXT_WINDOW, offset=offset,
                                        taker=user.login)
            row = connection.execute(take, values).first()
            if row is None and not connection.execute(window_of, values).first():
                return None  # not a window of tasks all taken meanwhile: no task is left at all
            if row is not None:
                task = TaskView.of(row)
                Journal(session, task.instance_id, self._clock.now()).add(
                    user.login, "task.claimed", task_id=task.id, element_id=task.element_id,
                    details={"from": None, "to": user.login, "next": True}).flush()
                return task
        return None

    def unclaim(self, session: Session, user: User, task_id: str) -> TaskView:
        task = self.task(session, user, task_id)
        if task.state != "open" or task.assignee is None:
            raise TaskNotOpen(f"{task.name} was already {_taken(task)}: reload it")
        Rights.require(Rights.may_unclaim(user, task), f"give back {task.name}")
        return self._assign(session, task, None, user.login, "task.unclaimed")

    def reassign(self, session: Session, user: User, task_id: str, to: str, *, delegate: bool = False) -> TaskView:
        """A team lead hands a task to a member of its group (`delegate`: recorded as a delegation)."""
        task = self.task(session, user, task_id)
        Rights.require(Rights.leads(user, task), f"reassign {task.name}: only a team lead of its group may")
        target = self.directory.get(session, to)
        if target is None:
            raise InvalidInputError(f"no active user {to!r}")
        if task.candidate_group not in target.groups:
            raise InvalidInputError(f"{to} is not in the group {task.candidate_group}")
        handed = self._assign(session, task, to, user.login, "task.delegated" if delegate else "task.reassigned")
        if self._notifier is not None:  # the new holder hears of it as of a task assigned to them
            self._notifier.tasks_created(session, handed.instance_id, [asdict(handed)], self._clock.now())
        return handed

    def start(self, session: Session, user: User, process_id: str, *, data: dict | None = None,
              business_key: str | None = None) -> InstanceView:
        """Start a process for `user`, if the process names them among its starters."""
        with step_reads(session) as reads:  # not in the caller's transaction: that would take the write lock
            starters = self._instances.declared_starters(reads, process_id)
        if not Rights.may_start(user, starters):
            if starters is not None and INTERNAL in starters:
                raise Forbidden(f"{process_id} is started by other processes only, never by hand")
            raise Forbidden(f"you may not start {process_id}")
        return self._instances.start(session, process_id, started_by=user.login, data=data, business_key=business_key)

    def complete(self, session: Session, user: User, task_id: str, data: dict | None) -> InstanceView:
        def check(task: TaskView) -> None:
            Rights.require(Rights.sees_task(user, task), "open this task")
            if task.state != "open":
                raise TaskNotOpen(f"{task.name} was already {_taken(task)}")
            Rights.require(Rights.may_complete(user, task),
                           f"complete {task.name}: it is claimed by {task.assignee}" if task.assignee
                           else f"complete {task.name}: it belongs to the group {task.candidate_group}")
        return self._instances.complete_task(session, task_id, by=user.login, data=data, check=check)

    def complete_and_continue(self, session: Session, user: User, task_id: str, data: dict | None,
                              take_next: InboxFilter | None = None) -> "Continued":
        """Complete a task, then what comes next for this person: the case's next task for them, or else,
        given `take_next`, the next task of their groups within those filters, claimed (working the
        queue without going back to the inbox)."""
        done = self.complete(session, user, task_id, data)
        following = self.next_task(user, done)
        taken = self.claim_next(session, user, take_next) if following is None and take_next is not None else None
        return Continued(done, following, taken)

    # --- inside ------------------------------------------------------------------------------

    def _assign(self, session: Session, task: TaskView, to: str | None, by: str, event: str,
                expect_unassigned: bool = False) -> TaskView:
        condition = [TASKS.c.id == task.id, TASKS.c.state == "open"]
        condition.append(TASKS.c.assignee.is_(None) if expect_unassigned or task.assignee is None
                         else TASKS.c.assignee == task.assignee)
        changed = session.connection().execute(update(TASKS).where(*condition).values(assignee=to)).rowcount
        if not changed:
            raise TaskNotOpen(f"{task.name} changed meanwhile (claimed, completed or cancelled): reload it")
        Journal(session, task.instance_id, self._clock.now()).add(
            by, event, task_id=task.id, element_id=task.element_id,
            details={"from": task.assignee, "to": to}).flush()
        return replace(task, assignee=to)

    @staticmethod
    def _warned_tasks(session: Session, tasks: list[HumanTask] | list[TaskView]) -> set[str]:
        if not tasks:
            return set()
        rows = session.execute(inbox_query.WARNED, {"instance_ids": sorted({t.instance_id for t in tasks})}).all()
        warned = set()
        for task in tasks:
            if any(r.task_id == task.id or (r.task_id is None and r.instance_id == task.instance_id
                                            and r.ends == task.element_id) for r in rows):
                warned.add(task.id)
        return warned

    @staticmethod
    def _row(task: HumanTask, process_id: str, key: str | None, attributes: dict, warned: bool,
             now: datetime) -> InboxRow:
        standing, left = _standing(task.due_at, warned, now) if task.due_at is not None else (None, None)
        return InboxRow(TaskView.of(task), process_id, key, attributes, standing, left)


def _standing(due_at: datetime, warned: bool, now: datetime) -> tuple[str, int]:
    return standing_of(due_at, warned, now), int((due_at - now).total_seconds())


def _taken(task: TaskView) -> str:
    """'completed by li.wei' / 'claimed by li.wei' / 'cancelled': what happened to a task someone wanted."""
    if task.state != "open":
        return task.state + (f" by {task.completed_by}" if task.completed_by else "")
    return f"claimed by {task.assignee}" if task.assignee else "unclaimed"

