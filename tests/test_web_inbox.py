"""The handlers' inbox and task pages, as a handler sees them (Chinese, the default language), on SQLite and
PostgreSQL: visibility and order, filters and paging, claiming and handing on, forms drawn from JSON Schema,
and every way a task can slip away meanwhile.
"""
from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from engine.runtime import queries
from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies
from engine.timers.worker import TimerWorker
from tests.test_complaint_forms import GOOD_INTAKE

FORMS = sorted(Path(__file__).resolve().parents[1].joinpath("bpmn", "complaints", "forms").glob("*.schema.json"))
# the complaint and the processes it calls (intake, work order, callback and closing)
DIAGRAMS = sorted(Path(__file__).resolve().parents[1].joinpath("bpmn", "complaints").glob("complaint*.bpmn"))
# sign_for in the network department: 1 hour for outages (the diagram marks them urgent), 4 hours otherwise.
WORK_ORDER_SLA = {"process_id": "work_order", "policies": [{
    "id": "sign_for", "name": "sign for", "starts": "sign_for", "ends": "sign_for", "warnings": [0.5],
    "rules": [{"when": {"urgency": "urgent"}, "target": {"amount": 1, "unit": "hours"}},
              {"target": {"amount": 4, "unit": "hours"}}]}]}
XSS = "<script>alert(1)</script>"


@pytest.fixture
def orders(web):
    """Work orders: `orders(key, outage=False)` starts one; its first task is network_dept's sign_for."""
    web.deploy("work_order.bpmn")
    process_id, policies = parse_policies("work_order_sla.json", json.dumps(WORK_ORDER_SLA).encode())
    with web.sessions.begin() as session:
        save_policies(session, process_id, policies, "test", "ops", web.clock.now())
    web.engine.sla_policies.forget()

    def start(key: str, outage: bool = False):
        description = "total outage in the building" if outage else "slow line in the evening"
        return web.start("work_order", {"description": description, "category": "complaint"}, key=key)
    return start


@pytest.fixture
def complaints(web):
    """Complaints: `complaints(key, **intake)` starts one and records its intake, so its attributes are set."""
    web.deploy(*(f"complaints/{diagram.name}" for diagram in DIAGRAMS), "complaints/classification.dmn",
               *(f"complaints/forms/{form.name}" for form in FORMS))

    def receive(key: str, intake: bool = True, **changes):
        view = web.start("complaint", key=key, by="zhang.min")
        if intake:
            complete(web, view.open_tasks[0].id, "zhang.min", {**GOOD_INTAKE, "received_by": "zhang.min", **changes})
        return view
    return receive


def complete(web, task_id: str, by: str, data: dict | None = None):
    with web.sessions.begin() as session:
        user = web.engine.desk.directory.get(session, by)
        return web.engine.desk.complete(session, user, task_id, data or {})


def open_tasks(web, instance_id: int) -> dict:
    with web.sessions.begin() as session:
        return {t.element_id: t for t in queries.list_tasks(session, instance_id=instance_id)}


def task_of(web, task_id: str):
    with web.sessions.begin() as session:
        return web.engine.instances.task(session, task_id)


def page_of(response) -> str:
    return response.get_data(as_text=True)


def case_keys(response) -> list[str]:
    return [html.unescape(key) for key in re.findall(r'class="case-key">([^<]*)<', page_of(response))]


def as_form(data: dict) -> dict:
    """Values the way a browser sends them: yes/no radios as "true"/"false"."""
    return {name: ("true" if value else "false") if isinstance(value, bool) else value for name, value in data.items()}


def flashes(client) -> str:
    return page_of(client.get("/inbox/"))


# --- the list ------------------------------------------------------------------------------------

