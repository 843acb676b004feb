"""Complaint rules as a person notices them, through the HTTP API of a served app on a controlled clock:
the complaint process deployed with `sqflow deploy` alone (its SLA policies ship beside the diagram),
cases started and worked through the API, time moved by an administrator, what people see read back.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from .served_app import REPO, ServedApp
from .test_complaint_forms import GOOD_INTAKE
from .web_harness import WebHarness

LOGINS = ("admin", "zhang.min", "ma.manager", "li.wei")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def deploy_with_the_cli(harness: WebHarness) -> None:
    """`sqflow deploy bpmn/complaints` and nothing else: no `sqflow sla load`."""
    done = subprocess.run([sys.executable, "-m", "cli.main", "deploy", "bpmn/complaints", "--as", "lin.designer"],
                          cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "SQFLOW_DATABASE_URL": harness.settings.database_url,
                               "SQFLOW_VAR_DIR": str(harness.settings.var_dir)})
    assert done.returncode == 0, done.stderr


@pytest.fixture
def app(tmp_path):
    with ServedApp(tmp_path, logins=LOGINS, controlled_clock=True, prepare=deploy_with_the_cli) as served:
        yield served


def start(app: ServedApp, key: str, **intake: Any) -> dict:
    code, case = app.call("zhang.min", "POST", "/instances", {"process_id": "complaint", "business_key": key},
                          key=f"start-{key}")
    assert code == 201, case
    return do(app, case, "intake", {**GOOD_INTAKE, **intake})


def do(app: ServedApp, case: dict, element: str, data: dict, login: str = "zhang.min") -> dict:
    [task] = [t for t in case["open_tasks"] if t["element_id"] == element]
    code, answer = app.call(login, "POST", f"/tasks/{task['id']}/complete", {"data": data})
    assert code == 200, answer
    return app.call(login, "GET", f"/instances/{case['id']}")[1]


def move_to(app: ServedApp, moment: datetime) -> None:
    code, clock = app.call("admin", "POST", "/clock", {"set": moment.isoformat()})
    assert code == 200, clock


def sla(case: dict, policy: str) -> dict:
    [found] = [s for s in case["slas"] if s["policy_id"] == policy]
    return found


def test_R_SLA_02_a_complaint_is_appealable_the_moment_15_working_days_pass_and_the_customer_is_told(app):
    """R-SLA-02 (with R-SLA-01): no answer within 15 working days makes the complaint appealable at once,
    before the customer service manager has looked at it, and the customer gets an SMS naming the
    appeal centre's number 12300; deployed by `sqflow deploy` alone, the deadline is there."""
    case = start(app, "TS-2026-1201")
    case = do(app, case, "on_the_spot", {"resolved": False})
    case = do(app, case, "dispatch", {"department": "network_dept", "instructions": "查线路"})
    answer = sla(case, "answer")
    assert answer["standing"] == "on_track" and case["data"]["appealable"] is False
    assert app.call("ma.manager", "GET", f"/instances/{case['id']}/customer-messages")[1]["items"] == []

    move_to(app, datetime.fromisoformat(answer["due_at"]) + timedelta(minutes=1))
    late = app.wait_until(lambda: (c := app.call("ma.manager", "GET", f"/instances/{case['id']}")[1])
                          ["data"].get("appealable") and c, 60)
    assert late, "the case did not become appealable"
    assert late["attributes"]["appealable"] is True
    review = [t for t in late["open_tasks"] if t["element_id"] == "cs_manager_review"]
    assert review and review[0]["state"] == "open"  # appealable before the manager's review is done
    [message] = app.call("ma.manager", "GET", f"/instances/{case['id']}/customer-messages")[1]["items"]
    assert (message["channel"], message["address"], message["state"]) == ("sms", GOOD_INTAKE["customer_phone"],
                                                                          "pending")
    assert "12300" in message["text"] and "TS-2026-1201" in message["text"] and "15 个工作日" in message["text"]
    words = message["text"].replace("TS-2026-1201", "")
    assert "申诉" in words and not any("a" <= ch.lower() <= "z" for ch in words)  # Chinese only
    told = {line["message"]: line for line in late["timeline"]}  # and the case's history says both, in words
    assert told["customer.told"]["text"] == "系统：已向客户发送短信"
    assert told["case.marked"]["text"] == "系统：按时限规则标记了案件"
    assert [(c["name"], c["text"]) for c in told["case.marked"]["changes"]] == [("appealable", "是")]


