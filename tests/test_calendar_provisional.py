"""A calendar that never stops intake (R-SLA-01): a deadline reaching into a year whose official schedule
is not loaded counts that year's statutory holidays, is marked provisional (暂定) wherever it is shown,
and is counted again when an operator loads the year; under the `refuse` policy the request is refused
naming the year, with nothing saved.

Expected dates come from the State Council's rules and the lunar calendar, not from the library: in
2027 the Spring Festival is Saturday 6 February (eve Friday 5 February), Qingming Monday 5 April,
the Dragon Boat Festival Wednesday 9 June and the Mid-Autumn Festival Wednesday 15 September.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.calendar.schedules import read_schedule, save_schedule
from engine.calendar.statutory import statutory_holidays
from engine.calendar.working_days import CalendarYearUnknown, WorkingDayCalendar, parse_schedule
from engine.errors import StateError
from engine.people.token_table import IdempotencyKey
from engine.persistence.tables import HumanTask, ProcessInstance, RunningSla
from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies
from tests.test_api_work import Api
from tests.test_calendar import at
from tests.test_complaint_forms import GOOD_INTAKE

REPO = Path(__file__).resolve().parents[1]
POLICIES = REPO / "processes" / "complaints" / "sla_policies.json"
FORMS = sorted((REPO / "bpmn" / "complaints" / "forms").glob("*.schema.json"))
DIAGRAMS = sorted((REPO / "bpmn" / "complaints").glob("complaint*.bpmn"))  # the complaint and what it calls
# A 2027 schedule of our own (the real notice is not out yet) that gives Monday 4 January off besides New Year's Day.
SCHEDULE_2027 = {"year": 2027, "source": "国务院办公厅关于2027年部分节假日安排的通知（测试用）",
                 "holidays": ["2027-01-01", "2027-01-04", "2027-02-05..2027-02-11"], "workdays": ["2027-02-20"]}
INTAKE = {**GOOD_INTAKE, "received_by": "zhang.min", "service_unusable": True}  # a network fault: a field test
STEPS = {"intake": ("zhang.min", INTAKE), "on_the_spot": ("zhang.min", {"resolved": False}),
         "dispatch": ("zhang.min", {"department": "network_dept"}), "sign_for": ("li.wei", {"signed_by": "li.wei"})}


# --- the computed calendar of a year nobody loaded ----------------------------------------------

def test_the_statutory_holidays_of_2027_are_the_eleven_days_of_the_rules_on_their_lunar_dates():
    assert list(statutory_holidays(2027)) == [
        date(2027, 1, 1),                                                           # 元旦 1
        date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8),     # 除夕 + 春节 3
        date(2027, 4, 5),                                                           # 清明 1
        date(2027, 5, 1), date(2027, 5, 2),                                         # 劳动节 2
        date(2027, 6, 9),                                                           # 端午 1
        date(2027, 9, 15),                                                          # 中秋 1
        date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)]                    # 国庆 3
    assert statutory_holidays(2027)[date(2027, 2, 6)] == "春节"


def test_R_SLA_01_a_year_nobody_loaded_counts_its_statutory_holidays_and_weekends_without_swaps():
    """R-SLA-01."""
    calendar = WorkingDayCalendar()
    assert calendar.is_workday(date(2027, 2, 5)) == (False, True)   # Friday, Spring Festival eve
    assert calendar.is_workday(date(2027, 2, 8)) == (False, True)   # Monday, third day of the festival
    assert calendar.is_workday(date(2027, 2, 9)) == (True, True)    # no bridging days are guessed
    assert calendar.is_workday(date(2027, 1, 9)) == (False, True)   # an ordinary Saturday
    assert calendar.is_workday(date(2027, 2, 20)) == (False, True)  # a Saturday stays off: no 调休 swap
    due = calendar.add_workdays(at("2027-01-29T15:00"), 15)
    # Feb 1-4 (4), eve and festival off to Mon 8, Feb 9-12 (8), 15-19 (13), Mon 22, Tue 23 (15)
    assert due.at == at("2027-02-24T00:00") and due.provisional and due.unknown_years == (2027,)


def test_R_SLA_01_a_loaded_2027_counts_the_notice_and_is_not_provisional():
    """R-SLA-01."""
    schedule = parse_schedule(2027, SCHEDULE_2027["holidays"], SCHEDULE_2027["workdays"])
    calendar = WorkingDayCalendar(loaded={2027: schedule})
    assert calendar.is_workday(date(2027, 2, 20)) == (True, False)   # the swapped Saturday is worked
    assert calendar.is_workday(date(2027, 2, 10)) == (False, False)
    assert calendar.knows(2027) and not WorkingDayCalendar().knows(2027) and WorkingDayCalendar().knows(2026)


def test_R_SLA_01_the_refuse_policy_raises_a_state_error_naming_the_year():
    """R-SLA-01."""
    with pytest.raises(CalendarYearUnknown, match="2027 is not loaded") as refused:
        WorkingDayCalendar(unknown_year_policy="refuse").add_workdays(at("2026-12-31T10:00"), 15)
    assert isinstance(refused.value, StateError) and refused.value.year == 2027


def test_the_readme_example_is_a_schedule_sqflow_loads():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```json\n(\{\"year\": 2027.*?)```", readme, re.S).group(1)
    schedule, source = read_schedule("2027.json", example.encode())
    assert source == "国务院办公厅关于2027年部分节假日安排的通知" and date(2027, 2, 14) in schedule.workdays


# --- through the API and the pages, on SQLite and PostgreSQL ------------------------------------

@pytest.fixture
def complaints(web):
    """The product's complaint process with its SLA policies, on 31 December 2026 at 10:00 in Shanghai."""
    web.clock.set(at("2026-12-31T10:00"))
    web.deploy(*(f"complaints/{diagram.name}" for diagram in DIAGRAMS), "complaints/classification.dmn",
               *(f"complaints/forms/{form.name}" for form in FORMS))
    process_id, policies = parse_policies(POLICIES.name, POLICIES.read_bytes())
    with web.sessions.begin() as session:
        save_policies(session, process_id, policies, "defaults", "ops", web.clock.now())
    web.engine.sla_policies.forget()
    return web


