"""Settings come from `SQFLOW_*` environment variables, with defaults for the embedded set-up."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
from pathlib import Path
from typing import Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .branch_settings import BranchSettings, values_from_env
from .errors import ConfigurationError
from .limits import RunLimits

PREFIX = "SQFLOW_"


@dataclass(frozen=True)
class Settings:
    var_dir: Path = field(default_factory=lambda: Path.cwd() / "var")
    database_url: str = ""
    timezone: str = "Asia/Shanghai"
    unknown_year_policy: str = "provisional"  # or "refuse" (engine.calendar.working_days)
    duty_hours: str = "08:30-16:30"
    max_diagram_bytes: int = 5 * 1024 * 1024
    workflow_cache_size: int = 256
    script_max_lines: int = 1_000_000
    step_max_seconds: float = 5.0
    step_max_tasks: int = 10_000
    data_max_bytes: int = 1_000_000
    script_max_items: int = 1_000_000
    script_max_integer_bits: int = 100_000
    timer_max_years: int = 100
    timer_min_cycle_seconds: int = 60
    timer_max_failures: int = 3
    clock: str = "system"  # or "controlled" (engine/controlled_clock.py), only where allowed below
    controlled_clock_allowed: bool = False
    worker_grace_seconds: int = 30  # after SIGTERM, the step in hand may finish within this time
    timer_lease_seconds: int = 60
    timer_batch: int = 100
    timer_fire_together: int = 50  # timers fired in one transaction (a savepoint each); 1: one per transaction
    worker_max_sleep_seconds: int = 30
    sql_echo: bool = False
    web_workers: int = 2
    web_threads: int = 1
    smtp_host: str = ""  # empty: notifications are in-app only
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_sender: str = "sqflow@localhost"
    smtp_starttls: bool = False
    smtp_timeout_seconds: int = 10
    log_format: str = "text"
    retention_years: int = 5
    token_cache_seconds: int = 10  # a revoked token may still work this long in other processes
    branch: BranchSettings = field(default_factory=BranchSettings)  # the business rules' numbers

    def __post_init__(self) -> None:
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{self.var_dir / 'sqflow.db'}")
        try:
            url = make_url(self.database_url)
        except ArgumentError:
            raise ConfigurationError(
                f"SQFLOW_DATABASE_URL is not a database URL: {self.database_url!r} "
                "(expected e.g. sqlite:///var/sqflow.db or postgresql+psycopg://user@host/db)"
            ) from None
        if self.unknown_year_policy not in ("refuse", "provisional"):
            raise ConfigurationError(
                f"SQFLOW_UNKNOWN_YEAR_POLICY={self.unknown_year_policy!r}: use 'refuse' or 'provisional'")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(f"SQFLOW_TIMEZONE={self.timezone!r} is not a time zone (e.g. Asia/Shanghai)") from None
        self.duty_window()
        if self.clock not in ("system", "controlled"):
            raise ConfigurationError(f"SQFLOW_CLOCK={self.clock!r}: use 'system' or 'controlled'")
        if self.clock == "controlled" and not self.controlled_clock_allowed:
            raise ConfigurationError(
                "the controlled clock is for acceptance tests and training only: set "
                "SQFLOW_CONTROLLED_CLOCK_ALLOWED=1 on a service where moving time is intended")
        if self.log_format not in ("text", "json"):
            raise ConfigurationError(f"SQFLOW_LOG_FORMAT={self.log_format!r}: use 'text' or 'json'")
        for name in ("step_max_seconds", "step_max_tasks", "data_max_bytes", "script_max_lines", "script_max_items",
                     "script_max_integer_bits", "timer_max_years", "timer_min_cycle_seconds", "timer_max_failures",
                     "worker_grace_seconds", "timer_fire_together"):
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"{PREFIX}{name.upper()}={getattr(self, name)}: must be more than 0")
        if not 1 <= self.smtp_port <= 65535:
            raise ConfigurationError(f"SQFLOW_SMTP_PORT={self.smtp_port}: use a port from 1 to 65535")
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ConfigurationError(
                f"SQFLOW_DATABASE_URL uses {url.get_backend_name()!r}; sqflow supports sqlite and postgresql"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        values = values_from_env(cls, environ, lambda f, raw: _convert(f.name, f.type, raw))
        values["branch"] = BranchSettings.from_env(environ)
        values.update(overrides)
        return cls(**values)

    def run_limits(self) -> RunLimits:
        return RunLimits(step_seconds=self.step_max_seconds, step_tasks=self.step_max_tasks,
                         script_lines=self.script_max_lines, data_bytes=self.data_max_bytes,
                         items=self.script_max_items, integer_bits=self.script_max_integer_bits,
                         timer_years=self.timer_max_years, cycle_seconds=self.timer_min_cycle_seconds)

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host)

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def duty_window(self) -> tuple[time, time]:
        try:
            opens, closes = (time.fromisoformat(part.strip()) for part in self.duty_hours.split("-"))
            if opens >= closes:
                raise ValueError
        except ValueError:
            raise ConfigurationError(
                f"SQFLOW_DUTY_HOURS={self.duty_hours!r}: expected opening-closing, e.g. 08:30-16:30") from None
        return opens, closes


def _convert(name: str, type_name: str, raw: str):
    try:
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
        if type_name == "bool":
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if type_name == "Path":
            return Path(raw)
        return raw
    except ValueError:
        raise ConfigurationError(f"{PREFIX}{name.upper()}={raw!r} is not a valid {type_name}") from None
