"""Settings come from `SQFLOW_*` environment variables, with defaults for the embedded set-up."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from .errors import ConfigurationError

PREFIX = "SQFLOW_"


@dataclass(frozen=True)
class Settings:
    var_dir: Path = field(default_factory=lambda: Path.cwd() / "var")
    database_url: str = ""
    timezone: str = "Asia/Shanghai"
    max_diagram_bytes: int = 5 * 1024 * 1024
    workflow_cache_size: int = 256
    sql_echo: bool = False

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
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ConfigurationError(
                f"SQFLOW_DATABASE_URL uses {url.get_backend_name()!r}; sqflow supports sqlite and postgresql"
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> "Settings":
        environ = os.environ if environ is None else environ
        values: dict = {}
        for f in fields(cls):
            raw = environ.get(PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, f.type, raw)
        values.update(overrides)
        return cls(**values)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)


def _convert(name: str, type_name: str, raw: str):
    try:
        if type_name == "int":
            return int(raw)
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
