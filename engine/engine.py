"""The composition root of the engine: one `Engine` per process, built from settings and a clock.

Building it does no I/O. `connect()` opens and migrates the database and returns the session
factory; every operation takes a `Session` whose transaction the caller owns::

    engine = Engine(Settings.from_env())
    sessions = connect(engine.settings)
    with sessions.begin() as session:
        view = engine.instances.start(session, "work_order", started_by="alice", data={...})
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

from sqlalchemy.orm import Session, sessionmaker

from .calendar.helpers import deadline_helpers
from .calendar.schedules import loaded_schedules
from .calendar.working_days import DutyHours, WorkingDayCalendar
from .clock import Clock, SystemClock
from .controlled_clock import ControlledClock
from .definitions.parsing import SourceFile
from .definitions.releases import Releases
from .definitions.repository import DefinitionRepository
from .definitions.services import ServiceRegistry
from .notifications import Notifier
from .people.desk import WorkDesk
from .people.directory import Directory, User
from .people.person_fields import PersonFields
from .people.visibility import CaseMask
from .persistence.database import migrate, open_database, session_factory
from .reads import CaseReads
from .runtime.codec import StateCodec
from .runtime.consistency import ConsistencyCheck
from .runtime.instances import InstanceService, TaskListener
from .runtime.projection import Assigner
from .runtime.reactions import StepReaction
from .runtime.spiff_time import install as install_step_clock
from .scripting import make_script_engine
from .settings import Settings
from .sla.breach_effects import BreachEffects
from .sla.policies import PolicyBook
from .sla.tracker import SlaTracker
from .timers.start_schedules import StartSchedules


class Engine:
    def __init__(self, settings: Settings, clock: Clock | None = None,
                 helpers: Mapping[str, Callable] | None = None, assigners: Sequence[Assigner] = (),
                 listeners: Sequence[TaskListener] = (), services: ServiceRegistry | None = None,
                 reactions: Sequence[StepReaction] = (), case_keys: Mapping[str, str] | None = None):
        """`helpers` are offered to diagrams' scripts; `assigners` are processes' rules for who gets a
        new task that its diagram does not assign (engine.runtime.projection.Assigner); `listeners`
        hear of completed tasks (engine.runtime.instances.TaskListener); `services` are what Camunda
        service tasks may call (engine.definitions.services); `reactions` see every step of an instance
        before it is saved (engine.runtime.reactions); `case_keys` number the cases of a process started
        without a key (`{"complaint": "TS-{year}-"}`: TS-2026-0001, TS-2026-0002, ...)."""
        self.services = services or ServiceRegistry()
        self._parts = dict(helpers=helpers, assigners=assigners, listeners=listeners, reactions=reactions,
                           case_keys=case_keys)
        helpers = {**(helpers or {}), **self.services.helpers()}
        install_step_clock()
        self.settings = settings
        if clock is None and settings.clock == "controlled":
            clock = ControlledClock(lambda: open_database(settings))
        self.clock = clock or SystemClock()
        self.codec = StateCodec()
        self.calendar = WorkingDayCalendar(settings.zone(), {}, settings.unknown_year_policy)
        opens, closes = settings.duty_window()
        self.duty_desk = DutyHours(opens, closes, settings.zone())
        self.limits = settings.run_limits()
        self.script_engine = make_script_engine(
            {**deadline_helpers(self.clock, self.calendar, self.duty_desk),
             "branch_settings": settings.branch.numbers, **(helpers or {})},
            self.limits, self.clock)
        self.definitions = DefinitionRepository(self.codec, self.clock, settings.max_diagram_bytes)
        self.definitions.services = self.services
        self.sla_policies = PolicyBook(settings.branch.numbers())
        self.definitions.ship_policies = self._ship_policies
        self.releases = Releases(self.definitions, self.clock)
        self.notifier = Notifier(settings.zone(), settings.mail_enabled)
        self.slas = SlaTracker(self.sla_policies, self.calendar, self.duty_desk, notifier=self.notifier)
        self.directory = Directory()
        self.person_fields = PersonFields(self.directory)
        self.instances = InstanceService(self.definitions, self.codec, self.clock, self.script_engine,
                                         self.slas, settings.workflow_cache_size, self.notifier, assigners,
                                         listeners, self.limits, self.person_fields.apply, reactions, settings)
        self.instances.case_keys.update(case_keys or {})
        self.slas.breach_hooks.append(BreachEffects(self.sla_policies, self.instances))
        self.consistency = ConsistencyCheck(self.instances)
        self.start_schedules = StartSchedules(self.clock, self.script_engine.environment)
        self.definitions.after_deploy(self.start_schedules.on_deploy)
        self.desk = WorkDesk(self.instances, self.clock, self.directory, notifier=self.notifier,
                             case_mask=self.case_mask)
        self.reads = CaseReads(self.definitions, self.instances, self.desk, self.person_fields, self.clock,
                               settings.zone())

    def scratch_copy(self, settings: Settings) -> "Engine":
        """An engine with this one's clock, services and processes' parts on other `settings` (a designer's
        test run on a scratch database)."""
        return Engine(settings, self.clock, services=self.services, **self._parts)

    def case_mask(self, session: Session, user: User, instance_id: int) -> CaseMask:
        """How `user` reads the data of a case (supervisors: without the customer's identity)."""
        return self.reads.mask(session, user, instance_id)

    def _ship_policies(self, session: Session, process_id: str, source: SourceFile, deployed_by: str) -> None:
        """Store the SLA policies a new version of a process ships with (replacing loaded ones)."""
        self.sla_policies.load(session, source.name, source.content, deployed_by, self.clock.now())

    def refresh_calendar(self, session: Session) -> None:
        """Take in the year schedules operators loaded (they take precedence over the package)."""
        self.calendar.loaded = loaded_schedules(session)


def connect(settings: Settings) -> sessionmaker[Session]:
    """Open the configured database, bring its schema up to date, and return a session factory."""
    db = open_database(settings)
    migrate(db)
    return session_factory(db)

