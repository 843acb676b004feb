"""The first responder's and the team lead's journeys in a real browser: recording a phone complaint and
finding it in My cases, closing it from My cases after the department's reply, reassigning a breached
task, and the pages on a phone (390 px). Screenshots of each step in tests/screenshots/ (cases-*).
"""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from engine.reads import list_instances
from engine.timers.worker import TimerWorker
from processes.demo_people import DEMO_PASSWORD

from .browser_support import screenshot
from .test_browser import _deploy_complaints
from .test_case_card_browser import _load_policies
from .test_complaint_forms import GOOD_INTAKE

PHONE = "13912345678"
SAID = "家里宽带每天晚上八点以后频繁掉线，已经持续一周，影响孩子上网课"
ANSWER = "经上门检测为分光器故障，已更换，宽带恢复正常"
# What a zh-CN page must not show in its main part: English words, codes, requirement ids. Complaint
# numbers (TS-2026-0001) and logins in brackets are the people's own identifiers.
ENGLISH = re.compile(r"R-[A-Z]{2,4}-\d+|[A-Za-z_]{3,}")
IDENTIFIERS = re.compile(r"TS-\d{4}-\d{4}|\([a-z.]+\)")


def english_in(page) -> list[str]:
    return ENGLISH.findall(IDENTIFIERS.sub("", page.locator("main").inner_text()))


def _dispatched(live, key: str, *, by: str = "zhang.min", department: str = "network_dept"):
    """A hotline complaint its first responder recorded and dispatched: its sign-for waits in `department`."""
    with live.sessions.begin() as db:
        user = live.engine.directory.get(db, by)
        view = live.engine.desk.start(db, user, "complaint", business_key=key)
        intake = {**GOOD_INTAKE, "customer_phone": PHONE, "description": SAID, "category": "service"}
        for element, data in (("intake", intake), ("on_the_spot", {"resolved": False}),
                              ("dispatch", {"department": department})):
            task = next(t for t in view.open_tasks if t.element_id == element)
            view = live.engine.desk.complete(db, user, task.id, data)
    return view


def _complete(live, view, element: str, login: str, data: dict):
    with live.sessions.begin() as db:
        user = live.engine.directory.get(db, login)
        task = next(t for t in view.open_tasks if t.element_id == element)
        return live.engine.desk.complete(db, user, task.id, data)


def test_a_first_responder_records_a_phone_complaint_and_finds_it_in_my_cases(live, browse):
    """R-FR-01, R-FR-03: the first responder records the call in the web app and owns the case from then on;
    the hotline form needs only a handful of fields by hand, and what was typed survives a reload."""
    _deploy_complaints(live)
    _load_policies(live)
    page = browse("zhang.min")
    page.click("#inbox-new-case")  # from her home, the inbox
    expect(page.locator("h1")).to_have_text("新建受理")
    screenshot(page, "cases-01-choose-the-channel")
    page.click("#channel-hotline")
    form = page.locator("#intake-form")
    expect(form.locator("details.more")).not_to_have_attribute("open", "")  # the rare questions stay folded
    by_hand = form.locator("[required]:visible").evaluate_all("els => els.map(e => e.name)")
    assert by_hand == ["customer_phone", "customer_name", "category", "description"]
    page.fill("[name=customer_phone]", PHONE)
    expect(page.locator("#callers-none")).to_contain_text("没有在办或近期的投诉")  # a new caller
    page.fill("[name=customer_name]", "李娜")
    page.select_option("[name=category]", "network")
    page.fill("[name=description]", SAID)
    page.wait_for_timeout(500)  # the draft is written a moment after the typing stops
    page.reload()  # the caller is still on the line: nothing typed is lost
    expect(page.locator("#draft-status")).to_be_visible()
    expect(page.locator("[name=description]")).to_have_value(SAID)
    expect(page.locator("[name=customer_name]")).to_have_value("李娜")
    screenshot(page, "cases-02-hotline-form-restored-after-reload")
    assert english_in(page) == []
    page.click("#take-in")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".flash")).to_contain_text("已登记")
    key = re.search(r"TS-\d{4}-\d{4}", page.locator(".flash").inner_text()).group(0)
    screenshot(page, "cases-03-recorded-next-step-opens")
    assert page.evaluate("key => localStorage.getItem(key)", "sqflow:intake:zhang.min:hotline") is None

    page.click("#nav-my-cases")
    card = page.locator(f"article.case[data-case-key='{key}']")
    expect(card).to_contain_text("李娜")
    expect(card).to_contain_text(SAID)
    expect(card.locator(".stage")).to_have_text("现场处理")
    expect(card.locator(".holder")).to_contain_text("张敏")
    expect(card.locator(".deadline").first).to_contain_text("到期")
    expect(card.locator(".answer")).to_contain_text("尚未答复")
    screenshot(page, "cases-04-my-cases")
    assert english_in(page) == []
    page.goto(f"{live.url}/cases/new/hotline")  # the draft was dropped once the contact was recorded
    expect(page.locator("[name=description]")).to_have_value("")
    expect(page.locator("#draft-status")).to_be_hidden()


