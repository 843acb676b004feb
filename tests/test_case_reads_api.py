"""The case card and the history sentences through the API: `GET /tasks/<id>` and `GET /instances/<id>` answer
what the task pages show (engine.reads), worded in the caller's language, masked for supervisors."""
from __future__ import annotations

from datetime import timedelta

import pytest

from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies
from engine.timers.worker import TimerWorker
from tests.test_access_rules import office, take_complaint  # noqa: F401  (the office fixture)
from tests.test_api_work import Api
from tests.test_complaint_forms import GOOD_INTAKE
from tests.test_complaint_process import COMPLAINTS

SPOT_NOTE = "已向客户解释信号覆盖情况，客户不接受"
INSTRUCTIONS = "请上门测试客厅与卧室信号"


@pytest.fixture
def dispatched(office):
    """A phone complaint recorded and dispatched to the network department through the API."""
    with office.sessions.begin() as session:
        process_id, policies = parse_policies("sla", (COMPLAINTS / "sla_policies.json").read_bytes())
        save_policies(session, process_id, policies, "defaults", "ops", office.clock.now())
    office.engine.sla_policies.forget()
    case = take_complaint(office, "TS-2026-0777")
    front = Api(office, "zhang.min")
    for element, data in (("on_the_spot", {"resolved": False, "resolution": SPOT_NOTE}),
                          ("dispatch", {"department": "network_dept", "instructions": INSTRUCTIONS})):
        [task] = [t for t in case["open_tasks"] if t["element_id"] == element]
        answer = front.post(f"/tasks/{task['id']}/complete", {"data": data})
        assert answer.status_code == 200, answer.get_json()
        case = answer.get_json()["instance"]
    return case


def fields_of(card: dict, element_id: str) -> dict:
    [section] = [s for s in card["sections"] if s["element_id"] == element_id]
    return {field["name"]: field for field in section["fields"]}


def test_the_sign_for_task_answers_the_case_card_what_the_customer_said_and_the_instructions(office, dispatched):
    [sign_for] = [t for t in dispatched["open_tasks"] if t["element_id"] == "sign_for"]
    detail = Api(office, "li.wei").get(f"/tasks/{sign_for['id']}")
    assert detail.status_code == 200
    card = detail.get_json()["card"]
    assert card["business_key"] == "TS-2026-0777" and card["started_by_name"] == "张敏"
    intake = fields_of(card, "intake")
    assert intake["description"]["value"] == GOOD_INTAKE["description"] and intake["description"]["kind"] == "text"
    assert list(intake)[0] == "description"  # the form declares the order: what the customer said first
    assert fields_of(card, "dispatch")["instructions"]["value"] == INSTRUCTIONS
    assert fields_of(card, "dispatch")["department"]["text"] == "网络部"  # a department reads as its name
    spot = fields_of(card, "on_the_spot")
    assert spot["resolution"]["value"] == SPOT_NOTE and (spot["resolved"]["kind"], spot["resolved"]["text"]) == (
        "yes_no", "否")
    assert "key_customer" not in intake  # the intake's 23 yes/no questions are not on the card
    [holder] = card["holders"]
    assert (holder["element_id"], holder["group_name"], holder["assignee"]) == ("sign_for", "网络部", None)
    deadlines = {d["policy_id"]: d for d in card["deadlines"]}
    assert {"answer", "sign_for", "reply"} <= set(deadlines) and deadlines["sign_for"]["standing"] == "on_track"
    assert deadlines["sign_for"]["due_at"].startswith("2026-01-05T03:00")  # 2 hours after dispatch (R-SLA-03)

    timeline = detail.get_json()["timeline"]
    assert [line["message"] for line in timeline] == [
        "case.started", "task.completed", "task.completed", "task.completed", "task.created"]
    assert timeline[1]["params"]["actor"] == "张敏" and timeline[1]["actor"] == "zhang.min"
    assert timeline[1]["text"].startswith("张敏 完成了「首问受理")
    assert timeline[-1]["text"].endswith("已交给 网络部") and timeline[-1]["actor"] is None
    assert [c["name"] for c in timeline[3]["changes"]] == ["department", "instructions"]


def test_the_instance_answers_its_history_as_one_sentence_per_thing_that_happened(office, dispatched):
    office.clock.advance(timedelta(hours=3))  # the 2 hours to sign for pass unnoticed
    TimerWorker(office.engine, office.sessions, name="test").run_due()
    body = Api(office, "ma.manager").get(f"/instances/{dispatched['id']}").get_json()
    timeline = body["timeline"]
    messages = [line["message"] for line in timeline]
    assert len(body["history"]) > 3 * len(timeline)  # the audit entries stay in `history`
    assert not {"element.completed", "sla.started", "sla.warning", "signal.received"} & set(messages)
    [missed] = [line for line in timeline if line["message"].startswith("sla.")]
    assert missed["message"] == "sla.breached_escalated" and missed["params"]["to"] == "班组长"
    assert missed["text"].startswith("系统：「") and missed["text"].endswith("已超时，已通知班组长")
    open_now = [line["params"]["task"] for line in timeline if line["message"] == "task.created"]
    assert len(open_now) == 2 and any("督办签收" in name for name in open_now)  # sign-for and its chase
    assert all("sign_for" not in line["text"] and "{" not in line["text"] for line in timeline)
    assert body["card"]["sections"] and {"answer", "sign_for"} <= {d["policy_id"] for d in body["card"]["deadlines"]}

    with office.sessions.begin() as session:
        office.engine.desk.directory.set_locale(session, "ma.manager", "en")
    english = Api(office, "ma.manager").get(f"/instances/{dispatched['id']}").get_json()["timeline"]
    assert english[0]["text"] == "张敏 opened the case (Complaint handling)"  # the name's English half
    [missed] = [line for line in english if line["message"] == "sla.breached_escalated"]
    assert missed["text"].startswith("System: the deadline “") and missed["text"].endswith("; 班组长 was told")


def test_a_supervisor_reads_the_card_and_history_without_the_customers_identity(office):
    """R-SUP-09: the card's and the history's customer fields are masked for supervisors, and a person
    who is the customer (the supervisor reporting) is not named."""
    supervisor = office.client("qian.jiandu")
    filed = supervisor.post("/supervisors/reports", data={
        "kind": "in_person", "visited_at": "2026-01-04T15:30", "place": "人民路营业厅", "category": "service",
        "service_failure": "yes", "finding": "营业厅排队一小时无人引导，工作人员态度冷淡"})
    assert filed.status_code in (200, 302)
    [case] = Api(office, "ma.manager").get("/instances?process_id=complaint").get_json()["items"]
    seen = Api(office, "qian.jiandu").get(f"/instances/{case['id']}").get_json()
    intake = fields_of(seen["card"], "intake")
    assert intake["customer_phone"]["value"] == "***" and intake["customer_phone"]["kind"] == "masked"
    assert "营业厅排队一小时" in intake["description"]["value"]  # what was found stays readable
    assert seen["card"]["started_by_name"] == "***" and seen["timeline"][0]["params"]["actor"] == "***"
    liaison = Api(office, "he.liaison").get(f"/instances/{case['id']}").get_json()
    assert fields_of(liaison["card"], "intake")["customer_phone"]["value"] == "13800138001"
    assert liaison["card"]["started_by_name"] == "钱监督"
