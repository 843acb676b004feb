"""The case on every task page, in a real browser: the department handler works the work order seeing what
the customer said, the dispatch instructions and the on-the-spot note; the first responder's callback
page shows the department's answer; the history reads as sentences. Screenshots in tests/screenshots/.
"""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies
from engine.timers.worker import TimerWorker

from .browser_support import screenshot
from .test_browser import _deploy_complaints, _received_complaint
from .test_complaint_process import BPMN as COMPLAINTS_BPMN
from .test_complaint_process import COMPLAINTS

COMPLAINT_TEXT = "家中手机信号很差，经常掉话"  # the intake's description (GOOD_INTAKE)
SPOT_NOTE = "已向客户解释信号覆盖情况，客户不接受，要求上门检测"
INSTRUCTIONS = "请携带测试仪上门测试客厅与卧室信号，48小时内回复客户"
ANSWER = "经上门测试，小区基站天线角度偏移，已调整，客户家中信号恢复正常"


def _element_ids() -> set[str]:
    """The ids of the complaint diagrams' elements (gateways, tasks, events, flows) that no name could
    contain as a word (those of two words or more: `sign_for`, `valid_gw`)."""
    return {found for path in COMPLAINTS_BPMN.rglob("*.bpmn")
            for found in re.findall(r'\bid="([^"]+)"', path.read_text(encoding="utf-8")) if "_" in found}


def _load_policies(live) -> None:
    with live.sessions.begin() as session:
        process_id, policies = parse_policies("sla", (COMPLAINTS / "sla_policies.json").read_bytes())
        save_policies(session, process_id, policies, "defaults", "ops", live.clock.now())
    live.engine.sla_policies.forget()


def _open_task(page, live, case_id: int, element_id: str) -> None:
    """Open the case's open task of `element_id` from the person's inbox, as they would."""
    with live.sessions.begin() as session:
        task = next(t for t in live.engine.instances.detail(session, case_id).open_tasks if t.element_id == element_id)
    page.goto(f"{live.url}/inbox/")
    page.locator(f"a[href$='/inbox/tasks/{task.id}']").first.click()
    page.wait_for_load_state("networkidle")


def _submit(page) -> None:
    page.click("form[action*='/inbox/tasks/'] button.primary")
    page.wait_for_load_state("networkidle")


def test_the_handler_sees_the_complaint_and_the_first_responder_sees_the_answer(live, browse):
    _deploy_complaints(live)
    _load_policies(live)
    case = _received_complaint(live, "TS-2026-0931")
    front = browse("zhang.min")
    _open_task(front, live, case.id, "on_the_spot")
    expect(front.locator("#case-card")).to_contain_text(COMPLAINT_TEXT)  # the same card on every task
    front.check("input[name=resolved][value=false]")
    front.fill("[name=resolution]", SPOT_NOTE)
    _submit(front)
    front.select_option("select[name=department]", "network_dept")
    front.fill("[name=instructions]", INSTRUCTIONS)
    _submit(front)

    live.clock.advance(timedelta(minutes=90))  # three quarters of the 2 hours to sign for have passed
    TimerWorker(live.engine, live.sessions, name="test").run_due()
    handler = browse("li.wei")  # the network department's handler
    _open_task(handler, live, case.id, "sign_for")
    card = handler.locator("#case-card")
    expect(card).to_contain_text(COMPLAINT_TEXT)
    expect(card).to_contain_text(INSTRUCTIONS)
    expect(card).to_contain_text(SPOT_NOTE)
    expect(card.locator(".holder")).to_contain_text("网络部")  # nobody claimed it yet: it sits with the group
    expect(card.locator(".case-deadline").first).to_contain_text("到期")
    diagram = handler.locator("#diagram[data-diagram-ready=true]")
    expect(diagram).to_have_attribute("data-diagram-focus", "current")  # opened on the task, not the whole
    task_box = handler.locator(".djs-element[data-element-id=sign_for]").bounding_box()
    view_box = diagram.bounding_box()
    assert view_box["x"] <= task_box["x"] and task_box["x"] + task_box["width"] <= view_box["x"] + view_box["width"]
    assert task_box["width"] >= 80  # drawn at a readable size (the whole diagram would make it a few pixels)
    screenshot(handler, "case-card-01-sign-for-shows-the-complaint")
    assert handler.locator("#case-card").bounding_box()["y"] < handler.locator(".task-form").bounding_box()["y"]
    handler.locator("form[action$='/claim'] button").click()
    handler.wait_for_load_state("networkidle")
    _submit(handler)

    for element in ("field_test", "reply"):
        _open_task(handler, live, case.id, element)
        expect(handler.locator("#case-card")).to_contain_text(COMPLAINT_TEXT)
        expect(handler.locator("#case-card")).to_contain_text(INSTRUCTIONS)
        if element == "field_test":
            handler.fill("[name=test_result]", "客厅 -105 dBm，卧室 -112 dBm")
            handler.fill("[name=traffic_analysis]", "上月掉话率 3.2%，高于小区平均")
        else:
            screenshot(handler, "case-card-02-reply-shows-the-field-test")
            expect(handler.locator("#case-card")).to_contain_text("-112 dBm")
            handler.fill("[name=answer]", ANSWER)
            handler.fill("[name=cause]", "基站天线角度偏移")
        _submit(handler)

    _open_task(front, live, case.id, "callback")
    card = front.locator("#case-card")
    expect(card).to_contain_text(ANSWER)
    expect(card).to_contain_text(COMPLAINT_TEXT)
    expect(card.locator(".holder")).to_contain_text("张敏")
    history = front.locator("#history")
    expect(history).to_contain_text("李伟 完成了「")  # who did what, in Chinese
    expect(history).to_contain_text("张敏 完成了「")
    text = history.inner_text()
    assert "系统：" in text and "时限已过 75%" in text  # the sign-for warning, told once
    words = set(re.findall(r"[A-Za-z0-9_]+", text))
    assert not words & _element_ids() and "{" not in text, words & _element_ids()
    assert text.count("签收工单") == 1  # created for the group and completed: one line
    screenshot(front, "case-card-03-callback-shows-the-answer")

    manager = browse("ma.manager")  # the instance page reads the same way: the card, sentences, labelled data
    manager.goto(f"{live.url}/instances/{case.id}")
    manager.wait_for_load_state("networkidle")
    expect(manager.locator("#case-card")).to_contain_text(ANSWER)
    expect(manager.locator("#history")).to_contain_text("李伟 完成了「")
    expect(manager.locator("#data [data-field=description]")).to_contain_text("投诉内容")
    expect(manager.locator("#data [data-field=description]")).to_contain_text(COMPLAINT_TEXT)
    assert "{" not in manager.locator("#history").inner_text()
    screenshot(manager, "case-card-04-instance-page")
