"""People administration from the command line: `sqflow user ...` and `sqflow group ...`, and the
groups that lanes and SLA policies must name."""
from __future__ import annotations

import json

import pytest

from .people_support import TEMPORARY, WORK_ORDER, sqflow  # noqa: F401  (the fixture)


@pytest.fixture
def fresh(sqflow, tmp_path):
    sqflow.use(f"sqlite:///{tmp_path}/people.db")
    return sqflow


def test_groups_and_departments_are_added_and_listed_by_code_and_label(fresh):
    assert fresh("group", "add", "network_dept", "--label", "网络部", "--kind", "department")[0] == 0
    code, out, err = fresh("group", "add", "net_ops", "--label", "网络运维组", "--department", "network_dept")
    assert code == 0 and "net_ops (网络运维组)" in out, err
    code, _, err = fresh("group", "add", "net_ops", "--label", "again")
    assert code == 4 and "exists already" in err
    code, _, err = fresh("group", "add", "field", "--label", "外勤组", "--department", "nowhere")
    assert code == 2 and "'nowhere' is no active department" in err
    code, out, _ = fresh("group", "list", "--json")
    assert [(g["name"], g["label"], g["kind"], g["department"]) for g in json.loads(out)] == [
        ("network_dept", "网络部", "department", None), ("net_ops", "网络运维组", "group", "network_dept")]


def test_deploy_refuses_lanes_that_name_no_group_and_names_them(fresh):
    code, _, err = fresh("deploy", WORK_ORDER)
    assert code == 1
    assert "the lane 'front_desk' names no group" in err and "the lane 'network_dept' names no group" in err
    assert fresh("processes")[1].strip() == "(no processes deployed)"
    fresh("group", "add", "network_dept", "--label", "网络部", "--kind", "department")
    code, _, err = fresh("deploy", WORK_ORDER)
    assert code == 1 and "'front_desk'" in err and "'network_dept'" not in err
    fresh("group", "add", "front_desk", "--label", "前台受理")
    assert fresh("deploy", WORK_ORDER)[0] == 0


def test_an_sla_policy_load_refuses_escalations_to_unknown_groups_naming_them(fresh, tmp_path):
    policies = tmp_path / "work_order_sla.json"
    policies.write_text(json.dumps({"process_id": "work_order", "policies": [
        {"id": "sign_for", "starts": "sign_for", "rules": [{"target": {"amount": 2, "unit": "hours"}}],
         "escalate_to": "team_lead"},
        {"id": "reply", "starts": "reply", "escalate_to": "department_head",
         "rules": [{"when": {"vip": True}, "target": {"amount": 8, "unit": "hours"}, "escalate_to": "vip_desk"},
                   {"target": {"amount": 24, "unit": "hours"}}]}]}))
    code, _, err = fresh("sla", "load", policies)
    assert code == 2
    assert "'department_head' (policy reply)" in err and "'team_lead' (policy sign_for)" in err
    assert "'vip_desk' (policy reply)" in err
    for name, label in (("team_lead", "班组长"), ("department_head", "部门负责人"), ("vip_desk", "大客户服务台")):
        fresh("group", "add", name, "--label", label)
    code, out, err = fresh("sla", "load", policies)
    assert code == 0 and "loaded 2 SLA policies" in out, err


def test_accounts_are_added_listed_disabled_enabled_and_their_passwords_reset(fresh):
    fresh("group", "add", "network_dept", "--label", "网络部", "--kind", "department")
    code, out, err = fresh("user", "add", "li.si", "--name", "李四", "--department", "network_dept",
                           "--group", "network_dept", "--role", "handler", "--role", "team_lead",
                           "--mail", "li@example.cn")
    assert code == 0, err
    assert "added li.si (李四)" in out and len(TEMPORARY.search(out).group(1)) == 12
    assert fresh("user", "add", "li.si", "--name", "李四")[0] == 4
    code, _, err = fresh("user", "add", "wang.wu", "--name", "王五", "--group", "nowhere", "--mail", "not-a-mail")
    assert code == 2 and "no group 'nowhere'" in err and "is not an address" in err
    code, out, _ = fresh("user", "add", "wang.wu", "--name", "王五", "--password-stdin", stdin="chosen-initial-1\n")
    assert code == 0 and "chosen-initial-1" not in out and "temporary password" not in out

    code, out, _ = fresh("user", "list", "--json")
    people = {p["login"]: p for p in json.loads(out)}
    assert people["li.si"] == {"login": "li.si", "name": "李四", "department": "network_dept",
                               "groups": ["network_dept"], "roles": ["handler", "team_lead"], "mail": "li@example.cn",
                               "state": "must change password", "source": "local"}
    assert people["wang.wu"]["roles"] == ["handler"] and people["wang.wu"]["department"] is None

    code, out, _ = fresh("user", "disable", "wang.wu", "--as", "admin")
    assert code == 0 and out.startswith("disabled wang.wu: 0 open task(s)")
    code, out, _ = fresh("user", "list", "--disabled")
    assert "wang.wu" in out and "li.si" not in out and "disabled" in out
    assert fresh("user", "enable", "wang.wu")[0] == 0
    code, out, _ = fresh("user", "list", "--disabled")
    assert out.strip() == "(no accounts)"

    code, out, _ = fresh("user", "reset-password", "li.si")
    assert code == 0 and TEMPORARY.search(out)
    assert fresh("user", "reset-password", "nobody")[0] == 3
    code, out, _ = fresh("user", "list", "--group", "network_dept")
    assert [line.split()[0] for line in out.strip().splitlines()[1:]] == ["li.si"]
