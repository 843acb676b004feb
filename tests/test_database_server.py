"""What sqflow tells an operator about the database server: a PostgreSQL without autovacuum keeps no
statistics, so inbox and queue statements read every open task; `sqflow serve` and `sqflow worker`
say so, with the statement that fixes it, when they start."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from engine import Settings
from engine.persistence.database import open_database, server_advice, server_settings
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[1]


def test_autovacuum_off_is_named_with_the_statement_that_turns_it_on():
    advice = server_advice({"autovacuum": "off", "track_counts": "on"})
    assert len(advice) == 1
    assert "autovacuum = off" in advice[0] and "ALTER SYSTEM SET autovacuum = on" in advice[0]
    assert "track_counts" not in advice[0]


def test_a_well_configured_server_and_sqlite_get_no_advice():
    assert server_advice({"autovacuum": "on", "track_counts": "on"}) == []
    assert server_advice({}) == []


def test_the_settings_are_the_servers_own(database_url):
    engine = open_database(Settings(database_url=database_url))
    try:
        settings = server_settings(engine)
        if engine.dialect.name == "sqlite":
            assert settings == {}
            return
        with engine.connect() as connection:
            assert settings == {"autovacuum": connection.execute(text("SHOW autovacuum")).scalar_one(),
                                "track_counts": connection.execute(text("SHOW track_counts")).scalar_one()}
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("command, started", [
    (["worker", "--name", "advice-test"], "worker advice-test"),
    (["serve", "--no-timer-worker", "--workers", "1", "--port", None], "sqflow web app on"),
])
def test_serve_and_the_timer_worker_warn_at_start_when_this_server_lacks_autovacuum(
        postgres_database, tmp_path, command, started):
    engine = open_database(Settings(database_url=postgres_database))
    expected = server_advice(server_settings(engine))
    engine.dispose()
    env = {**os.environ, "SQFLOW_DATABASE_URL": postgres_database, "SQFLOW_VAR_DIR": str(tmp_path),
           "SQFLOW_UNKNOWN_YEAR_POLICY": "provisional"}
    command = [str(free_port()) if part is None else part for part in command]
    process = subprocess.Popen([sys.executable, "-m", "cli.main", *command], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert started in process.stdout.readline()  # printed after the advice
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    warnings = [line for line in err.splitlines()  # the calendar's own warning is tested in test_calendar_cli.py
                if line.startswith("sqflow: warning:") and "holiday schedule" not in line]
    assert warnings == [f"sqflow: warning: {advice}" for advice in expected]
