"""The process designer in a real browser (issue 21): a process built from an empty canvas with the
properties panel, linted as it is drawn, deployed after its difference was shown and a reason
given, then worked by a handler; the panel's code editor and timer preview; the language."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import expect

from .browser_support import screenshot
from .modeler_steps import Modeler

FORM_FILES = ("forms/sign_for.bpmn", "forms/sign_for.schema.json")  # a stored form to choose


def _draw_the_sign_for_check(modeler: Modeler) -> dict[str, str]:
    """Start → 签收工单 (user task) → gateway with two conditions, and a timer on the task."""
    page = modeler.page
    modeler.rename("start", "收到工单")
    task = modeler.append("start", "append.append-task", "签收工单")
    modeler.replace(task, "replace-with-user-task")
    gateway = modeler.append(task, "append.gateway", "预计多久处理完？")
    today = modeler.append(gateway, "append.end-event", "当天处理")
    planned = modeler.append(gateway, "append.end-event", "列入计划处理")
    timer = modeler.drop_boundary_event(task, "两小时未签收")
    modeler.replace(timer, "replace-with-timer-boundary")
    modeler.choose_in_panel("timerEventDefinitionType", "时长")
    modeler.fill_panel("timerEventDefinitionValue", "PT2H")
    expect(page.locator(".sqflow-timer-preview li")).to_have_count(1)
    late = modeler.append(timer, "append.end-event", "超时上报班组长")
    screenshot(page, "21-designer-drawn-with-timer")
    for target, label, condition in ((today, "四小时以内", "estimate_hours <= 4"),
                                     (planned, "超过四小时", "estimate_hours > 4")):
        modeler.connection_between(gateway, target)
        modeler.fill_panel("name", label)
        modeler.type_code(condition)
        expect(page.locator(".sqflow-check")).to_have_class(re.compile("sqflow-check-ok"))
    screenshot(page, "22-designer-condition-checked")
    return {"task": task, "gateway": gateway, "today": today, "planned": planned, "timer": timer, "late": late}


def _pool_with_lanes(modeler: Modeler, drawn: dict[str, str]) -> None:
    """A pool around the drawing, two lanes: the department that signs, the team lead for the timer."""
    page = modeler.page
    before = set(modeler.shapes())
    page.click('.djs-palette .entry[data-action="create.participant-expanded"]')
    modeler.click_at(700, 650)
    pool = next(i for i in modeler.shapes() if i not in before and not i.endswith("_label"))
    modeler.finish_typing("工单签收")
    modeler.select(pool)
    modeler.fill_panel("processId", "sign_for_check")
    modeler.fill_panel("processName", "工单签收核查")
    modeler.open_group("发起权限")
    page.check("#bio-properties-panel-sqflow-starter-group-first_responder")
    modeler.select(pool)
    page.click('.djs-context-pad .entry[data-action="lane-divide-two"]')
    lanes = page.eval_on_selector_all(".djs-shape[data-element-id^=Lane]", "els => els.map(e => e.dataset.elementId)")
    assert len(lanes) == 2
    boxes = sorted((modeler.element(lane).bounding_box() for lane in lanes), key=lambda box: box["y"])
    for box, group in zip(boxes, ("网络部", "班组长")):
        modeler.click_at(box["x"] + 12, box["y"] + box["height"] / 2)
        modeler.choose_in_panel("sqflow-lane-group", group)
    modeler.select(drawn["task"])
    expect(page.locator("#bio-properties-panel-sqflow-lane-group")).to_have_value("network_dept")
    modeler.choose_in_panel("sqflow-form", "签收工单")
    screenshot(page, "23-designer-task-form-and-group")


def test_a_process_built_in_the_browser_is_linted_deployed_after_its_difference_and_worked(live, browse):
    live.deploy(*FORM_FILES)
    page = browse("lin.designer")
    page.goto(f"{live.url}/designer/processes/new")
    modeler = Modeler(page)
    screenshot(page, "20-designer-empty-canvas")
    expect(page.locator("#lint")).not_to_have_class(re.compile(r"\bclean\b"))
    drawn = _draw_the_sign_for_check(modeler)
    _pool_with_lanes(modeler, drawn)

    expect(page.locator("#lint")).to_have_class(re.compile(r"\bclean\b"))  # lint as you draw: nothing left
    expect(page.locator("#lint .summary")).to_have_text("边画边检查：没有问题。")
    page.click("#deploy")
    dialog = page.locator("#deploy-dialog")
    expect(dialog).to_be_visible()
    added = dialog.locator(".diff-added li")
    for expected in ("用户任务「签收工单」", "排他网关「预计多久处理完？」", "定时边界事件「两小时未签收」"):
        expect(added.filter(has_text=expected)).to_have_count(1)
    expect(dialog.locator(".deploy-warnings")).to_be_hidden()  # the server's lint agrees: nothing to advise
    screenshot(page, "24-designer-deploy-difference")
    dialog.locator("button.confirm").click()  # no reason yet: refused in the dialog
    expect(dialog.locator(".dialog-problems")).to_contain_text("修改原因")
    dialog.locator("textarea[name=reason]").fill("网络部签收工单的新流程")
    dialog.locator("button.confirm").click()
    expect(page.locator("#status")).to_contain_text("版本 1")
    screenshot(page, "25-designer-deployed")

    with live.sessions.begin() as session:
        definition = live.engine.definitions.latest(session, "sign_for_check")
        assert definition.version == 1 and definition.starters == ["group:first_responder"]
        assert [(t["name"], t["lane"], t["form"]) for t in definition.user_tasks] == [
            ("签收工单", "network_dept", "sign_for.schema.json")]
    case = live.start("sign_for_check", key="SFC-1", by="zhang.min")

    handler = browse("li.wei")  # network department
    handler.goto(f"{live.url}/inbox/")
    handler.locator("tr", has_text="SFC-1").locator("a[href*='/inbox/tasks/']").first.click()
    handler.locator("form[action$='/claim'] button").click()
    handler.wait_for_load_state("networkidle")
    if handler.locator("[name=signed_by]").count():
        handler.fill("[name=signed_by]", "li.wei")
    handler.fill("[name=estimate_hours]", "3")
    screenshot(handler, "26-handler-fills-the-drawn-form")
    handler.click("form[action*='/inbox/tasks/'] button.primary")
    handler.wait_for_load_state("networkidle")
    with live.sessions.begin() as session:
        detail = live.engine.instances.detail(session, case.id)
        data = live.engine.instances.workflow_data(session, case.id)
    assert detail.state == "completed" and data["estimate_hours"] == 3
    reached = {h.element_id for h in detail.history if h.event == "element.completed"}
    assert drawn["today"] in reached and not {drawn["planned"], drawn["late"]} & reached  # estimate_hours <= 4
    waiting = next(h for h in detail.history if h.event == "timer.waiting")
    assert waiting.element_id == drawn["timer"]  # PT2H, written by the panel, armed as drawn
    assert datetime.fromisoformat(waiting.details["due_at"]) == case.started_at + timedelta(hours=2)


def test_the_deploy_dialog_lists_the_servers_drawing_advice_as_the_browser_lints_it(live, browse):
    live.deploy("work_order.bpmn")
    page = browse("lin.designer")
    page.goto(f"{live.url}/designer/processes/work_order/edit")
    expect(page.locator("#lint .summary")).to_contain_text("个警告")
    browser_rows = page.locator("#lint li")
    expect(page.locator("#lint li.error")).to_have_count(0)  # drawing advice, as the server has it: no errors
    page.click("#deploy")
    dialog = page.locator("#deploy-dialog")
    expect(dialog).to_be_visible()
    advice = dialog.locator(".deploy-warnings li")
    expect(advice.first).to_be_visible()
    assert advice.count() == browser_rows.count() > 0
    texts = advice.all_inner_texts()
    assert all(re.search(r"[\u4e00-\u9fff]", text) and not re.search(r"label-required|no-bpmndi|fake-join", text)
               for text in texts)
    screenshot(page, "27-designer-deploy-drawing-advice")
