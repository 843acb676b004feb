"""The README's run command on New Year's Eve 2026 (R-SLA-01): `sqflow demo` succeeds although its
deadlines reach into 2027, whose official schedule is not loaded; the worker says how many deadlines
are provisional; loading 2027 counts them again. The commands run under `faketime`, the way an operator
would try them, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.test_calendar_provisional import SCHEDULE_2027

REPO = Path(__file__).resolve().parents[1]
NEW_YEARS_EVE = "2026-12-31 10:00"

pytestmark = pytest.mark.skipif(shutil.which("faketime") is None,
                                reason="faketime is not installed (Debian package faketime)")


@pytest.fixture
def sqflow(database_url, tmp_path):
    """`sqflow ARGS` at 10:00 on 31 December 2026, Shanghai time, on the test's database."""
    env = {**os.environ, "SQFLOW_DATABASE_URL": database_url, "SQFLOW_VAR_DIR": str(tmp_path), "TZ": "Asia/Shanghai",
           "FAKETIME_DONT_FAKE_MONOTONIC": "1"}  # the clock moves on from there; timeouts keep working
    env.pop("SQFLOW_UNKNOWN_YEAR_POLICY", None)

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
        return subprocess.run(["faketime", NEW_YEARS_EVE, sys.executable, "-m", "cli.main", *args], cwd=REPO,
                              env={**env, **extra_env}, capture_output=True, text=True, timeout=600)

    def start_up(*command: str) -> str:
        """What a long-running command (`worker`, `serve`) prints on stderr before it says it started."""
        process = subprocess.Popen(["faketime", NEW_YEARS_EVE, sys.executable, "-m", "cli.main", *command], cwd=REPO,
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        try:
            first = process.stdout.readline()  # printed after the start-up warnings
        finally:
            os.killpg(process.pid, signal.SIGTERM)  # faketime runs the command as its child
            try:
                _, err = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # never left running against the next test's database
                raise
        assert "firing timers" in first or "sqflow web app on" in first, (first, err)
        return err

    run.start_up = start_up
    return run


def provisional(sqflow) -> list[dict]:
    listed = sqflow("sla", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return [row for row in json.loads(listed.stdout) if row["provisional"]]


def calendar_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "holiday schedule" in line]


def test_R_SLA_01_the_demo_runs_on_new_years_eve_and_the_worker_names_the_year_not_loaded(sqflow, tmp_path):
    """R-SLA-01."""
    demo = sqflow("demo")
    assert demo.returncode == 0, demo.stderr
    assert "Traceback" not in demo.stderr and "ma.manager" in demo.stdout
    counted = provisional(sqflow)
    assert counted and all(row["due_at"].startswith("2027-") for row in counted)

    warning = (f"sqflow: warning: the official holiday schedule of 2027 is not loaded (sqflow calendar load FILE, "
               f"the State Council's notice; see the README): {len(counted)} open deadline(s) are provisional, "
               "counted on its statutory holidays without 调休 until it is")
    assert calendar_lines(sqflow.start_up("worker", "--name", "calendar-test")) == [warning]
    serve = ("serve", "--no-timer-worker", "--workers", "1", "--port", str(free_port()))
    assert calendar_lines(sqflow.start_up(*serve)) == [warning]

    schedule = tmp_path / "2027.json"
    schedule.write_text(json.dumps(SCHEDULE_2027, ensure_ascii=False), encoding="utf-8")
    loaded = sqflow("calendar", "load", str(schedule))
    assert loaded.returncode == 0, loaded.stderr
    assert f"recomputed {len(counted)} provisional deadline(s)" in loaded.stdout
    assert provisional(sqflow) == []
    assert calendar_lines(sqflow.start_up("worker", "--name", "calendar-test")) == []


def test_R_SLA_01_with_the_refuse_policy_a_start_is_refused_in_one_line_naming_the_year(sqflow):
    """R-SLA-01."""
    assert sqflow("demo").returncode == 0  # its cases are counted provisionally (the default)
    before = json.loads(sqflow("instances", "--json").stdout)
    refused = sqflow("start", "complaint", "--as", "zhang.min", SQFLOW_UNKNOWN_YEAR_POLICY="refuse")
    assert refused.returncode == 4
    assert refused.stderr.count("\n") == 1 and refused.stderr.startswith(
        "sqflow: the official working-day schedule of 2027 is not loaded")
    assert json.loads(sqflow("instances", "--json").stdout) == before
    shown = sqflow("calendar", "show", "2027")
    assert shown.returncode == 0 and "not loaded: provisional" in shown.stdout and "02-06 春节" in shown.stdout
