"""Working days by the official Chinese calendar, duty hours and plain hours (R-SLA-01, R-CMP-09).

Expected dates come from the published schedules, not from the library under test:
National Day 2025 was 1-8 October off, with Sunday 28 September and Saturday 11 October worked.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.calendar.working_days import (CalendarYearUnknown, DutyHours, WorkingDayCalendar, YearSchedule,
                                          parse_schedule)
from engine.errors import ConfigurationError
from engine.settings import Settings

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_R_SLA_01_fifteen_working_days_from_the_eve_of_national_day_skip_the_holiday():
    """R-SLA-01: Received 30 Sep 2025: 1-8 Oct are off, Sat 11 Oct is a 调休 working day -> due end of 28 Oct."""
    due = WorkingDayCalendar().add_workdays(at("2025-09-30T10:15"), 15)
    assert due.at == at("2025-10-29T00:00") and not due.provisional


def test_R_SLA_01_an_adjusted_saturday_counts_as_a_working_day():
    """R-SLA-01."""
    calendar = WorkingDayCalendar()
    assert calendar.add_workdays(at("2025-10-10T17:00"), 1).at == at("2025-10-12T00:00")  # Sat 11 Oct worked
    assert calendar.add_workdays(at("2025-09-26T09:00"), 1).at == at("2025-09-29T00:00")  # Sun 28 Sep worked


def test_R_SLA_01_an_ordinary_weekend_does_not_count():
    """R-SLA-01."""
    assert WorkingDayCalendar().add_workdays(at("2025-11-21T11:00"), 1).at == at("2025-11-25T00:00")


def test_the_day_is_taken_in_the_calendar_time_zone_not_utc():
    """23:30 UTC on 29 Sep is already 30 Sep in Shanghai."""
    start = datetime(2025, 9, 29, 17, 30, tzinfo=timezone.utc)
    assert WorkingDayCalendar().add_workdays(start, 15).at == at("2025-10-29T00:00")


def test_R_SLA_01_a_year_nobody_loaded_is_refused_naming_the_year():
    """R-SLA-01."""
    with pytest.raises(CalendarYearUnknown, match="2027"):
        WorkingDayCalendar(unknown_year_policy="refuse").add_workdays(at("2026-12-20T10:00"), 15)


def test_R_SLA_01_a_year_nobody_loaded_can_be_counted_provisionally_and_is_flagged():
    """R-SLA-01."""
    due = WorkingDayCalendar().add_workdays(at("2026-12-28T10:00"), 5)
    assert due.provisional and due.unknown_years == (2027,)
    assert due.at == at("2027-01-06T00:00")  # 29, 30, 31 Dec; (Fri 1 Jan, New Year's Day, and the weekend off) Mon 4, Tue 5


def test_R_SLA_01_a_loaded_year_takes_precedence_and_its_deadlines_are_final():
    """R-SLA-01."""
    year_2027 = parse_schedule(2027, ["2027-01-01", "2027-02-05..2027-02-11"], ["2027-02-14"])
    calendar = WorkingDayCalendar(loaded={2027: year_2027})
    due = calendar.add_workdays(at("2026-12-30T10:00"), 3)
    assert due.at == at("2027-01-06T00:00") and not due.provisional  # 31 Dec, (1 Jan off), Mon 4, Tue 5
    assert calendar.is_workday(date(2027, 2, 14)) == (True, False)    # a Sunday made a working day
    assert calendar.is_workday(date(2027, 2, 8)) == (False, False)


def test_a_loaded_schedule_overrides_the_package_for_a_year_it_knows():
    extra_day_off = YearSchedule(2025, frozenset({date(2025, 11, 24)}), frozenset())
    calendar = WorkingDayCalendar(loaded={2025: extra_day_off})
    assert calendar.add_workdays(at("2025-11-21T11:00"), 1).at == at("2025-11-26T00:00")


@pytest.mark.parametrize("holidays, workdays, message", [
    (["2027-13-01"], [], "not a date"),
    (["2027-10-07..2027-10-01"], [], "not a date"),
    (["2026-12-31"], [], "outside 2027"),
    (["2027-02-14"], ["2027-02-14"], "both holiday and working day"),
])
def test_a_bad_schedule_is_refused_naming_the_entry(holidays, workdays, message):
    with pytest.raises(ValueError, match=message):
        parse_schedule(2027, holidays, workdays)


def test_R_CMP_09_duty_hours_run_every_day_from_0830_to_1630():
    """R-CMP-09."""
    desk = DutyHours()
    assert desk.add(at("2025-10-01T09:00"), 2) == at("2025-10-01T11:00")     # National Day is on duty
    assert desk.add(at("2025-10-01T16:00"), 2) == at("2025-10-02T10:00")     # 30 min today, 1.5 h tomorrow
    assert desk.add(at("2025-10-04T07:00"), 8) == at("2025-10-04T16:30")     # before opening: starts 08:30
    assert desk.add(at("2025-10-04T20:00"), 20) == at("2025-10-07T12:30")    # 8 + 8 + 4 duty hours


def test_settings_reject_a_bad_policy_zone_or_duty_window():
    with pytest.raises(ConfigurationError, match="UNKNOWN_YEAR_POLICY"):
        Settings(unknown_year_policy="guess")
    with pytest.raises(ConfigurationError, match="TIMEZONE"):
        Settings(timezone="Mars/Olympus")
    with pytest.raises(ConfigurationError, match="DUTY_HOURS"):
        Settings(duty_hours="16:30-08:30")


def test_R_SLA_01_diagram_helpers_compute_exact_due_times_from_the_engine_clock(harness):
    """R-SLA-01: workdays / duty_hours / hours in a script task use the injected clock, not the wall clock."""
    harness.clock.set(at("2025-09-30T10:15"))
    harness.deploy("deadline_script.bpmn")
    view = harness.start("deadline_script")
    data = harness.data(view.id)
    assert data["answer_due"] == "2025-10-29T00:00:00+08:00"
    assert data["escalation_due"] == "2025-10-01T10:15:00+08:00"  # 6h15 today, 1h45 tomorrow
    assert data["sign_due"] == "2025-09-30T12:15:00+08:00"


def test_R_SLA_01_a_year_loaded_into_the_database_is_used_by_diagrams(harness):
    """R-SLA-01."""
    from engine.calendar.schedules import read_schedule, save_schedule
    harness.clock.set(at("2026-12-30T10:00"))
    harness.deploy("deadline_script.bpmn")
    harness.engine.calendar.unknown_year_policy = "refuse"
    with harness.sessions.begin() as session:
        harness.engine.refresh_calendar(session)
    failed = harness.start("deadline_script")
    assert failed.state == "error" and "2027 is not loaded" in failed.error_message

    schedule, source = read_schedule("2027.json", b'{"year": 2027, "holidays": ["2027-01-01"], "workdays": []}')
    with harness.sessions.begin() as session:
        assert save_schedule(session, schedule, source, "ops", harness.clock.now()) is False
        harness.engine.refresh_calendar(session)
    assert harness.act("retry", failed.id, by="ops").state == "active"
    assert harness.data(failed.id)["answer_due"] == "2027-01-22T00:00:00+08:00"


def test_loading_a_calendar_file_from_the_command_line(tmp_path, monkeypatch, capsys):
    from cli.main import main
    monkeypatch.setenv("SQFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'cal.db'}")
    good = tmp_path / "2027.json"
    good.write_text('{"year": 2027, "source": "通知", "holidays": ["2027-10-01..2027-10-07"], "workdays": ["2027-09-26"]}')
    assert main(["calendar", "load", str(good)]) == 0
    assert "loaded 2027: 7 days off, 1 adjusted working days (通知)" in capsys.readouterr().out
    assert main(["calendar", "load", str(good)]) == 0
    assert capsys.readouterr().out.startswith("replaced 2027")
    assert main(["calendar", "show", "2027"]) == 0
    assert "2027-09-26" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text('{"year": 2027, "holidays": ["2027-02-30"]}')
    assert main(["calendar", "load", str(bad)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "'2027-02-30' is not a date" in error