def test_R_CMP_02_a_consultation_past_its_time_limit_is_handled_as_a_complaint(tmp_path):
    """R-CMP-02: a consultation not answered within its time limit (the branch's setting, here 4 h) becomes
    a complaint at that moment, on the same case with its history: the explanation task is gone and the
    case goes on as a complaint."""
    with ServedApp(tmp_path, logins=LOGINS, controlled_clock=True, prepare=deploy_with_the_cli,
                   consultation_hours="4") as app:
        case = start(app, "TS-2026-1202", dissatisfied=False, wants_solution=False)
        assert case["attributes"]["contact_type"] == "consultation"
        assert [t["element_id"] for t in case["open_tasks"]] == ["explain"]
        limit = sla(case, "consultation")
        due, started = datetime.fromisoformat(limit["due_at"]), datetime.fromisoformat(limit["started_at"])
        assert due - started == timedelta(hours=4)

        move_to(app, due + timedelta(minutes=1))
        converted = app.wait_until(lambda: (c := app.call("zhang.min", "GET", f"/instances/{case['id']}")[1])
                                   ["attributes"].get("contact_type") == "complaint" and c, 60)
        assert converted, "the consultation was not converted"
        data = converted["data"]
        assert (data["converted_from"], data["conversion_reason"]) == ("consultation", "time_limit")
        assert data["description"] == GOOD_INTAKE["description"] and converted["business_key"] == "TS-2026-1202"
        assert "explain" not in [t["element_id"] for t in converted["open_tasks"]]
        assert converted["open_tasks"], "the complaint goes on to be handled"


# One month of the network department's work orders: (urgency, hours from dispatch to the final reply).
# Reply limits (R-SLA-04): 特急 10 h, 紧急 15 h, 一般 24 h.
MONTH = [("一般", 10), ("一般", 30), ("紧急", 12), ("紧急", 20), ("特急", 11), ("一般", 20)]
# By hand: 6 work orders; late are the 30 h 一般, the 20 h 紧急 and the 11 h 特急: 3 late, 2 points each.
# Average handling time (10 + 30 + 12 + 20 + 11 + 20) / 6 = 103 / 6 = 17.17 h, over 17 h: 5 points.
# Score 95 - 3 * 2 - 5 = 84.
EXPECTED = {"work_orders": 6, "late": 3, "average_hours": 103 / 6, "late_deduction": 6, "slow_deduction": 5,
            "score": 84}


def test_R_MSR_02_R_SLA_05_the_vendor_score_of_a_hand_computed_month(app):
    """R-MSR-02, R-SLA-05: the month's work orders driven through the API on the controlled clock; the
    dashboard API shows the score and the monthly average handling time computed by hand above."""
    now = datetime.fromisoformat(app.call("admin", "GET", "/clock")[1]["now"]).astimezone(SHANGHAI)
    first = (now.replace(day=1) + timedelta(days=32)).replace(day=2, hour=9, minute=0, second=0, microsecond=0)
    month = first.strftime("%Y-%m")
    move_to(app, first)
    for number, (urgency, hours) in enumerate(MONTH, start=1):
        case = start(app, f"TS-VS-{number:02d}", urgency=urgency, customer_phone=f"1390000{number:04d}")
        case = do(app, case, "on_the_spot", {"resolved": False})
        case = do(app, case, "dispatch", {"department": "network_dept", "instructions": "查线路"})
        case = do(app, case, "sign_for", {"signed_by": "li.wei"}, login="li.wei")
        case = do(app, case, "field_test", {"test_result": "信号 -12 dB", "traffic_analysis": "无掉话"}, login="li.wei")
        reply = datetime.fromisoformat(app.call("admin", "GET", "/clock")[1]["now"]) + timedelta(hours=hours)
        move_to(app, reply)
        do(app, case, "reply", {"answer": "已更换分光器，恢复正常"}, login="li.wei")

    code, board = app.call("ma.manager", "GET", f"/dashboard?month={month}")
    assert code == 200, board
    [department] = [d for d in board["departments"] if d["department"] == "network_dept"]
    [score] = [s for s in board["vendor_scores"] if s["department"] == "network_dept"]
    assert (department["ended"], department["ended"] - department["on_time"]) == (6, 3)
    assert department["average_hours"] == pytest.approx(EXPECTED["average_hours"], abs=0.01)
    assert department["over_limit"] is True and board["hours_limit"] == 17
    assert {key: score[key] for key in ("work_orders", "late", "late_deduction", "slow_deduction", "score")} == {
        key: EXPECTED[key] for key in ("work_orders", "late", "late_deduction", "slow_deduction", "score")}
    assert score["average_hours"] == pytest.approx(EXPECTED["average_hours"], abs=0.01)
    # `sqflow sla report` tells the same month the same way: one definition per figure
    done = subprocess.run([sys.executable, "-m", "cli.main", "sla", "report", month, "--json"], cwd=REPO,
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "SQFLOW_DATABASE_URL": app.url})
    assert done.returncode == 0, done.stderr
    [printed] = [d for d in json.loads(done.stdout) if d["department"] == "network_dept"]
    assert (printed["ended"], printed["on_time"], printed["vendor_score"]) == (6, 3, EXPECTED["score"])
    assert printed["average_hours"] == pytest.approx(department["average_hours"], abs=0.001)
