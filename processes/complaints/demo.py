"""Demo complaints in varied states, received over the last days, so a newcomer sees a living system.

Cases are received at past moments (a clock set back for each), walked forward as handlers would,
and then the timer worker catches up: deadlines that passed meanwhile warn, breach and escalate.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from engine import Engine, ManualClock
from engine.persistence.tables import ProcessInstance, SlaPolicySet
from engine.runtime.views import InstanceView
from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies
from engine.timers.worker import TimerWorker

from .. import diagram_helpers, task_assigners, task_listeners

POLICIES = Path(__file__).parent / "sla_policies.json"
FIRST_RESPONDERS = {"hotline_10000": "zhang.min", "business_hall": "wang.fang", "web_hall": "liu.yang",
                    "app": "liu.yang", "online_chat": "chen.jing", "regulator": "duty.zhou"}
DEPARTMENTS = ["network_dept", "wireless_dept", "billing_dept", "service_dept"]
STORIES = [
    ("network", "宽带晚上频繁掉线，影响在家办公 broadband drops every evening", True),
    ("billing", "本月账单多收了国际漫游费 roaming charged although I never left", False),
    ("service", "营业厅排队两小时无人处理 two hours in the queue at the hall", False),
    ("network", "小区4G信号差，室内无法通话 no indoor 4G signal in the estate", True),
    ("product", "套餐变更未生效 the plan change never took effect", False),
]
# how far each case gets: the task it waits at when the demo ends
STAGES = ["on_the_spot", "dispatch", "sign_for", "reply", "callback", "archived", "invalid", "resolved_on_spot"]


def sample_intake(rng: random.Random, number: int) -> dict:
    category, description, fault = STORIES[number % len(STORIES)]
    channel = list(FIRST_RESPONDERS)[number % len(FIRST_RESPONDERS)]
    outside = channel == "regulator"
    intake = {
        "channel": channel, "customer_name": rng.choice(["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊"]),
        "customer_phone": f"13{rng.randrange(100000000, 999999999)}", "received_by": FIRST_RESPONDERS[channel],
        "category": category, "description": description, "urgency": rng.choice(["特急", "紧急", "一般", "一般"]),
        "source": "regulator" if outside else "customer", "key_customer": number % 7 == 0,
        "major": number % 11 == 5, "over_head_tendency": False, "service_unusable": fault,
        "self_service_lookup": False, "dissatisfied": True, "wants_solution": True, "anonymous": False,
        "is_customer_or_authorised": True, "specific_enough": True, "contact_complete": True,
        "within_services": True,
    }
    for flag in ("vip_customer", "public_media_exposure", "regulator_with_deadline", "important_group_channel",
                 "group_customer_leaving", "from_leadership_or_important", "illegal_sms_or_security",
                 "premium_brand", "sensitive_profession", "institution_quick_answer", "billing_dispute_risk"):
        intake[flag] = False
    intake["regulator_with_deadline"] = outside
    if outside:
        intake["source_deadline"] = "2026-12-31T17:00:00+08:00"
    return intake


ANSWERS = {
    "on_the_spot": {"resolved": False}, "customer_signs": {"customer_signature": "客户本人"},
    "verify_by_phone": {"verified": True, "verification_note": "客户电话确认"},
    "duty_desk_accept": {"duty_officer": "duty.zhou", "source_reference": "通信管理局 2026-118",
                         "source_deadline": "2026-12-31T17:00:00+08:00"},
    "pre_handling_plan": {"plan": "高级工程师上门", "response_script": "致歉并告知处理进展"},
    "sign_for": {"signed_by": "handler"}, "field_test": {"test_result": "光衰 -27 dB，更换分光器",
                                                         "traffic_analysis": "上月无异常"},
    "reply": {"answer": "已更换分光器，业务恢复 replaced the splitter; service restored"},
    "review_branch_report": {"report_approved": True}, "callback": {"reached": True, "satisfied": True},
}


def seed(engine: Engine, sessions: sessionmaker[Session], now: datetime, count: int = 24,
         first_number: int = 1) -> list[InstanceView]:
    """`count` complaints received over the last 5 days, walked to varied stages; returns their views."""
    rng = random.Random(20261123)
    with sessions.begin() as session:
        if session.get(SlaPolicySet, "complaint") is None:
            process_id, policies = parse_policies(POLICIES.name, POLICIES.read_bytes())
            save_policies(session, process_id, policies, "defaults", "demo", now)
    engine.sla_policies.forget()
    clock = ManualClock(now)
    past = Engine(engine.settings, clock, helpers=diagram_helpers(), assigners=task_assigners(),
                  listeners=task_listeners())
    past.calendar.loaded = engine.calendar.loaded  # the years operators loaded count in the past too
    views = []
    for offset in range(count):
        number = first_number + offset
        clock.set(now - timedelta(hours=rng.uniform(0.2, 120)))
        stage = STAGES[offset % len(STAGES)]
        intake = sample_intake(rng, number)
        if stage == "invalid":
            intake["anonymous"] = True
        with sessions.begin() as session:
            view = past.instances.start(session, "complaint", started_by=intake["received_by"],
                                        business_key=f"TS-2026-{number:04d}")
            view = _complete(past, session, view, "intake", intake)
            while view.state == "active" and view.open_tasks:
                task = view.open_tasks[0]
                if task.element_id == stage or (stage == "archived" and task.element_id == "answer_supervisor"):
                    break
                data = {"resolved": True, "resolution": "当场解释，客户接受"} if (
                    stage == "resolved_on_spot" and task.element_id == "on_the_spot") else ANSWERS.get(task.element_id)
                if task.element_id == "dispatch":
                    data = {"department": rng.choice(DEPARTMENTS)}
                if data is None:
                    break
                clock.advance(timedelta(minutes=rng.uniform(10, 240)))
                view = _complete(past, session, view, task.element_id, data)
        views.append(view)
    TimerWorker(engine, sessions, name="demo").run_due()  # deadlines that passed meanwhile warn and escalate
    with sessions.begin() as session:
        return [engine.instances.detail(session, view.id) for view in views]


def _complete(engine: Engine, session: Session, view: InstanceView, element: str, data: dict) -> InstanceView:
    task = next(t for t in view.open_tasks if t.element_id == element)
    return engine.instances.complete_task(session, task.id, by=data.get("received_by") or "handler", data=data)


def next_number(session: Session) -> int:
    keys = session.scalars(select(ProcessInstance.business_key).where(
        ProcessInstance.business_key.like("TS-2026-%"))).all()
    return max((int(k.rsplit("-", 1)[1]) for k in keys if k.rsplit("-", 1)[1].isdigit()), default=0) + 1
