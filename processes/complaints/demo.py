"""Demo complaints at every stage, received over the last days, so a newcomer sees a living system.

Each case is received at a past moment (a clock set back for it) by a first responder of its channel
and walked forward as the people of each lane would, through the work desk, so every step is taken by
a real account that may take it: the department's handler signs for and answers, the duty desk
accepts what a regulator sent, the team lead prepares the plan of a major complaint. No step happens
after now. Then the timer worker catches up: deadlines that passed meanwhile warn, breach and open
their chase tasks.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from engine import Engine, ManualClock, next_case_key
from engine.people import User
from engine.persistence.tables import SlaPolicySet
from engine.runtime.views import InstanceView, TaskView
from engine.timers.worker import TimerWorker

from .. import wired_engine

POLICIES = Path(__file__).parent / "sla_policies.json"
FIRST_RESPONDERS = {"hotline_10000": "zhang.min", "business_hall": "wang.fang", "web_hall": "liu.yang",
                    "app": "liu.yang", "online_chat": "chen.jing", "regulator": "zhang.min"}
DEPARTMENTS = ["network_dept", "wireless_dept", "billing_dept", "service_dept"]
STORIES = [
    ("network", "宽带晚上频繁掉线，影响在家办公", True, "network_dept"),
    ("billing", "本月账单多收了国际漫游费，本人从未出境", False, "billing_dept"),
    ("service", "营业厅排队两小时无人处理，工作人员态度冷淡", False, "service_dept"),
    ("network", "小区4G信号差，室内无法通话", True, "wireless_dept"),
    ("product", "套餐变更申请已受理一个月仍未生效", False, "service_dept"),
]
CUSTOMERS = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周婷", "吴昊"]


@dataclass(frozen=True)
class Scenario:
    """One demo case: how it came in and the task it waits at when the demo ends (or how it closed)."""
    channel: str
    waits_at: str                                   # an element, or archived / invalid / resolved_on_spot
    story: int = 0
    intake: dict = field(default_factory=dict)      # changes to the sample intake
    called_again: int = 0                           # how often the customer called again about it meanwhile
    within_hours: float | None = None               # received this recently (a limit shorter than the demo's days)


SCENARIOS = [
    Scenario("hotline_10000", "on_the_spot"),
    Scenario("business_hall", "dispatch", story=2),
    Scenario("hotline_10000", "sign_for", story=0),
    Scenario("web_hall", "reply", story=1),
    Scenario("online_chat", "callback", story=4),
    Scenario("hotline_10000", "archived", story=1),
    Scenario("hotline_10000", "invalid", story=2, intake={"anonymous": True}),
    Scenario("app", "resolved_on_spot", story=4),
    Scenario("business_hall", "customer_signs", story=2),
    Scenario("app", "verify_by_phone", story=3),
    Scenario("hotline_10000", "field_test", story=3),
    Scenario("regulator", "duty_desk_accept", story=1),
    Scenario("hotline_10000", "pre_handling_plan", story=0, intake={"major": True}),
    Scenario("hotline_10000", "sign_for", story=3, called_again=1),
    Scenario("hotline_10000", "answer_inquiry", story=1,
             intake={"self_service_lookup": True, "dissatisfied": False, "wants_solution": False}),
    Scenario("online_chat", "explain", story=4, intake={"dissatisfied": False, "wants_solution": False},
             within_hours=3),  # a consultation unanswered for a day becomes a complaint
    Scenario("hotline_10000", "sign_for", story=0, called_again=3),  # as often as the team lead is told
]
CLOSED = {"archived", "invalid", "resolved_on_spot"}
ANSWERS = {
    "on_the_spot": {"resolved": False, "resolution": "已向客户解释，客户要求派单处理"},
    "customer_signs": {"customer_signature": "客户本人签字"},
    "verify_by_phone": {"verified": True, "verification_note": "已电话联系客户，确认投诉内容属实"},
    "duty_desk_accept": {},  # filled in from the case: the regulator's reference and deadline
    "pre_handling_plan": {"plan": "高级工程师次日上门检测", "response_script": "致歉，说明已安排专人跟进，每日告知进展"},
    "sign_for": {}, "field_test": {"test_result": "光衰 -27 dB，更换分光器后恢复", "traffic_analysis": "上月流量无异常"},
    "reply": {"answer": "已查明原因并处理完毕，业务恢复正常，向客户致歉", "cause": "设备老化",
              "measures": "更换设备，加强巡检"},
    "review_branch_report": {"report_approved": True, "review_note": "处理报告属实，同意回复"},
    "callback": {"reached": True, "satisfied": True},
    "tell_progress": {"progress_told": "已告知客户：工单已派至处理部门，工程师将尽快联系"},
}


def sample_intake(rng: random.Random, number: int, scenario: Scenario, received: datetime) -> dict:
    category, description, fault, _ = STORIES[scenario.story % len(STORIES)]
    escalated = scenario.channel == "regulator"
    intake = {
        "channel": scenario.channel, "customer_name": CUSTOMERS[number % len(CUSTOMERS)],
        "customer_phone": f"139{number:04d}{rng.randrange(1000, 9999)}", "category": category,
        "description": description, "urgency": rng.choice(["特急", "紧急", "一般", "一般", "一般"]),
        "source": "regulator" if escalated else "customer", "key_customer": number % 7 == 0, "major": False,
        "over_head_tendency": False, "service_unusable": fault, "self_service_lookup": False, "dissatisfied": True,
        "wants_solution": True, "anonymous": False, "is_customer_or_authorised": True, "specific_enough": True,
        "contact_complete": True, "within_services": True,
    }
    for flag in ("vip_customer", "public_media_exposure", "regulator_with_deadline", "important_group_channel",
                 "group_customer_leaving", "from_leadership_or_important", "illegal_sms_or_security",
                 "premium_brand", "sensitive_profession", "institution_quick_answer", "billing_dispute_risk"):
        intake[flag] = False
    if escalated:
        intake["regulator_with_deadline"] = True
        intake["source_deadline"] = (received + timedelta(days=14)).isoformat(timespec="seconds")
        intake["source_reference"] = f"通管转办 {received:%Y}-{number:03d}"
    return {**intake, **scenario.intake}


def seed(engine: Engine, sessions: sessionmaker[Session], now: datetime, count: int = 24,
         first_number: int | None = None) -> list[InstanceView]:
    """`count` complaints received over the last 5 days, walked to the stages of `SCENARIOS` in turn;
    returns their views as they stand now."""
    rng = random.Random(20261123)
    with sessions.begin() as session:
        if session.get(SlaPolicySet, "complaint") is None:  # deployed without the policies beside the diagram
            engine.sla_policies.load(session, POLICIES.name, POLICIES.read_bytes(), "demo", now)
        prefix = f"TS-{now.year}-"
        first_number = first_number or int(next_case_key(session, prefix)[len(prefix):])
    engine.sla_policies.forget()
    clock = ManualClock(now)
    past = wired_engine(engine.settings, clock)
    past.calendar.loaded = engine.calendar.loaded  # the years operators loaded count in the past too
    views = []
    for offset in range(count):
        number = first_number + offset
        scenario = SCENARIOS[offset % len(SCENARIOS)]
        hours_ago = rng.uniform(6, 120)
        clock.set(now - timedelta(hours=min(hours_ago, scenario.within_hours or hours_ago)))
        with sessions.begin() as session:
            views.append(_walk(past, session, clock, now, rng, scenario, number, f"{prefix}{number:04d}"))
    TimerWorker(engine, sessions, name="demo").run_due()  # deadlines that passed meanwhile warn and escalate
    with sessions.begin() as session:
        return [engine.instances.detail(session, view.id) for view in views]


def _walk(engine: Engine, session: Session, clock: ManualClock, now: datetime, rng: random.Random,
          scenario: Scenario, number: int, key: str) -> InstanceView:
    """Receive one case and take its steps until it waits at the scenario's stage."""
    directory = engine.desk.directory
    first_responder = directory.get(session, FIRST_RESPONDERS[scenario.channel])
    intake = sample_intake(rng, number, scenario, clock.now())
    view = engine.desk.start(session, first_responder, "complaint", business_key=key)
    view = _take(engine, session, view, "intake", first_responder, intake)
    department = STORIES[scenario.story % len(STORIES)][3]
    while view.state == "active" and view.open_tasks:
        task = next((t for t in view.open_tasks if t.element_id != "tell_progress"), view.open_tasks[0])
        if task.element_id == scenario.waits_at or (scenario.waits_at == "archived"
                                                    and task.element_id == "answer_supervisor"):
            break
        data = _answer(task, scenario, department, intake)
        if data is None:
            break
        clock.advance(min(timedelta(minutes=rng.uniform(10, 240)), (now - clock.now()) / 3))
        view = _take(engine, session, view, task.element_id, _performer(engine, session, task), data)
        for _ in range(scenario.called_again if task.element_id == "dispatch" else 0):
            clock.advance((now - clock.now()) / 3)
            view = engine.instances.send_message(session, key, "customer_called_again", by=first_responder.login,
                                                 process_id="complaint")
    return view