def test_a_repeated_call_about_an_open_case_reminds_it_instead_of_a_new_ticket(live, browse):
    """R-CMP-06: another first responder types the caller's number, sees the open case first and reminds
    it in one click; no second ticket is opened, and she tells the caller the progress."""
    _deploy_complaints(live)
    case = _dispatched(live, "TS-2026-0501")
    page = browse("wang.fang")
    page.goto(f"{live.url}/cases/new/hotline")
    page.fill("[name=customer_phone]", PHONE)
    found = page.locator(f".caller-case[data-case-key='{case.business_key}']")
    expect(found).to_contain_text("处理中")
    expect(found).to_contain_text("签收工单")
    expect(found).not_to_contain_text("张三")  # not her case: what identifies the ticket, not the customer
    screenshot(page, "cases-05-caller-has-an-open-case")
    found.locator("button").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".flash")).to_contain_text("未新建工单")
    with live.sessions.begin() as db:
        detail = live.engine.instances.detail(db, case.id)
        complaints = list_instances(db, process_id="complaint")
    reminder = [t for t in detail.open_tasks if t.element_id == "tell_progress"]
    assert [t.assignee for t in reminder] == ["wang.fang"]
    assert page.url.endswith(f"/inbox/tasks/{reminder[0].id}")
    screenshot(page, "cases-05b-tell-the-caller-the-progress")
    assert [c.id for c in complaints] == [case.id]


def test_after_the_departments_reply_the_first_responder_closes_it_from_my_cases(live, browse):
    """R-FR-03, R-CLS-01: told of the answer, the first responder calls the customer back from My cases and
    the case closes."""
    _deploy_complaints(live)
    _load_policies(live)
    view = _dispatched(live, "TS-2026-0601")
    view = _complete(live, view, "sign_for", "li.wei", {})
    view = _complete(live, view, "reply", "li.wei", {"answer": ANSWER})
    page = browse("zhang.min")
    page.click("#notifications-link")  # she is told: the callback is hers now
    expect(page.locator("main")).to_contain_text("回访")
    page.click("#nav-my-cases")
    card = page.locator("article.case[data-case-key='TS-2026-0601']")
    expect(card.locator(".answer")).to_contain_text(ANSWER)
    expect(card.locator(".answer")).to_contain_text("李伟")
    expect(card.locator(".stage")).to_have_text("回访")
    screenshot(page, "cases-06-answered-case-in-my-cases")
    card.locator(".case-action a").click()
    page.wait_for_load_state("networkidle")
    page.check("input[name=reached][value=true]")
    page.check("input[name=satisfied][value=true]")
    screenshot(page, "cases-07-callback-from-my-cases")
    page.click("form[action*='/inbox/tasks/'] button.primary")
    page.wait_for_load_state("networkidle")
    page.click("#nav-my-cases")
    expect(page.locator("article.case[data-case-key='TS-2026-0601']")).to_have_count(0)
    page.click("nav.tabs a:has-text('已结案')")
    closed = page.locator("article.case[data-case-key='TS-2026-0601']")
    expect(closed).to_contain_text(ANSWER)
    screenshot(page, "cases-08-closed-case")
    with live.sessions.begin() as db:
        assert live.engine.instances.detail(db, view.id).state == "completed"


