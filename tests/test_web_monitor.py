"""The managers' monitor: instance list and page, actions, element status, dashboard figures, heatmap."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies
from engine.timers.worker import TimerWorker

from .browser_support import screenshot

POLICIES = {"process_id": "complaint", "policies": [
    {"id": "handle", "name": "处理工单 within 10 h", "starts": "handle", "ends": "handle", "measures": "work_order",
     "rules": [{"target": {"amount": 10, "unit": "hours"}}]}]}
ROW = re.compile(r'<tr data-instance-id="(\d+)"')


@pytest.fixture
def monitored(web):
    """The layout-carrying complaint stand-in, its department deadline of 10 h, and the clock in March."""
    web.clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc))  # 09:00 in Shanghai
    process_id, policies = parse_policies("policies.json", json.dumps(POLICIES).encode())
    with web.sessions.begin() as session:
        save_policies(session, process_id, policies, "test", "ops", web.clock.now())
    web.engine.sla_policies.forget()
    web.deploy("monitor_complaint.bpmn")
    return web


def start(web, department: str = "network_dept", key: str | None = None, **data):
    case = {"department": department, "contact_type": "complaint", "category": "signal", "channel": "hotline"}
    return web.start("complaint", {**case, **data}, key=key)


def handle(web, view, by: str = "li.wei"):
    task = next(t for t in view.open_tasks if t.element_id == "handle")
    with web.sessions.begin() as session:
        return web.engine.instances.complete_task(session, task.id, by=by, data={"outcome": "fixed"})


def listed(page: str) -> list[int]:
    return [int(i) for i in ROW.findall(page)]


def chart_data(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S).group(1))


def test_handlers_may_not_open_the_monitor_but_see_the_cases_and_diagrams_of_their_own_tasks(monitored):
    network = start(monitored, "network_dept")
    billing = start(monitored, "billing_dept")
    handler = monitored.client("li.wei")  # network_dept
    for url in ("/instances", "/dashboard", "/dashboard/heat/1.json"):
        assert handler.get(url).status_code == 403, url
    assert handler.post(f"/instances/{network.id}/suspend").status_code == 403
    page = handler.get(f"/instances/{network.id}")  # the case, read only: no manager's actions
    assert page.status_code == 200 and 'id="actions"' not in page.get_data(as_text=True)
    assert handler.get(f"/instances/{billing.id}").status_code == 404
    assert handler.get(f"/instances/{network.id}/elements.json").status_code == 200
    assert handler.get(f"/instances/{network.id}/diagram.bpmn").status_code == 200
    assert handler.get(f"/instances/{billing.id}/elements.json").status_code == 404
    assert monitored.client().get("/instances").status_code == 302  # not signed in


def test_the_list_filters_by_process_version_state_sla_dates_and_key_and_pages_by_25(monitored):
    first_day = [start(monitored, key=f"WO-{n:03d}") for n in range(27)]
    monitored.clock.advance(timedelta(days=1))
    second_day = [start(monitored, "billing_dept", key=f"BL-{n}") for n in range(3)]
    handle(monitored, first_day[0])
    monitored.clock.advance(timedelta(hours=11))  # every open handling SLA is now breached
    late_tomorrow = start(monitored)
    manager = monitored.client("ma.manager")
    with monitored.sessions.begin() as session:
        monitored.engine.instances.suspend(session, first_day[1].id, by="ma.manager")

    page = manager.get("/instances").get_data(as_text=True)
    assert 'data-total="31"' in page and 'data-page="1" data-pages="2"' in page
    assert "<td>张敏</td>" in page and "<td>zhang.min</td>" not in page  # who started it, by name
    assert listed(page) == list(range(31, 6, -1))
    assert listed(manager.get("/instances?page=2").get_data(as_text=True)) == list(range(6, 0, -1))
    assert 'href="/instances/31"' in page
    assert listed(manager.get("/instances?state=suspended").get_data(as_text=True)) == [first_day[1].id]
    assert listed(manager.get("/instances?key=BL-1").get_data(as_text=True)) == [second_day[1].id]
    assert len(listed(manager.get("/instances?process=complaint&version=1").get_data(as_text=True))) == 25
    assert listed(manager.get("/instances?version=2").get_data(as_text=True)) == []
    assert listed(manager.get("/instances?from=2026-03-03&to=2026-03-03").get_data(as_text=True)) == [
        late_tomorrow.id, *[v.id for v in reversed(second_day)]]
    assert listed(manager.get("/instances?to=2026-03-02&state=completed").get_data(as_text=True)) == []
    on_track = manager.get("/instances?sla=on_track").get_data(as_text=True)
    assert listed(on_track) == [late_tomorrow.id]
    breached = manager.get("/instances?sla=breached&page=2").get_data(as_text=True)
    assert len(listed(breached)) == 4 and 'data-total="29"' in breached  # suspended ones keep running SLAs
    # the first instance was handled: its SLA ended, and its callback timer has no SLA
    assert listed(manager.get("/instances?sla=none").get_data(as_text=True)) == [first_day[0].id]
    paging = manager.get("/instances?sla=breached").get_data(as_text=True)
    assert 'href="/instances?page=2&amp;sla=breached"' in paging


def test_bad_filter_values_are_explained_not_a_server_error(monitored):
    manager = monitored.client("ma.manager")
    response = manager.get("/instances?version=abc&from=2026-02-30&state=gone&sla=late&page=0")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("版本必须是大于等于 1 的整数，而不是“abc”", "发起日期自必须是形如 2026-03-31 的日期，而不是“2026-02-30”",
                    "状态“gone”不是可选项之一", "时限“late”不是可选项之一", "页码必须是大于等于 1 的整数"):
        assert message in page
    reversed_range = manager.get("/instances?from=2026-03-05&to=2026-03-01")
    assert reversed_range.status_code == 400 and "结束日期早于开始日期" in reversed_range.get_data(as_text=True)
    xss = manager.get("/instances?state=<script>x</script>").get_data(as_text=True)
    assert "<script>x</script>" not in xss and "&lt;script&gt;x&lt;/script&gt;" in xss
    assert manager.get("/instances/999").status_code == 404


def test_the_instance_page_shows_facts_history_data_slas_and_tasks_with_user_text_escaped(monitored):
    view = start(monitored, key="<b>WO-1</b>", note="<script>alert('x')</script>")
    monitored.clock.advance(timedelta(hours=6))
    manager = monitored.client("ma.manager")
    before = manager.get(f"/instances/{view.id}").get_data(as_text=True)
    assert 'data-policy="handle" data-standing="on_track"' in before  # no warning sent yet
    TimerWorker(monitored.engine, monitored.sessions, name="test").run_due()  # sends it (R-SLA-10)
    page = manager.get(f"/instances/{view.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>WO-1</b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page and "&lt;b&gt;WO-1&lt;/b&gt;" in page
    data = re.search(r'<dl class="case-data" id="data">(.*?)</dl>', page, re.S).group(1)
    assert re.search(r'data-field="department">\s*<dt>[^<]+</dt>\s*<dd class="value text">network_dept</dd>', data)
    assert "{" not in data  # a table of fields, not a JSON dump
    assert f'id="diagram" class="diagram" data-instance-id="{view.id}"' in page
    assert f'data-diagram-status="/instances/{view.id}/elements.json"' in page
    assert 'data-policy="handle" data-standing="warning"' in page and "剩余 4 小时 0 分钟" in page
    assert '<tr data-element="handle">' in page and "网络部" in page  # the group's name, not its code
    history = re.search(r'<ol class="case-history" id="history">(.*?)</ol>', page, re.S).group(1)
    sentences = [re.sub(r"<[^>]+>", "", item).split() for item in re.findall(r"<li[^>]*>(.*?)</li>", history, re.S)]
    assert [" ".join(words) for words in sentences] == [  # oldest first, as sentences, no codes or JSON
        "2026-03-02 09:00 张敏 受理了案件（Complaint (monitor test stand-in, with layout)）",
        "2026-03-02 09:00 「处理工单」已交给 网络部",
        "2026-03-02 15:00 系统：「处理工单」时限已过 50%"]
    assert 'name="csrf_token"' in page and "/instances/1/suspend" in page and "/instances/1/resume" not in page


def test_a_diagram_without_layout_says_so_instead_of_an_empty_box(monitored):
    monitored.deploy("failing_script.bpmn")
    view = monitored.start("failing_script", {"amount": 1, "divisor": 1})
    page = monitored.client("ma.manager").get(f"/instances/{view.id}").get_data(as_text=True)
    assert "该流程图没有布局信息，无法显示。" in page and "data-diagram-xml" not in page


def test_managers_suspend_resume_and_terminate_and_a_wrong_state_is_a_clear_409(monitored):
    view = start(monitored)
    manager = monitored.client("ma.manager")
    url = f"/instances/{view.id}"
    response = manager.post(f"{url}/suspend")
    assert response.status_code == 302 and response.location.endswith(url)
    page = manager.get(url).get_data(as_text=True)
    assert f"实例 #{view.id}：已挂起。" in page and '<span class="state suspended">' in page
    assert f"{url}/resume" in page and f"{url}/suspend" not in page
    again = manager.post(f"{url}/suspend")
    assert again.status_code == 409
    assert f"无法挂起实例 #{view.id}：该实例当前状态为“已挂起”。 请先恢复该实例。" in again.get_data(as_text=True)
    assert manager.post(f"{url}/resume").status_code == 302
    assert "已恢复" in manager.get(url).get_data(as_text=True)
    assert manager.post(f"{url}/resume").status_code == 409
    assert manager.post(f"{url}/suspend", csrf=False).status_code == 400

    no_reason = manager.post(f"{url}/terminate", data={"reason": "  "})
    assert no_reason.status_code == 302 and "终止实例前请填写原因" in manager.get(url).get_data(as_text=True)
    assert manager.post(f"{url}/terminate", data={"reason": "客户撤诉 <i>"}).status_code == 302
    page = manager.get(url).get_data(as_text=True)
    assert '<span class="state terminated">' in page and "客户撤诉 &lt;i&gt;" in page and 'id="actions"' not in page
    late = manager.post(f"{url}/terminate", data={"reason": "again"})
    assert late.status_code == 409 and "该实例当前状态为“已终止”" in late.get_data(as_text=True)
    assert manager.post("/instances/999/suspend").status_code == 404


def test_managers_retry_an_instance_in_error_with_corrected_data(monitored):
    monitored.deploy("failing_script.bpmn")
    view = monitored.start("failing_script", {"amount": 100, "divisor": 0})
    assert view.state == "error"
    manager = monitored.client("ma.manager")
    url = f"/instances/{view.id}"
    page = manager.get(url).get_data(as_text=True)
    assert f"{url}/retry" in page and "division by zero" in page
    bad = manager.post(f"{url}/retry", data={"data": "[1, 2]"})
    assert bad.status_code == 400 and "必须是 JSON 对象" in bad.get_data(as_text=True)
    assert manager.post(f"{url}/retry", data={"data": '{"divisor": 4}'}).status_code == 302
    page = manager.get(url).get_data(as_text=True)
    assert '<span class="state active">' in page and re.search(r'data-field="share">\s*<dt>share</dt>\s*<dd class="value number">25.0</dd>', page)
    refused = manager.post(f"{url}/retry", data={"data": ""})
    assert refused.status_code == 409 and "只有出错的实例才能重试" in refused.get_data(as_text=True)
    assert refused.get_json() is None  # a page for browsers ...
    as_json = manager.post(f"{url}/retry", headers={"Accept": "application/json"})
    assert as_json.status_code == 409 and as_json.get_json()["code"] == 409  # ... JSON for scripts


def test_element_status_marks_completed_active_and_overdue_elements(monitored):
    view = start(monitored)
    client = monitored.client("ma.manager")
    status = lambda: client.get(f"/instances/{view.id}/elements.json").get_json()  # noqa: E731
    assert status() == {"completed": ["start"], "active": ["handle"], "overdue": []}
    monitored.clock.advance(timedelta(hours=10))
    assert status()["overdue"] == []  # due exactly now: not yet late
    monitored.clock.advance(timedelta(minutes=1))
    assert status() == {"completed": ["start"], "active": ["handle"], "overdue": ["handle"]}
    handle(monitored, view)
    assert status() == {"completed": ["handle", "start"], "active": ["callback_wait"], "overdue": []}
    monitored.clock.advance(timedelta(hours=2, minutes=1))
    TimerWorker(monitored.engine, monitored.sessions, name="test").run_due()
    assert status() == {"completed": ["callback_wait", "end", "handle", "start"], "active": [], "overdue": []}
    diagram = client.get(f"/instances/{view.id}/diagram.bpmn")
    assert diagram.mimetype == "application/xml" and b"BPMNShape" in diagram.data
    assert "sandbox" in diagram.headers["Content-Security-Policy"]
    assert client.get("/instances/999/elements.json").status_code == 404


def test_dashboard_figures_match_the_month_of_work_orders(monitored):
    """R-SLA-05 (及时率, average hours vs 17 h), R-MSR-02 scores, R-CLS-03 hot topics, open breaches."""
    clock = monitored.clock
    first = start(monitored, category="signal", channel="hotline")
    clock.advance(timedelta(hours=1))
    handle(monitored, first)
    second = start(monitored, category="signal", channel="app")
    clock.advance(timedelta(hours=1))
    handle(monitored, second)
    slow = start(monitored, category="coverage", channel="hotline")
    billing = start(monitored, "billing_dept", category="billing_dispute", channel="hotline")
    clock.advance(timedelta(hours=20))
    handle(monitored, billing)   # 20 h: late, and the billing average is over 17 h
    clock.advance(timedelta(hours=10))
    handle(monitored, slow)      # 30 h: late
    open_late = start(monitored, "wireless_dept", category="signal", channel="web")
    clock.advance(timedelta(hours=11))
    manager = monitored.client("ma.manager")
    response = manager.get("/dashboard")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<option value="2026-03" selected>' in page and '<option value="2026-02" >' in page
    charts = chart_data(page)
    assert charts["departments"] == {"labels": ["计费部", "网络部"], "on_time_rate": [0.0, 66.7],
                                     "average_hours": [20.0, 10.67], "limit": 17.0}
    assert charts["scores"] == {"labels": ["计费部", "网络部"], "values": [88, 93]}
    assert charts["states"]["values"] == [5, 0, 0, 0, 0]  # all five wait (handling or callback)
    categories = dict(zip(charts["categories"]["labels"], charts["categories"]["values"]))
    assert charts["categories"]["labels"][0] == "signal"  # the hottest topic first
    assert categories == {"signal": 3, "coverage": 1, "billing_dispute": 1}
    assert dict(zip(charts["channels"]["labels"], charts["channels"]["values"])) == {"hotline": 3, "掌上营业厅": 1, "web": 1}
    assert ('data-department="network_dept" data-ended="3" data-on-time="2"\n            data-rate="0.6667" '
            'data-hours="10.67"') in page
    assert '<tr data-department="billing_dept" data-late="1" data-score="88">' in page
    assert "66.7 %" in page and "超过 17 小时" in page and "暂定分数：本月于 2026-04-07 正式考核。" in page
    breaches = page[page.index('id="breaches"'):page.index('id="heatmap-card"')]
    assert f'<tr data-instance-id="{open_late.id}" data-policy="handle">' in breaches
    assert f'href="/instances/{open_late.id}"' in breaches and breaches.count("<tr data-instance-id") == 1

    february = manager.get("/dashboard?month=2026-02").get_data(as_text=True)
    assert chart_data(february)["departments"]["labels"] == [] and "本月没有办结的工单" in february
    assert "暂定分数：本月于 2026-03-07 正式考核。" in february  # today is 3 March
    assert "已于 2026-02-07 考核。" in manager.get("/dashboard?month=2026-01").get_data(as_text=True)
    bad = manager.get("/dashboard?month=2026-3")
    assert bad.status_code == 400 and "月份应形如 2026-03，而不是“2026-3”" in bad.get_data(as_text=True)
    future = manager.get("/dashboard?month=2026-04")
    assert future.status_code == 400 and "2026-04 尚未开始" in future.get_data(as_text=True)


def test_the_heatmap_counts_instances_that_passed_or_wait_at_each_element(monitored):
    views = [start(monitored) for _ in range(3)]
    handle(monitored, views[0])
    handle(monitored, views[1])
    monitored.clock.advance(timedelta(hours=2, minutes=1))
    TimerWorker(monitored.engine, monitored.sessions, name="test").run_due()
    third = start(monitored)
    handle(monitored, third)  # waits at its callback
    manager = monitored.client("ma.manager")
    heat = manager.get("/dashboard/heat/1.json").get_json()
    assert heat == {"start": {"passed": 4, "waiting": 0}, "handle": {"passed": 3, "waiting": 1},
                    "callback_wait": {"passed": 2, "waiting": 1}, "end": {"passed": 2, "waiting": 0}}
    page = manager.get("/dashboard?definition=1").get_data(as_text=True)
    assert '<tr data-element="handle" data-passed="3" data-waiting="1">' in page
    assert '<tr data-element="callback_wait" data-passed="2" data-waiting="1">' in page and "等待回访" in page
    assert 'data-diagram-heat="/dashboard/heat/1.json"' in page
    assert manager.get("/dashboard/diagram/1.bpmn").data.count(b"<bpmndi:BPMNShape ") == 4
    assert manager.get("/dashboard/heat/9.json").status_code == 404
    unknown = manager.get("/dashboard?definition=9")
    assert unknown.status_code == 400 and "没有流程版本“9”" in unknown.get_data(as_text=True)


# --- in the browser: the viewer script draws markers, heat badges and charts -----------------


def _prepare_live(live):
    live.clock.set(datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc))
    process_id, policies = parse_policies("policies.json", json.dumps(POLICIES).encode())
    with live.sessions.begin() as session:
        save_policies(session, process_id, policies, "test", "ops", live.clock.now())
    live.engine.sla_policies.forget()
    live.deploy("monitor_complaint.bpmn")


def test_in_the_browser_the_instance_diagram_marks_completed_and_overdue_elements(live, browse):
    _prepare_live(live)
    view = start(live)
    live.clock.advance(timedelta(hours=11))
    page = browse("ma.manager")
    page.goto(f"{live.url}/instances/{view.id}")
    page.wait_for_selector("#diagram[data-diagram-ready=true]")
    assert page.locator('.djs-element.completed[data-element-id="start"]').count() == 1
    assert page.locator('.djs-element.active.overdue[data-element-id="handle"]').count() == 1
    assert page.locator('.djs-element.completed[data-element-id="handle"]').count() == 0
    screenshot(page, "monitor_instance_overdue")


def test_in_the_browser_the_dashboard_draws_charts_and_the_heatmap_or_says_there_is_no_layout(live, browse):
    _prepare_live(live)
    for view in [start(live), start(live, "billing_dept")]:
        handle(live, view)
    start(live)
    live.deploy("failing_script.bpmn")
    page = browse("ma.manager")
    page.goto(f"{live.url}/dashboard?definition=1")
    page.wait_for_selector("#heatmap[data-diagram-ready=true]")
    badges = page.locator(".heat-badge").all_inner_texts()
    assert sorted(b.replace("\n", " ") for b in badges) == sorted(["3", "2 1", "0 2"])  # start, handle, callback_wait
    assert page.locator('.djs-element.heat-5[data-element-id="start"]').count() == 1
    drawn = page.evaluate("Array.from(document.querySelectorAll('canvas[data-chart]'))"
                          ".filter(c => window.Chart.getChart(c)).map(c => c.dataset.chart)")
    assert sorted(drawn) == ["categories", "channels", "departments", "scores", "states"]
    screenshot(page, "monitor_dashboard")
    page.goto(f"{live.url}/dashboard?definition=2")
    page.wait_for_selector("#heatmap[data-diagram-ready=false]")
    assert "该流程图没有布局信息，无法显示。" in page.inner_text("#heatmap")