def take(web, key: str, until: str = "field_test") -> int:
    """A complaint taken at the API by the first responder and walked (through the API) to `until`."""
    answer = Api(web, "zhang.min").start(key, {"process_id": "complaint", "business_key": key, "data": {}})
    assert answer.status_code == 201, answer.get_json()
    instance_id = answer.get_json()["id"]
    while (task := case(web, instance_id)["open_tasks"][0])["element_id"] != until:
        login, data = STEPS[task["element_id"]]
        done = Api(web, login).post(f"/tasks/{task['id']}/complete", {"data": data})
        assert done.status_code == 200, done.get_json()
    return instance_id


def case(web, instance_id: int) -> dict:
    answer = Api(web, "ma.manager").get(f"/instances/{instance_id}")
    assert answer.status_code == 200
    return answer.get_json()


def sla(body: dict, policy: str) -> dict:
    return next(s for s in body["slas"] if s["policy_id"] == policy)


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def provisional_cells(page: str) -> list[str]:
    return re.findall(r'<abbr class="provisional"[^>]*title="([^"]+)"[^>]*>([^<]+)</abbr>', page)


def test_R_SLA_01_a_complaint_taken_on_new_years_eve_is_due_in_2027_provisionally_until_2027_is_loaded(
        complaints, tmp_path, monkeypatch, capsys):
    """R-SLA-01: taken Thu 31 Dec 2026 10:00: Fri 1 Jan (New Year's Day) and weekends off, the 15th working
    day is Fri 22 Jan 2027; the field test (3 working days) is due at the end of Wed 6 Jan."""
    web = complaints
    instance_id = take(web, "TS-2026-0901")
    body = case(web, instance_id)
    answer = sla(body, "answer")
    assert when(answer["due_at"]) == at("2027-01-23T00:00") and answer["provisional"] is True
    [field_test] = body["open_tasks"]
    assert when(field_test["due_at"]) == at("2027-01-07T00:00") and field_test["due_provisional"] is True
    assert Api(web, "li.wei").get(f"/tasks/{field_test['id']}").get_json()["due_provisional"] is True
    [listed] = Api(web, "li.wei").get("/tasks").get_json()["items"]
    assert listed["due_provisional"] is True
    dashboard = Api(web, "ma.manager").get("/dashboard").get_json()
    assert dashboard["provisional_deadlines"] == 2 and dashboard["calendar_years_not_loaded"] == [2027]

    manager, handler = web.client("ma.manager"), web.client("li.wei")
    marks = provisional_cells(manager.get(f"/instances/{instance_id}").get_data(as_text=True))
    assert len(marks) == 3 and all(mark == ("该年度的国务院节假日安排尚未载入：此期限仅按法定节假日和周末暂算，载入后将重新计算。", "暂定")
                                   for mark in marks)  # the answer and field-test SLAs, the field-test task
    task_page = handler.get(f"/inbox/tasks/{field_test['id']}").get_data(as_text=True)
    assert len(provisional_cells(task_page)) == 3  # the task's due time, and the case's two deadlines
    assert "2027-01-23 00:00" in task_page
    assert len(provisional_cells(handler.get("/inbox/").get_data(as_text=True))) == 1
    board = manager.get("/dashboard").get_data(as_text=True)
    assert 'id="provisional-deadlines" data-count="2" data-years="2027"' in board
    assert "2 个未结期限为暂定。" in board and "2027年的国务院节假日安排尚未载入" in board

    monkeypatch.setenv("SQFLOW_DATABASE_URL", web.settings.database_url)
    monkeypatch.setenv("SQFLOW_VAR_DIR", str(tmp_path))
    from cli.main import main
    assert main(["sla", "list", "--instance", str(instance_id)]) == 0
    listing = capsys.readouterr().out
    assert "2027-01-23 00:00 (provisional)" in listing and "2027-01-07 00:00 (provisional)" in listing
    assert main(["tasks", "--instance", str(instance_id)]) == 0
    assert "2027-01-07 00:00 (provisional)" in capsys.readouterr().out
    assert main(["show", str(instance_id)]) == 0
    assert "2027-01-07 00:00 (provisional)" in capsys.readouterr().out

    schedule = tmp_path / "2027.json"
    schedule.write_text(json.dumps(SCHEDULE_2027, ensure_ascii=False), encoding="utf-8")
    assert main(["calendar", "load", str(schedule)]) == 0
    assert "recomputed 2 provisional deadline(s)" in capsys.readouterr().out

    body = case(web, instance_id)
    answer = sla(body, "answer")  # Mon 4 Jan is off too: the 15th working day is Mon 25 Jan
    assert when(answer["due_at"]) == at("2027-01-26T00:00") and answer["provisional"] is False
    [field_test] = body["open_tasks"]  # Tue 5, Wed 6, Thu 7 Jan
    assert when(field_test["due_at"]) == at("2027-01-08T00:00") and field_test["due_provisional"] is False
    assert provisional_cells(manager.get(f"/instances/{instance_id}").get_data(as_text=True)) == []
    task_page = handler.get(f"/inbox/tasks/{field_test['id']}").get_data(as_text=True)
    assert provisional_cells(task_page) == [] and "2027-01-26 00:00" in task_page and "2027-01-08 00:00" in task_page
    dashboard = Api(web, "ma.manager").get("/dashboard").get_json()
    assert dashboard["provisional_deadlines"] == 0 and dashboard["calendar_years_not_loaded"] == []
    assert 'id="provisional-deadlines"' not in manager.get("/dashboard").get_data(as_text=True)
    assert main(["sla", "list", "--instance", str(instance_id)]) == 0
    assert "(provisional)" not in capsys.readouterr().out

    # The web app's engine was not told of the load: it finds the year when it next counts a deadline in it.
    later = case(web, take(web, "TS-2026-0902", until="intake"))
    assert when(sla(later, "answer")["due_at"]) == at("2027-01-26T00:00") and not sla(later, "answer")["provisional"]