def test_the_inbox_lists_only_the_handlers_visible_tasks_by_due_time(web, orders):
    normal = orders("WO-1")
    web.clock.advance(timedelta(minutes=10))
    urgent = orders("WO-2", outage=True)
    web.clock.advance(timedelta(minutes=10))
    taken = orders("WO-3", outage=True)
    lead = web.client("wu.lead")
    lead.post(f"/inbox/tasks/{taken.open_tasks[0].id}/claim")

    handler = web.client("li.wei")
    response = handler.get("/inbox/")
    assert response.status_code == 200
    assert case_keys(response) == ["WO-2", "WO-1"]  # due in 1 h before due in 4 h; WO-3 is claimed by wu.lead
    page = page_of(response)
    assert "共 2 项待办" in page and "签收工单" in page and "Sign for the work order" not in page
    assert 'class="standing on_track">正常</span> <span class="small muted">剩余 50 分钟' in page  # WO-2 is due at 10:10
    assert web.client("zhang.min").get("/inbox/").get_data(as_text=True).count('class="case-key"') == 0
    # a team lead also sees the claimed tasks of the groups they lead
    assert case_keys(lead.get("/inbox/")) == ["WO-2", "WO-3", "WO-1"]
    assert case_keys(lead.get("/inbox/?scope=mine")) == ["WO-3"]
    assert case_keys(handler.get("/inbox/?scope=unclaimed")) == ["WO-2", "WO-1"]
    assert normal.id != urgent.id


def test_overdue_and_warned_tasks_are_marked_and_filtered_by_standing(web, orders):
    orders("WO-1", outage=True)
    orders("WO-2")
    web.clock.advance(timedelta(minutes=35))  # past half of the 1 h deadline: a warning
    TimerWorker(web.engine, web.sessions, name="w1").run_due()
    handler = web.client("li.wei")
    assert case_keys(handler.get("/inbox/?sla=warning")) == ["WO-1"]
    assert case_keys(handler.get("/inbox/?sla=on_track")) == ["WO-2"]
    web.clock.advance(timedelta(minutes=30))
    response = handler.get("/inbox/?sla=breached")
    assert case_keys(response) == ["WO-1"]
    assert 'class="standing breached">已超时' in page_of(response)
    assert "已超时 5 分钟" in page_of(response)  # the time left reads "overdue ..."


def test_pages_of_25_with_the_total_and_links_that_keep_the_filters(web, orders):
    for n in range(30):
        orders(f"WO-{n:02d}")
        web.clock.advance(timedelta(minutes=1))
    handler = web.client("li.wei")
    first = handler.get("/inbox/")
    assert len(case_keys(first)) == 25 and case_keys(first)[0] == "WO-00"
    assert "共 30 项待办" in page_of(first) and "第 1 页，共 2 页" in page_of(first)
    assert 'rel="next"' in page_of(first) and 'rel="prev"' not in page_of(first)
    second = handler.get("/inbox/?page=2")
    assert case_keys(second) == [f"WO-{n:02d}" for n in range(25, 30)]
    assert 'rel="prev"' in page_of(second) and 'rel="next"' not in page_of(second)
    assert case_keys(handler.get("/inbox/?page=3")) == []
    filtered = handler.get("/inbox/?process=work_order&q=WO-1")
    assert case_keys(filtered) == [f"WO-{n:02d}" for n in range(10, 20)]
    assert case_keys(handler.get("/inbox/?q=WO-07")) == ["WO-07"]
    assert case_keys(handler.get("/inbox/?process=complaint")) == []


def test_filters_by_channel_urgency_and_customer_name_or_phone(web, complaints):
    complaints("TS-1", channel="hotline_10000", urgency="一般", customer_name="张三", customer_phone="13800138000")
    complaints("TS-2", channel="app", urgency="紧急", customer_name="李四", customer_phone="13900139000")
    complaints("TS-3", channel="app", urgency="一般", customer_name="王五", customer_phone="02161234567")
    first_responder = web.client("zhang.min")
    everything = first_responder.get("/inbox/")
    assert sorted(case_keys(everything)) == ["TS-1", "TS-2", "TS-3"]
    assert "hotline_10000" in page_of(everything) and "李四" in page_of(everything)
    assert sorted(case_keys(first_responder.get("/inbox/?channel=app"))) == ["TS-2", "TS-3"]
    assert case_keys(first_responder.get("/inbox/?channel=app&urgency=紧急")) == ["TS-2"]
    assert case_keys(first_responder.get("/inbox/?q=王五")) == ["TS-3"]
    assert case_keys(first_responder.get("/inbox/?q=13800138000")) == ["TS-1"]
    assert "没有符合筛选条件的待办" in page_of(first_responder.get("/inbox/?q=nobody"))


