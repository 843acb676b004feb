"""People administration in a real browser: an administrator adds a group and a person in it from the
web; the person signs in, must first replace the initial password, finds the group's task in the inbox
and claims it. Screenshots of each step go to tests/screenshots/people-*.png."""
from __future__ import annotations

from playwright.sync_api import expect

from engine import SourceFile

from .browser_support import screenshot
from .people_support import REPAIR



def test_an_admin_adds_a_group_and_a_person_who_signs_in_and_claims_the_groups_task(live, browse, browser):
    admin = browse("admin")
    admin.click("#admin-link")
    expect(admin.locator("h1")).to_have_text("人员")
    screenshot(admin, "people-01-people-list")

    admin.click("a[href$='/admin/groups']")
    admin.fill("#group-form input[name=label]", "宽带维修组")
    admin.fill("#group-form input[name=name]", "broadband_repair")
    admin.select_option("#group-form select[name=department]", label="网络部")
    admin.click("#group-form button[type=submit]")
    expect(admin.locator(".flash")).to_contain_text("已添加“宽带维修组”")
    expect(admin.locator("#groups tr", has_text="宽带维修组")).to_contain_text("网络部")
    screenshot(admin, "people-02-group-added")

    with live.sessions.begin() as session:  # a designer deploys a diagram whose lane is the new group
        live.engine.definitions.deploy(session, [SourceFile("home_repair.bpmn", REPAIR.encode())], "lin.designer")
    live.start("home_repair", key="WX-2026-0001", by="zhang.min")

    admin.click("a[href$='/admin/people']")
    admin.click("#add-person")
    admin.fill("input[name=login]", "zhou.ba")
    admin.fill("input[name=name]", "周八")
    admin.select_option("select[name=department]", label="网络部")
    admin.locator("label.choice", has_text="宽带维修组").locator("input").check()
    admin.fill("input[name=email]", "zhou.ba@branch.example.cn")
    screenshot(admin, "people-03-add-person-form")
    admin.click("#person-form button[type=submit]")
    temporary = admin.locator("#temporary-password").inner_text().strip()
    assert len(temporary) == 12
    expect(admin.locator("h1")).to_contain_text("周八")
    screenshot(admin, "people-04-person-added-with-temporary-password")

    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    try:
        person = context.new_page()
        person.goto(live.url + "/login")
        person.fill("input[name=login]", "zhou.ba")
        person.fill("input[name=password]", temporary)
        person.click("button[type=submit]")
        expect(person.locator("h1")).to_have_text("修改密码")
        screenshot(person, "people-05-forced-password-change")
        person.goto(live.url + "/inbox/")  # nothing else before the new password
        expect(person.locator("h1")).to_have_text("修改密码")
        person.fill("input[name=current]", temporary)
        person.fill("input[name=new]", "zhou-ba-2026")
        person.fill("input[name=again]", "zhou-ba-2026")
        person.click("form[action^='/password'] button[type=submit]")

        row = person.locator("tr", has_text="WX-2026-0001")
        expect(row).to_contain_text("上门检修宽带")
        expect(person.locator(".flash")).to_contain_text("密码已修改")
        screenshot(person, "people-06-inbox-with-the-groups-task")
        row.locator("a[href*='/inbox/tasks/']").first.click()
        person.locator("form[action$='/claim'] button").click()
        person.wait_for_load_state("networkidle")
        screenshot(person, "people-07-task-claimed")
    finally:
        context.close()

    with live.sessions.begin() as session:
        zhou = live.engine.desk.directory.get(session, "zhou.ba")
        held = live.engine.desk.inbox(session, zhou)
    assert zhou.department == "network_dept" and zhou.groups == {"broadband_repair"} and not zhou.must_change_password
    assert [(row.task.element_id, row.task.assignee) for row in held] == [("visit", "zhou.ba")]

    admin.goto(f"{live.url}/admin/people/zhou.ba")
    history = admin.locator("#history")
    expect(history).to_contain_text("新增账号")
    expect(history).to_contain_text("本人修改密码")
    expect(history).to_contain_text("管理员")
    screenshot(admin, "people-08-changes-to-the-account")