def counts(web) -> tuple[int, ...]:
    with web.sessions.begin() as session:
        return tuple(session.scalar(select(func.count()).select_from(table))
                     for table in (ProcessInstance, HumanTask, RunningSla, IdempotencyKey))


def test_R_SLA_01_with_the_refuse_policy_the_api_answers_409_naming_the_year_and_saves_nothing(complaints):
    """R-SLA-01."""
    web = complaints
    web.engine.calendar.unknown_year_policy = "refuse"
    starter = Api(web, "zhang.min")
    body = {"process_id": "complaint", "business_key": "TS-2026-0903", "data": {}}
    refused = starter.start("key-1", body)
    assert refused.status_code == 409
    assert refused.get_json() == {"code": 409, "message": (  # in the person's language (zh-CN for the demo people)
        "2027年的国务院节假日安排尚未载入，无法计算跨入2027年的期限，本次操作未保存任何内容。"
        "请管理员载入国务院办公厅关于2027年部分节假日安排的通知后再试。")}
    assert counts(web) == (0, 0, 0, 0)
    web.engine.calendar.unknown_year_policy = "provisional"
    assert starter.start("key-1", body).status_code == 201  # the key was not spent on the refused start


def test_R_SLA_01_a_refused_sign_for_says_which_year_and_saves_nothing(complaints):
    """R-SLA-01: the case was taken in early December; signing for it on 29 December starts the 3-working-day
    field test, which reaches into 2027. (Signing for asks nothing: the signer is who completes it.)"""
    web = complaints
    web.clock.set(at("2026-12-01T10:00"))
    instance_id = take(web, "TS-2026-0904", until="sign_for")
    web.engine.calendar.unknown_year_policy = "refuse"
    web.clock.set(at("2026-12-29T10:00"))
    [sign_for] = case(web, instance_id)["open_tasks"]
    handler = web.client("li.wei")
    before = counts(web)
    answer = handler.post(f"/inbox/tasks/{sign_for['id']}", data={})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert "2027年的国务院节假日安排尚未载入" in page
    assert counts(web) == before and case(web, instance_id)["open_tasks"][0]["element_id"] == "sign_for"


