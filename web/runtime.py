"""The engine and database of one app: built once in `init_app`, a transaction per use.

The web app never runs timers (`sqflow worker` does): the engine here only steps instances when
people act, and reads.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from flask import Flask, current_app
from sqlalchemy.orm import Session

from engine import READ_ONLY, Engine, Settings, connect
from processes import wired_engine

EXTENSION = "sqflow"


class Runtime:
    def __init__(self, settings: Settings, clock=None):
        self.engine = wired_engine(settings, clock)
        self.sessions = connect(settings)
        with self.sessions.begin() as session:
            self.engine.refresh_calendar(session)


def init_app(app: Flask) -> None:
    settings = app.config.get("SQFLOW_SETTINGS") or Settings.from_env()
    app.config["SQFLOW_SETTINGS"] = settings
    app.extensions[EXTENSION] = Runtime(settings, app.config.get("SQFLOW_CLOCK"))


def engine() -> Engine:
    return current_app.extensions[EXTENSION].engine


@contextmanager
def transaction() -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with current_app.extensions[EXTENSION].sessions.begin() as session:
        yield session


@contextmanager
def reading() -> Iterator[Session]:
    """A transaction that only reads: on SQLite it does not take the write lock, so pages and
    per-request look-ups never wait for (or block) a step being saved."""
    with current_app.extensions[EXTENSION].sessions() as session:
        session.connection(execution_options=READ_ONLY)
        yield session  # closing ends the transaction; what was read stays loaded (not expired)
