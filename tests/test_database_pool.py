"""Pooled PostgreSQL connections: one that sat idle is checked before use and replaced if the server
dropped it (a restart, an idle timeout), so the request using it does not fail; one in steady use is
not pinged before every transaction."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from engine import Settings
from engine.persistence import database
from engine.persistence.database import open_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(postgres_database):
    engine = open_database(Settings(database_url=postgres_database))
    yield engine
    engine.dispose()


def _backend(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(engine, postgres_database, monkeypatch):
    first = _backend(engine)
    other = open_database(Settings(database_url=postgres_database))
    with other.connect() as connection:
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first}).scalar_one()
    other.dispose()
    monkeypatch.setattr(database, "PING_WHEN_IDLE_SECONDS", 0.0)  # as if it had been idle for a while

    second = _backend(engine)  # would raise "server closed the connection" without the check
    assert second != first


def test_a_connection_in_steady_use_is_not_pinged_each_time(engine, monkeypatch):
    pings = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(1) or real_ping(connection))
    for _ in range(5):
        _backend(engine)
    assert pings == []

    monkeypatch.setattr(database, "PING_WHEN_IDLE_SECONDS", 0.0)
    _backend(engine)
    assert pings == [1]
