"""The web app in a real browser (Playwright driving Debian's headless Chromium), on SQLite.

Each test saves screenshots in tests/screenshots/ at the moments that matter.
"""
from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from engine import SourceFile
from tests.test_complaint_forms import GOOD_INTAKE

from .browser_support import rename_in_modeler, screenshot

COMPLAINTS = Path(__file__).resolve().parents[1] / "bpmn" / "complaints"


def _deploy_complaints(live) -> None:
    files = [SourceFile(p.relative_to(COMPLAINTS).as_posix(), p.read_bytes()) for p in sorted(COMPLAINTS.rglob("*"))
             if p.is_file() and p.name.endswith((".bpmn", ".dmn", ".schema.json"))]
    with live.sessions.begin() as session:
        live.engine.definitions.deploy(session, files, "lin.designer")


def _received_complaint(live, key: str = "TS-2026-0901"):
    view = live.start("complaint", key=key, by="zhang.min")
    task = next(t for t in view.open_tasks if t.element_id == "intake")
    with live.sessions.begin() as session:
        return live.engine.instances.complete_task(session, task.id, by="zhang.min",
                                                   data={**GOOD_INTAKE, "received_by": "zhang.min"})


def _submit(page) -> None:
    page.click("form[action*='/inbox/tasks/'] button.primary")
    page.wait_for_load_state("networkidle")


def test_sign_in_then_claim_and_complete_a_task_first_with_invalid_data(live, browse):
    _deploy_complaints(live)
    case = _received_complaint(live)
    page = browse("zhang.min")  # the first responder: the case stays theirs (R-FR-01)
    assert page.url.endswith("/inbox/")
    screenshot(page, "01-inbox-after-sign-in")
    page.locator("tr", has_text="TS-2026-0901").locator("a[href*='/inbox/tasks/']").first.click()
    _submit(page)  # nothing chosen yet
    screenshot(page, "02-task-invalid-data")
    assert page.locator(".field-error").count() >= 1
    page.check("input[name=resolved][value=false]")
    _submit(page)
    screenshot(page, "03-next-task-of-the-case-opens")
    page.select_option("select[name=department]", "network_dept")
    _submit(page)

    handler = browse("li.wei")  # the department's inbox: unclaimed until someone claims it
    handler.locator("tr", has_text="TS-2026-0901").locator("a[href*='/inbox/tasks/']").first.click()
    handler.locator("form[action$='/claim'] button").click()
    handler.wait_for_load_state("networkidle")
    screenshot(handler, "04-claimed")
    assert handler.locator("[name=signed_by]").count() == 0  # who signs for it is who completes it
    _submit(handler)
    with live.sessions.begin() as session:
        detail = live.engine.instances.detail(session, case.id)
        data = live.engine.instances.workflow_data(session, case.id)
        signed = [t for t in live.engine.desk.inbox(session, live.engine.desk.directory.get(session, "li.wei"))]
    assert data["resolved"] is False and data["department"] == "network_dept" and data["signed_by"] == "li.wei"
    assert {t.element_id for t in detail.open_tasks} & {"field_test", "reply"}
    assert all(row.task.assignee == "li.wei" for row in signed)  # the signer keeps the work order


def test_a_handler_is_refused_another_groups_task(live, browse):
    _deploy_complaints(live)
    case = _received_complaint(live, "TS-2026-0902")
    task = next(t for t in case.open_tasks if t.element_id == "on_the_spot")
    page = browse("sun.li")  # billing department, not a first responder
    response = page.goto(f"{live.url}/inbox/tasks/{task.id}")
    assert response.status == 403
    screenshot(page, "05-another-groups-task-refused")
    assert page.locator("form[action*='/inbox/tasks/']").count() == 0


def test_the_designer_deploys_version_2_while_a_version_1_instance_keeps_running(live, browse):
    live.deploy("work_order.bpmn")
    running = live.start("work_order", {"description": "宽带断网", "category": "complaint"}, key="WO-1")
    page = browse("lin.designer")
    page.goto(f"{live.url}/designer/processes/work_order/edit")
    page.wait_for_selector(".djs-element[data-element-id=reply]")
    rename_in_modeler(page, "reply", "Reply to the customer in writing")
    page.click("#deploy")  # the difference and a reason first (tests/test_designer_browser.py)
    page.fill("#deploy-dialog textarea[name=reason]", "写明书面答复")
    page.click("#deploy-dialog button.confirm")
    expect(page.locator("#status")).to_contain_text(re.compile("2"))  # not wait_for_function: the CSP forbids eval
    screenshot(page, "06-designer-deployed-version-2")
    with live.sessions.begin() as session:
        versions = [d.version for d in live.engine.definitions.list_latest(session) if d.process_id == "work_order"]
    assert versions == [2]
    view = running
    for element, data in (("sign_for", {}), ("reply", {"answer": "fixed"}), ("callback", {"reached": True})):
        task = next(t for t in view.open_tasks if t.element_id == element)
        with live.sessions.begin() as session:
            view = live.engine.instances.complete_task(session, task.id, by="li.wei", data=data)
    assert (view.version, view.state) == (1, "completed")


def test_the_dashboard_draws_its_charts(live, browse):
    _deploy_complaints(live)
    for number in range(3):
        _received_complaint(live, f"TS-2026-09{number + 10}")
    page = browse("ma.manager")
    page.goto(f"{live.url}/dashboard")
    page.wait_for_load_state("networkidle")
    canvases = page.locator("canvas")
    assert canvases.count() >= 3
    drawn = page.evaluate("""() => [...document.querySelectorAll('canvas')]
        .filter(c => c.width > 0 && c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v))
        .length""")
    screenshot(page, "07-dashboard")
    assert drawn >= 3
    assert re.search(r"TS-2026-09|complaint|投诉", page.content())