def test_a_team_lead_reassigns_a_breached_task(live, browse):
    """R-SLA-09: a work order not signed for within 2 hours is overdue; the team lead sees it with who holds
    it and the chase it opened, and hands it to a colleague in one step; their department's dashboard is
    theirs to see."""
    _deploy_complaints(live)
    _load_policies(live)
    sign_for = next(t for t in _dispatched(live, "TS-2026-0701").open_tasks if t.element_id == "sign_for")
    with live.sessions.begin() as db:
        live.engine.directory.save(db, "qin.hai", name="秦海", password=DEMO_PASSWORD, roles=("handler",),
                                   groups=("network_dept",), now=live.clock.now(), department="network_dept")
        live.engine.desk.claim(db, live.engine.directory.get(db, "li.wei"), sign_for.id)
    live.clock.advance(timedelta(hours=3))
    TimerWorker(live.engine, live.sessions, name="test").run_due()
    page = browse("wu.lead")
    page.click("#nav-team")
    row = page.locator("table.late tr[data-case-key='TS-2026-0701']")
    expect(row.locator(".standing")).to_have_text("已超时")
    expect(row.locator(".holder")).to_contain_text("李伟")
    chase = page.locator("table.chases tr").filter(has_text="TS-2026-0701")
    expect(chase.locator(".late-task")).to_contain_text("签收工单")
    expect(chase.locator(".holder")).to_contain_text("李伟")
    screenshot(page, "cases-09-team-lead-sees-the-breach")
    assert english_in(page) == []
    row.locator("select[name=to]").select_option("qin.hai")
    row.locator("button[value=reassign]").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator(".flash")).to_contain_text("改派")
    expect(page.locator("table.late tr[data-case-key='TS-2026-0701'] .holder")).to_contain_text("秦海")
    screenshot(page, "cases-10-reassigned")
    page.click("a:has-text('看板')")
    expect(page.locator("h1")).to_contain_text("网络部")
    expect(page.locator("#breaches")).to_contain_text("网络部")
    screenshot(page, "cases-11-team-leads-dashboard")


def test_the_inbox_and_the_task_page_fit_a_phone(live, browser):
    """At 390 px nothing scrolls sideways: the inbox rows are cards, the navigation wraps into rows."""
    _deploy_complaints(live)
    _load_policies(live)
    for number in range(3):
        _dispatched(live, f"TS-2026-080{number}", department="network_dept")
        live.clock.advance(timedelta(hours=1))
    TimerWorker(live.engine, live.sessions, name="test").run_due()  # late and nearly late sign-fors
    pages = {"li.wei": ["/inbox/"], "zhang.min": ["/inbox/", "/cases/", "/cases/new", "/cases/new/hotline"],
             "wu.lead": ["/cases/team", "/dashboard"]}
    for login, paths in pages.items():
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        page = context.new_page()
        page.goto(live.url + "/login")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        if login == "li.wei":
            page.locator("table.inbox a.task-name").first.click()
            page.wait_for_load_state("networkidle")
            paths = paths + [page.url.removeprefix(live.url)]
        for path in paths:
            page.goto(live.url + path)
            page.wait_for_load_state("networkidle")
            name = re.sub(r"[^a-z]+", "-", path.split("/tasks/")[0] + ("-task" if "/tasks/" in path else "")).strip("-")
            screenshot(page, f"cases-phone-{login.split('.')[0]}-{name or 'home'}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} as {login} is {width} px wide"
        context.close()
