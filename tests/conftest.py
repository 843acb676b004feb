"""Shared fixtures: a fresh database per test on SQLite and on PostgreSQL, and an engine harness.

Every engine test runs four ways: {sqlite, postgresql} x {cached, reload}. In `reload` mode the
in-process workflow cache is off, so every step deserializes the instance from what the database
holds - the equivalent of SpiffWorkflow's `save_restore()` between every step.
"""
from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from engine import ManualClock, Settings, SourceFile, connect
from engine.persistence.tables import Base
from engine.people.groups import GroupSpec, Groups
from processes import wired_engine
from processes.demo_people import seed_groups, seed_people

DIAGRAMS = Path(__file__).parent / "diagrams"
PRODUCT_DIAGRAMS = Path(__file__).parents[1] / "bpmn"


def free_port() -> int:
    """A loopback port nobody listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def diagram_path(name: str) -> Path:
    """A test diagram from tests/diagrams, or a product diagram from bpmn/."""
    local = DIAGRAMS / name
    return local if local.exists() else PRODUCT_DIAGRAMS / name
PG_ADMIN_URL = os.environ.get("SQFLOW_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def postgres_database():
    """A throw-away PostgreSQL database for this test session (dropped at the end)."""
    if os.environ.get("SQFLOW_TEST_POSTGRES", "on") == "off":
        pytest.skip("PostgreSQL tests switched off (SQFLOW_TEST_POSTGRES=off)")
    name = f"sqflow_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    connect(Settings(database_url=url))  # migrate once
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sqflow.db'}"
    url = request.getfixturevalue("postgres_database")
    _empty_postgres(url)
    return url


TEST_GROUPS = [GroupSpec("field_team", "外勤组")]  # named only by the tests' own diagrams


class Harness:
    """Drives the engine the way the CLI and the web app do: one transaction per action."""

    def __init__(self, database_url: str, cache_size: int):
        self.clock = ManualClock()
        self.settings = Settings(database_url=database_url, workflow_cache_size=cache_size)
        self.engine = wired_engine(self.settings, self.clock)
        self.sessions = connect(self.settings)
        with self.sessions.begin() as session:
            self.engine.refresh_calendar(session)
            seed_groups(session, self.clock.now())  # the groups lanes and SLA policies name
            seed_people(session, self.clock.now())  # tasks are assigned only to people who exist
            Groups().ensure(session, TEST_GROUPS, by="tests", now=self.clock.now())

    def people(self, *logins: str, groups: tuple[str, ...] = (), roles: tuple[str, ...] = ("handler",)) -> None:
        """Accounts for logins a test names (tasks are assigned only to people who exist)."""
        with self.sessions.begin() as session:
            for login in logins:
                self.engine.directory.save(session, login, name=login.upper(), password=None, password_hash="!",
                                           roles=roles, groups=groups, now=self.clock.now())

    def deploy(self, *names: str, by: str = "designer"):
        files = [SourceFile(Path(n).name, diagram_path(n).read_bytes()) for n in names]
        with self.sessions.begin() as session:
            return self.engine.definitions.deploy(session, files, by)

    def deploy_text(self, name: str, content: str, by: str = "designer"):
        with self.sessions.begin() as session:
            return self.engine.definitions.deploy(session, [SourceFile(name, content.encode())], by)

    def start(self, process_id: str, data: dict | None = None, *, key: str | None = None, by: str = "alice"):
        with self.sessions.begin() as session:
            return self.engine.instances.start(session, process_id, started_by=by, data=data, business_key=key)

    def open_task(self, view, element_id: str):
        matches = [t for t in view.open_tasks if t.element_id == element_id]
        assert matches, f"no open task {element_id}; open: {[t.element_id for t in view.open_tasks]}"
        return matches[0]

    def complete(self, view, element_id: str, data: dict | None = None, *, by: str = "bob"):
        task = self.open_task(view, element_id)
        with self.sessions.begin() as session:
            return self.engine.instances.complete_task(session, task.id, by=by, data=data)

    def act(self, method: str, instance_id: int, **kwargs):
        with self.sessions.begin() as session:
            return getattr(self.engine.instances, method)(session, instance_id, **kwargs)

    def data(self, instance_id: int) -> dict:
        with self.sessions.begin() as session:
            return self.engine.instances.workflow_data(session, instance_id)

    def history(self, instance_id: int):
        from engine.runtime import queries
        with self.sessions.begin() as session:
            return queries.history(session, instance_id)


@pytest.fixture(params=["cached", "reload"])
def harness(request, database_url) -> Harness:
    h = Harness(database_url, cache_size=256 if request.param == "cached" else 0)
    yield h
    h.sessions.kw["bind"].dispose()


@pytest.fixture
def web(database_url, tmp_path):
    """The web app on a fresh database (SQLite and PostgreSQL) with the demo's people."""
    from .web_harness import WebHarness
    harness = WebHarness(database_url, tmp_path / "var")
    yield harness
    harness.close()


# The browser fixtures (one Chromium for the whole run, shared by every browser test).
from .browser_support import browse, browser, live  # noqa: E402,F401