def _answer(task: TaskView, scenario: Scenario, department: str, intake: dict) -> dict | None:
    """What the person at `task` enters, for the scenario; None: the scenario stops here."""
    element = task.element_id
    if element == "on_the_spot" and scenario.waits_at == "resolved_on_spot":
        return {"resolved": True, "resolution": "当场解释资费规则，客户接受"}
    if element == "dispatch":
        return {"department": department, "instructions": "请尽快联系客户并上门处理"}
    if element == "duty_desk_accept":
        return {"source_reference": intake["source_reference"], "source_deadline": intake["source_deadline"]}
    return ANSWERS.get(element)


def _performer(engine: Engine, session: Session, task: TaskView) -> User:
    """Who takes the task: its holder, or a member of the group it waits in (a handler before a team lead)."""
    directory = engine.desk.directory
    if task.assignee:
        return directory.get(session, task.assignee)
    members = sorted(directory.members(session, task.candidate_group or ""),
                     key=lambda user: ("team_lead" in user.roles, user.login))
    if not members:
        raise LookupError(f"nobody works the group {task.candidate_group} to take {task.element_id}")
    return members[0]


def _take(engine: Engine, session: Session, view: InstanceView, element: str, user: User, data: dict) -> InstanceView:
    task = next(t for t in view.open_tasks if t.element_id == element)
    return engine.desk.complete(session, user, task.id, data)

