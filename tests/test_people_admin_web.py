"""People administration pages (/admin/...): only administrators, every change a CSRF-checked POST that is
recorded, in Chinese with groups, departments and roles by their labels."""
from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

import pytest

from engine.people.groups import Groups
from processes.demo_people import DEMO_USERS

from .people_support import REPAIR
from .test_people_disable import bearer


class _Text(HTMLParser):
    """The text a person reads on a page (no tags, attributes, scripts or styles)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style", "title")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style", "title")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def latin_words(text: str, allowed: set[str]) -> set[str]:
    """Words in Latin letters a zh-CN page shows, other than logins and mail addresses it lists."""
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_.@-]*", text))
    return {w for w in words if w not in allowed and "@" not in w} - {"sqflow", "English", "API", "LDAP"}


@pytest.mark.parametrize("login, status", [("li.wei", 403), ("ma.manager", 403), ("lin.designer", 403)])
def test_people_administration_is_for_administrators_only(web, login, status):
    for page in ("/admin/people", "/admin/people/li.wei", "/admin/groups", "/admin/people/new"):
        assert web.client(login).get(page).status_code == status
    assert web.client(login).post("/admin/people/zhang.min/disable").status_code == status
    anonymous = web.client().get("/admin/people")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    assert 'id="admin-link"' not in web.client(login).get("/").get_data(as_text=True)


def test_changes_need_the_sessions_csrf_token(web):
    admin = web.client("admin")
    refused = admin.post("/admin/people/zhang.min/disable", csrf=False)
    assert refused.status_code == 400
    refused = admin.post("/admin/groups", data={"name": "x_team", "label": "X 组", "kind": "group"}, csrf=False)
    assert refused.status_code == 400
    with web.sessions.begin() as db:
        assert web.engine.desk.directory.get(db, "zhang.min") is not None


def test_the_pages_speak_chinese_and_name_groups_and_roles_by_their_labels(web):
    admin = web.client("admin")
    logins = {login for login, *_ in DEMO_USERS}  # logins are the only Latin words the pages may show
    listing = visible_text(admin.get("/admin/people").get_data(as_text=True))
    assert "吴组长 wu.lead 网络部 网络部、班组长、无线部 处理人员、班组长 在用" in listing
    assert latin_words(listing, logins) == set()
    person = visible_text(admin.get("/admin/people/wu.lead").get_data(as_text=True))
    assert "首问责任人 客服中心" in person and "系统管理员" in person and "重置密码" in person
    assert latin_words(person, logins) == set()
    form = visible_text(admin.get("/admin/people/new").get_data(as_text=True))
    assert latin_words(form, logins) == set()
    bad = admin.post("/admin/people/new", data={"login": "有 空格", "name": "", "email": "nope", "roles": []})
    page = visible_text(bad.get_data(as_text=True))
    assert bad.status_code == 422
    assert "账号须以字母或数字开头" in page and "请填写姓名" in page and "这不是有效的邮箱地址" in page
    assert "请至少选择一个角色" in page
    taken = admin.post("/admin/people/new", data={"login": "li.wei", "name": "李伟", "roles": ["handler"]})
    assert taken.status_code == 422 and "此账号已被使用" in taken.get_data(as_text=True)


def test_changing_a_person_is_recorded_with_who_when_and_what_in_labels(web):
    admin = web.client("admin")
    changed = admin.post("/admin/people/zhao.lei", data={
        "name": "赵磊", "department": "wireless_dept", "groups": ["wireless_dept", "duty_desk"],
        "roles": ["handler", "team_lead"], "email": "zhao.lei@branch.example.cn"})
    assert changed.status_code == 302
    with web.sessions.begin() as db:
        zhao = web.engine.desk.directory.get(db, "zhao.lei")
    assert zhao.groups == {"wireless_dept", "duty_desk"} and zhao.roles == {"handler", "team_lead"}
    assert zhao.email == "zhao.lei@branch.example.cn"
    history = visible_text(admin.get("/admin/people/zhao.lei").get_data(as_text=True)).split("账号变更记录")[1]
    assert "管理员 修改账号" in history
    assert "所在组：无线部 → 值班台、无线部" in history and "角色：处理人员 → 处理人员、班组长" in history
    assert "邮箱：— → zhao.lei@branch.example.cn" in history
    again = admin.post("/admin/people/zhao.lei", data={
        "name": "赵磊", "department": "wireless_dept", "groups": ["wireless_dept", "duty_desk"],
        "roles": ["handler", "team_lead"], "email": "zhao.lei@branch.example.cn"})
    assert "没有改动" in admin.get(again.headers["Location"]).get_data(as_text=True)


def test_disabling_on_the_web_hands_tasks_back_and_stops_the_token_at_once(web):
    web.deploy("work_order.bpmn")
    view = web.start("work_order", {"description": "宽带断网", "category": "complaint"}, key="WO-7")
    task = next(t for t in view.open_tasks if t.element_id == "sign_for")
    li = web.client("li.wei")
    token = li.post("/api/v1/tokens", json={"name": "phone"}).get_json()["token"]
    assert web.client().post(f"/api/v1/tasks/{task.id}/claim", headers=bearer(token)).status_code == 200

    admin = web.client("admin")
    assert "当前持有的待办 1" in visible_text(admin.get("/admin/people/li.wei").get_data(as_text=True))
    done = admin.post("/admin/people/li.wei/disable")
    assert done.status_code == 302
    page = visible_text(admin.get(done.headers["Location"]).get_data(as_text=True))
    assert "已停用。1 个未完成的待办已退回所在组" in page and "停用账号" in page
    assert web.client().get("/api/v1/me", headers=bearer(token)).status_code == 401
    assert li.get("/inbox/").status_code == 302
    wu = web.client("wu.lead")  # team lead of network_dept: sees the task unclaimed again
    rows = {t["id"]: t for t in wu.get("/api/v1/tasks").get_json()["items"]}
    assert rows[task.id]["assignee"] is None
    assert web.client("admin").post("/admin/people/admin/disable").status_code == 302
    with web.sessions.begin() as db:
        assert web.engine.desk.directory.get(db, "admin") is not None  # nobody disables themselves


def test_groups_are_added_renamed_and_retired_on_the_web(web):
    admin = web.client("admin")
    added = admin.post("/admin/groups", data={"name": "broadband_repair", "label": "宽带维修组", "kind": "group",
                                              "department": "network_dept"})
    assert added.status_code == 302
    clash = admin.post("/admin/groups", data={"name": "broadband_repair", "label": "又一个", "kind": "group"})
    assert clash.status_code == 422 and "此代码已被使用" in clash.get_data(as_text=True)
    bad = admin.post("/admin/groups", data={"name": "宽带", "label": "", "kind": "group"})
    assert bad.status_code == 422 and "代码须以字母开头" in bad.get_data(as_text=True)
    renamed = admin.post("/admin/groups/broadband_repair", data={"label": "宽带装维组", "department": "network_dept",
                                                                 "active": "on"})
    assert renamed.status_code == 302
    assert "宽带装维组" in admin.get("/admin/groups").get_data(as_text=True)
    history = visible_text(admin.get("/admin/groups/broadband_repair").get_data(as_text=True)).split("变更记录")[1]
    assert "管理员 修改组 显示名称：宽带维修组 → 宽带装维组" in history and "管理员 新增组" in history
    retire_department = admin.post("/admin/groups/network_dept", data={"label": "网络部"})
    assert retire_department.status_code == 422  # its groups still belong to it
    assert admin.post("/admin/groups/broadband_repair", data={"label": "宽带装维组"}).status_code == 302
    with web.sessions.begin() as db:
        assert Groups().unknown(db, ["broadband_repair", "network_dept"]) == ["broadband_repair"]


def test_a_designer_deploys_a_lane_for_a_new_group_once_an_administrator_has_added_it(web):
    designer = web.client("lin.designer")
    token = designer.post("/api/v1/tokens", json={"name": "modeler"}).get_json()["token"]

    def deploy():
        files = {"files": [(io.BytesIO(REPAIR.encode()), "repair.bpmn")]}
        return web.client().post("/api/v1/definitions", data=files, content_type="multipart/form-data",
                                 headers=bearer(token))

    refused = deploy()
    assert refused.status_code == 422
    assert "the lane 'broadband_repair' names no group" in json.dumps(refused.get_json(), ensure_ascii=False)
    assert web.client("admin").post("/admin/groups", data={"name": "broadband_repair", "label": "宽带维修组",
                                                           "kind": "group"}).status_code == 302
    assert deploy().status_code == 201