BAD_QUERIES = [
    ("sla=late", "未知的时限状态"),
    ("page=-3", "页码必须是"),
    ("page=abc", "页码必须是"),
    ("page=0", "页码必须是"),
    ("page=99999999999999999999999", "页码必须是"),
    ("scope=everyone", "未知的范围"),
    ("q=" + "x" * 5000, "搜索内容最多 100 个字符"),
    ("channel=" + "y" * 5000, "筛选值最多"),
]


def test_bad_query_strings_get_a_clear_message_never_a_server_error(web, orders):
    orders("WO-1")
    handler = web.client("li.wei")
    for query, message in BAD_QUERIES:
        response = handler.get(f"/inbox/?{query}")
        assert response.status_code == 400, query
        assert message in page_of(response) and "显示我的全部待办" in page_of(response), query
        assert case_keys(response) == [], query
    assert case_keys(handler.get("/inbox/?q=%20%20&page=1")) == ["WO-1"]  # blank search: everything


# --- claiming and handing on ---------------------------------------------------------------------

def test_claim_and_give_back_with_a_message_each_time(web, orders):
    task = orders("WO-1").open_tasks[0]
    handler = web.client("li.wei")
    response = handler.post(f"/inbox/tasks/{task.id}/claim", data={"next": "/inbox/?scope=all"})
    assert response.status_code == 302 and response.location.endswith("/inbox/?scope=all")
    page = flashes(handler)
    assert "你已认领“签收工单”" in page and "李伟 (li.wei)" in page
    assert task_of(web, task.id).assignee == "li.wei"
    assert case_keys(handler.get("/inbox/?scope=mine")) == ["WO-1"]
    handler.post(f"/inbox/tasks/{task.id}/unclaim")
    assert "已退回" in flashes(handler)
    assert task_of(web, task.id).assignee is None
    assert case_keys(handler.get("/inbox/?scope=unclaimed")) == ["WO-1"]


def test_a_task_claimed_meanwhile_by_a_colleague_is_explained(web, orders):
    task = orders("WO-1").open_tasks[0]
    handler = web.client("li.wei")
    handler.get("/inbox/")
    web.client("wu.lead").post(f"/inbox/tasks/{task.id}/claim")
    response = handler.post(f"/inbox/tasks/{task.id}/claim")
    assert response.status_code == 302
    assert "已被 吴组长 (wu.lead) 认领" in flashes(handler)
    assert task_of(web, task.id).assignee == "wu.lead"
    handler.post(f"/inbox/tasks/{task.id}/unclaim")  # never held it: refused, not a server error
    assert task_of(web, task.id).assignee == "wu.lead"


def test_a_team_lead_reassigns_and_delegates_within_the_group_and_a_handler_may_not(web, orders):
    task = orders("WO-1").open_tasks[0]
    lead = web.client("wu.lead")
    page = page_of(lead.get("/inbox/"))
    assert 'name="to"' in page and '<option value="li.wei"' in page and '<option value="zhao.lei"' not in page
    assert 'name="to"' not in page_of(web.client("li.wei").get("/inbox/"))

    lead.post(f"/inbox/tasks/{task.id}/reassign", data={"to": "li.wei", "mode": "reassign"})
    assert "已改派给 李伟 (li.wei)" in flashes(lead)
    assert task_of(web, task.id).assignee == "li.wei"
    lead.post(f"/inbox/tasks/{task.id}/reassign", data={"to": "wu.lead", "mode": "delegate"})
    assert "已委派给 吴组长 (wu.lead)" in flashes(lead)
    with web.sessions.begin() as session:
        events = [e.event for e in queries.history(session, task.instance_id) if e.event.startswith("task.")]
    assert events[-2:] == ["task.reassigned", "task.delegated"]

    refused = web.client("li.wei").post(f"/inbox/tasks/{task.id}/reassign", data={"to": "li.wei"})
    assert refused.status_code == 403
    assert task_of(web, task.id).assignee == "wu.lead"
    lead.post(f"/inbox/tasks/{task.id}/reassign", data={"to": "zhao.lei"})  # not in network_dept
    assert "zhao.lei" in flashes(lead) and task_of(web, task.id).assignee == "wu.lead"


