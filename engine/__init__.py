"""sqflow's engine: deploy BPMN/DMN definitions and run process instances durably.

This package, `engine.reads`, `engine.errors`, `engine.people`, `engine.calendar`, `engine.notifications` and
`engine.definitions` are what the web app and the CLI use (tests/test_architecture.py): the composition root and
its services (`Engine`: `engine.instances`, `engine.desk`, `engine.reads`, `engine.releases`, ...), the clocks,
and what running the service takes (the database and its migrations, the timer worker, the retention purge,
logging).
"""
from .clock import Clock, ManualClock, SystemClock
from .controlled_clock import ControlledClock
from .definitions.forms import form_validator
from .definitions.parsing import SourceFile
from .engine import Engine, connect
from .logs import bind_log_context, configure_logging, unbind_log_context
from .people.desk import WorkDesk
from .persistence.database import (MIGRATIONS, READ_ONLY, current_revision, migrate, open_database, server_advice,
                                   server_settings)
from .retention import RetentionPurge
from .runtime.case_numbers import next_case_key
from .runtime.failures import without_reprs
from .settings import Settings
from .timers.bounds import duration_days
from .timers.worker import TimerWorker

__all__ = ["Clock", "ControlledClock", "Engine", "MIGRATIONS", "ManualClock", "READ_ONLY", "RetentionPurge",
           "Settings", "SourceFile", "SystemClock", "TimerWorker", "WorkDesk", "bind_log_context", "configure_logging",
           "connect", "current_revision", "duration_days", "form_validator", "migrate", "next_case_key",
           "open_database", "server_advice", "server_settings", "unbind_log_context", "without_reprs"]
