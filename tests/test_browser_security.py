"""The security headers in a real browser: every page of every role works under the Content-Security-
Policy (no script, style or image refused: bpmn-js's modeler and viewer, the dashboard's charts, the
QR code), and no page of the site can be framed by another."""
from __future__ import annotations

from sqlalchemy import select

from engine.persistence.tables import DeploymentFile
from processes.supervisors.credentials import id_token
from processes.supervisors.demo import seed_supervisors
from tests.test_supervisor_recruitment import COMPLAINTS, SUPERVISORS, diagram_files

from .browser_support import rename_in_modeler, screenshot
from .modeler_steps import Modeler
from .test_browser import _received_complaint

# Recorded by the page itself: Chromium fires `securitypolicyviolation` for every refused resource,
# inline script, inline style or attribute.
WATCH_VIOLATIONS = """
window.__refused = [];
document.addEventListener('securitypolicyviolation', (e) =>
    window.__refused.push(e.effectiveDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || '')));
"""


def _watched(page):
    page.add_init_script(WATCH_VIOLATIONS)
    return page


def _visit(page, url: str, ready: str | None = None) -> list[str]:
    response = page.goto(url)
    assert response.status == 200, (url, response.status)
    page.wait_for_load_state("networkidle")
    if ready:
        page.wait_for_selector(ready)
    return page.evaluate("window.__refused")


def _prepared(live) -> dict:
    with live.sessions.begin() as session:
        live.engine.definitions.deploy(session, diagram_files(SUPERVISORS, COMPLAINTS), "lin.designer")
        dmn = session.scalar(select(DeploymentFile.id).where(DeploymentFile.name.like("%.dmn")).limit(1))
    seed_supervisors(live.engine, live.sessions, live.clock.now(), live.engine.desk.directory)
    case = _received_complaint(live, "TS-2026-0950")
    return {"case": case.id, "task": case.open_tasks[0].id, "dmn": dmn}


def test_every_page_works_under_the_content_security_policy(live, browse, browser):
    made = _prepared(live)
    pages = {
        "zhang.min": [("/inbox/", None), (f"/inbox/tasks/{made['task']}", "form"), ("/notifications/", None),
                      ("/notifications/preferences", None)],
        "ma.manager": [("/instances", None), (f"/instances/{made['case']}", ".djs-element"),
                       ("/dashboard", "canvas"), ("/supervisors/roster", None)],
        "lin.designer": [("/designer/", None), ("/designer/processes/new", ".djs-palette"),
                         ("/designer/processes/complaint/edit", ".bio-properties-panel"),
                         (f"/designer/decisions/{made['dmn']}/edit", "body[data-modeler-ready=true] .tjs-table")],
        "qian.jiandu": [("/supervisors/reports", None), ("/supervisors/my-id", "svg")],
    }
    refused = {}
    for login, visits in pages.items():
        page = _watched(browse(login))
        for path, ready in visits:
            refused[path] = _visit(page, live.url + path, ready)
    context = browser.new_context()
    anonymous = _watched(context.new_page())
    refused["/login"] = _visit(anonymous, live.url + "/login", "input[name=login]")
    refused["/verify"] = _visit(anonymous, f"{live.url}/verify/{id_token('SQS-2026-0001', 'test-secret')}")
    context.close()
    assert {path: found for path, found in refused.items() if found} == {}


def test_the_modeler_draws_and_edits_under_the_policy(live, browse):
    page = _watched(browse("lin.designer"))
    live.deploy("work_order.bpmn")
    _visit(page, f"{live.url}/designer/processes/work_order/edit", ".djs-element[data-element-id=reply]")
    page.click(".djs-element[data-element-id=reply]")
    page.wait_for_selector(".djs-context-pad .entry")  # the context pad's icons (inline SVG, fonts)
    rename_in_modeler(page, "reply", "书面答复客户")
    screenshot(page, "08-modeler-under-csp")
    assert page.locator(".djs-element[data-element-id=reply] text").text_content() == "书面答复客户"
    icons = page.evaluate("""() => getComputedStyle(document.querySelector('.djs-palette .entry'), '::before')
                                  .fontFamily""")
    assert "bpmn" in icons
    assert page.evaluate("window.__refused") == []


def test_the_properties_panel_code_editor_simulation_and_deploy_dialog_work_under_the_policy(live, browse):
    page = _watched(browse("lin.designer"))
    _visit(page, f"{live.url}/designer/processes/new", ".djs-palette")
    modeler = Modeler(page)
    script = modeler.append("start", "append.append-task", "计算期限")
    modeler.replace(script, "replace-with-script-task")
    modeler.type_code("days = 3")  # CodeMirror's own styles and the sandbox's answer
    page.click(".bts-toggle-mode")  # token simulation: its overlays carry colours
    page.click(".bts-toggle-mode")
    page.click("#deploy")
    page.wait_for_selector("#deploy-dialog[open]")
    screenshot(page, "09-designer-panel-and-dialog-under-csp")
    page.click("#deploy-dialog button.cancel")
    page.click("#test-run")
    page.wait_for_selector("#test-run-dialog[open]")
    assert page.evaluate("window.__refused") == []


def test_the_language_switch_works_without_inline_script(live, browse):
    page = _watched(browse("zhang.min"))
    _visit(page, live.url + "/inbox/")
    with page.expect_navigation():  # choosing submits the form (app.js)
        page.select_option("select[name=locale]", "en")
    assert page.locator("nav").inner_text().startswith("Inbox")
    assert page.evaluate("window.__refused") == []


def test_no_page_can_be_framed_by_another_site(live, browser):
    context = browser.new_context()
    framing = context.new_page()
    framing.set_content(f'<iframe id="f" src="{live.url}/login"></iframe>')
    framing.wait_for_load_state("networkidle")
    assert framing.frame_locator("#f").locator("input[name=login]").count() == 0
    context.close()