# --- the task page -------------------------------------------------------------------------------

def test_another_groups_task_is_forbidden_to_open_and_to_complete(web, complaints):
    view = complaints("TS-1", intake=False)
    task = view.open_tasks[0]
    outsider = web.client("li.wei")
    assert outsider.get(f"/inbox/tasks/{task.id}").status_code == 403
    response = outsider.post(f"/inbox/tasks/{task.id}", data=as_form(GOOD_INTAKE))
    assert response.status_code == 403
    assert "customer_name" not in page_of(response)
    assert outsider.post(f"/inbox/tasks/{task.id}/claim").status_code == 403
    after = task_of(web, task.id)
    assert after.state == "open" and after.assignee is None
    assert list(open_tasks(web, view.id)) == ["intake"]


def test_the_intake_form_is_drawn_from_its_schema_and_completes_through_the_page(web, complaints):
    view = complaints("TS-1", intake=False)
    task = view.open_tasks[0]
    first_responder = web.client("zhang.min")
    page = page_of(first_responder.get(f"/inbox/tasks/{task.id}"))
    assert "首问受理" in page and "Record the contact" not in page and "TS-1" in page
    assert '<select id="field-channel" name="channel" required>' in page
    assert '<option value="hotline_10000" >10000 热线</option>' in page
    assert 'type="radio" name="key_customer" value="true"' in page
    assert 'id="field-customer_name" type="text"' in page
    assert 'id="diagram" class="diagram" data-instance-id="%d"' % view.id in page
    assert "工单历史" in page and "张敏 受理了案件" in page

    response = first_responder.post(f"/inbox/tasks/{task.id}", data=as_form({**GOOD_INTAKE, "received_by": "zhang.min"}))
    assert response.status_code == 302
    following = open_tasks(web, view.id)["on_the_spot"]
    assert response.location.endswith(f"/inbox/tasks/{following.id}")  # the next step of the case opens directly
    next_page = page_of(first_responder.get(response.location))
    assert "“首问受理”已完成" in next_page and "现场处理" in next_page
    with web.sessions.begin() as session:
        data = web.engine.instances.workflow_data(session, view.id)
    assert data["customer_name"] == "张三" and data["dissatisfied"] is True and data["key_customer"] is False
    assert task_of(web, task.id).completed_by == "zhang.min"  # completing an unclaimed task claims it


def test_invalid_input_comes_back_with_422_errors_by_field_and_everything_typed_kept(web, complaints):
    view = complaints("TS-1", intake=False)
    task = view.open_tasks[0]
    typed = as_form({**GOOD_INTAKE, "customer_phone": "12345", "description": "短", "customer_name": "赵六"})
    del typed["received_by"], typed["vip_customer"]
    response = web.client("zhang.min").post(f"/inbox/tasks/{task.id}", data=typed)
    assert response.status_code == 422
    page = page_of(response)
    assert "请修改标出的字段" in page
    assert re.search(r'id="field-customer_phone-error"[^>]*>格式不正确', page)
    assert re.search(r'id="field-description-error"[^>]*>请至少输入 5 个字符', page)
    assert 'name="received_by"' not in page  # the first responder is who records the case, not a typed value
    assert re.search(r'id="field-vip_customer-error"[^>]*>此项必填', page)
    assert 'name="customer_name" value="赵六"' in page and 'name="customer_phone" value="12345"' in page
    assert '<option value="hotline_10000" selected>' in page
    assert 'name="dissatisfied" value="true" checked' in page
    assert not re.search(r'name="vip_customer" value="\w+" checked', page)  # left unanswered stays unanswered
    assert task_of(web, task.id).state == "open"


def test_a_number_that_is_not_a_number_is_refused_by_field(web, complaints):
    view = complaints("TS-1", intake=False)
    task = view.open_tasks[0]
    typed = as_form({**GOOD_INTAKE, "channel": "carrier_pigeon", "key_customer": "maybe"})
    response = web.client("zhang.min").post(f"/inbox/tasks/{task.id}", data=typed)
    assert response.status_code == 422
    page = page_of(response)
    assert re.search(r'id="field-channel-error"[^>]*>请选择列出的选项之一', page)
    assert re.search(r'id="field-key_customer-error"[^>]*>请选择“是”或“否”', page)