# --- the engine's part: tasks that show a span's deadline, and years loaded by another process ------

ANSWER_ONLY = json.dumps({"process_id": "complaint", "policies": [
    {"id": "answer", "starts": "process", "ends": "reply", "rules": [{"target": {"amount": 15, "unit": "workdays"}}]}]})


@pytest.fixture
def answer_only(harness):
    """The SLA stand-in diagram with one deadline, 15 working days from the start to the reply."""
    process_id, policies = parse_policies("answer.json", ANSWER_ONLY.encode())
    with harness.sessions.begin() as session:
        save_policies(session, process_id, policies, "test", "ops", harness.clock.now())
    harness.engine.sla_policies.forget()
    harness.deploy("complaint_sla.bpmn")
    harness.clock.set(at("2026-12-31T10:00"))
    return harness


def load_2027(harness, *, tell_the_engine: bool = True) -> int:
    schedule, source = read_schedule("2027.json", json.dumps(SCHEDULE_2027).encode())
    with harness.sessions.begin() as session:
        save_schedule(session, schedule, source, "ops", harness.clock.now())
        if not tell_the_engine:
            return 0
        harness.engine.refresh_calendar(session)
        return harness.engine.slas.recompute_provisional(session, harness.clock.now())


def test_R_SLA_01_the_task_that_ends_a_provisional_span_moves_with_it_when_the_year_is_loaded(answer_only):
    """R-SLA-01: the reply task shows the answer deadline (counted from the start); loading 2027 moves both."""
    view = answer_only.complete(answer_only.start("complaint"), "sign_for")
    reply = answer_only.open_task(view, "reply")
    assert (reply.due_at, reply.due_provisional) == (at("2027-01-23T00:00"), True)
    assert load_2027(answer_only) == 1
    with answer_only.sessions.begin() as session:
        reply = answer_only.open_task(answer_only.engine.instances.detail(session, view.id), "reply")
    assert (reply.due_at, reply.due_provisional) == (at("2027-01-26T00:00"), False)


def test_R_SLA_01_a_year_another_process_loaded_is_found_when_a_deadline_next_reaches_into_it(answer_only):
    """R-SLA-01: `sqflow calendar load` ran elsewhere; this engine never refreshed its calendar, yet it
    neither refuses nor counts provisionally."""
    answer_only.engine.calendar.unknown_year_policy = "refuse"
    load_2027(answer_only, tell_the_engine=False)
    view = answer_only.complete(answer_only.start("complaint"), "sign_for")
    reply = answer_only.open_task(view, "reply")
    assert (reply.due_at, reply.due_provisional) == (at("2027-01-26T00:00"), False)