def test_completing_twice_or_after_a_colleague_says_who_completed_it(web, orders):
    view = orders("WO-1")
    sign_for = view.open_tasks[0]
    handler = web.client("li.wei")
    response = handler.post(f"/inbox/tasks/{sign_for.id}")
    reply = open_tasks(web, view.id)["reply"]
    assert response.status_code == 302 and response.location.endswith(f"/inbox/tasks/{reply.id}")
    assert reply.assignee == "li.wei"  # who signed for a work order answers it

    again = handler.post(f"/inbox/tasks/{sign_for.id}")
    assert again.status_code == 302 and again.location.endswith(f"/inbox/tasks/{sign_for.id}")
    page = page_of(handler.get(again.location))
    assert "“签收工单”已由 李伟 (li.wei) 完成" in page
    assert 'action="/inbox/tasks/%s"' % sign_for.id not in page  # no form to submit again

    with web.sessions.begin() as session:  # the team lead takes the reply over and is quicker
        lead = web.engine.desk.directory.get(session, "wu.lead")
        web.engine.desk.reassign(session, lead, reply.id, "wu.lead")
    complete(web, reply.id, "wu.lead", {"answer": "fixed"})
    late = handler.post(f"/inbox/tasks/{reply.id}")
    assert late.status_code == 302
    assert "已由 吴组长 (wu.lead) 完成" in page_of(handler.get(late.location))


def test_with_no_next_task_for_this_person_completing_returns_to_the_inbox(web, complaints):
    view = complaints("TS-1")
    complete(web, open_tasks(web, view.id)["on_the_spot"].id, "zhang.min", {"resolved": False})
    dispatch = open_tasks(web, view.id)["dispatch"]
    first_responder = web.client("zhang.min")
    page = page_of(first_responder.get(f"/inbox/tasks/{dispatch.id}"))
    assert '<option value="network_dept" >network_dept</option>' in page
    response = first_responder.post(f"/inbox/tasks/{dispatch.id}", data={"department": "network_dept"})
    assert response.status_code == 302 and response.location.endswith("/inbox/")
    assert "“派发工单”已完成" in flashes(first_responder)
    assert open_tasks(web, view.id)["sign_for"].candidate_group == "network_dept"


def test_a_task_claimed_by_a_colleague_shows_no_form_and_cannot_be_completed(web, orders):
    task = orders("WO-1").open_tasks[0]
    web.client("wu.lead").post(f"/inbox/tasks/{task.id}/claim")
    handler = web.client("li.wei")
    page = page_of(handler.get(f"/inbox/tasks/{task.id}"))
    assert "已被 吴组长 (wu.lead) 认领" in page and "完成任务</button>" not in page
    response = handler.post(f"/inbox/tasks/{task.id}")
    assert response.status_code == 302
    assert task_of(web, task.id).state == "open"


def test_markup_in_case_data_is_shown_as_text_never_run(web, orders, complaints):
    orders(XSS)
    complaints("TS-1", customer_name=XSS)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    inbox = page_of(web.client("li.wei").get("/inbox/"))
    assert escaped in inbox and XSS not in inbox
    first_responder = web.client("zhang.min")
    inbox = page_of(first_responder.get("/inbox/"))
    assert escaped in inbox and XSS not in inbox
    task_id = re.search(r'href="/inbox/tasks/([0-9a-f-]+)"', inbox).group(1)
    page = page_of(first_responder.get(f"/inbox/tasks/{task_id}"))
    assert escaped in page and XSS not in page
    orders_page = page_of(web.client("li.wei").get("/inbox/tasks/" + re.search(
        r'href="/inbox/tasks/([0-9a-f-]+)"', page_of(web.client("li.wei").get("/inbox/"))).group(1)))
    assert escaped in orders_page and XSS not in orders_page


def test_the_inbox_speaks_english_when_chosen(web, orders):
    orders("WO-1")
    handler = web.client("li.wei")
    handler.post("/locale", data={"locale": "en", "next": "/inbox/"})
    page = page_of(handler.get("/inbox/"))
    assert "My tasks" in page and "1 open tasks" in page and "Claim" in page and "我的待办" not in page
