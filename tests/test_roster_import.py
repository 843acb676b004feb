"""`sqflow user import`: a branch's roster (CSV) brings the accounts to what it lists, all or nothing,
and importing the same file again changes nothing and says so."""
from __future__ import annotations

import csv
import json

from .people_support import sqflow  # noqa: F401  (the fixture)

DEPARTMENTS = [("network_dept", "网络部"), ("wireless_dept", "无线部"), ("billing_dept", "计费部")]
GROUPS = [("net_ops", "网络运维组", "network_dept"), ("net_field", "网络外勤组", "network_dept"),
          ("radio", "无线优化组", "wireless_dept"), ("bills", "账务组", "billing_dept")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def roster(path, count: int, change: dict[int, dict] | None = None) -> None:
    """`count` people with Chinese names, departments by label, groups by code or label."""
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(["login", "name", "department", "groups", "roles", "mail", "active"])
        for n in range(count):
            department, label = DEPARTMENTS[n % 3]
            own = [g for g in GROUPS if g[2] == department]
            groups = ";".join([own[0][0], own[-1][1]]) if n % 2 else own[0][1]
            row = {"login": f"p{n:04d}", "name": SURNAMES[n % 20] + GIVEN[(n // 20) % 20] + GIVEN[n % 7],
                   "department": label, "groups": groups, "roles": "handler;team_lead" if n % 50 == 0 else "handler",
                   "mail": f"p{n:04d}@branch.example.cn", "active": "yes"}
            row.update((change or {}).get(n, {}))
            writer.writerow(row.values())


def prepare(sqflow, database_url: str) -> None:
    sqflow.use(database_url)
    for name, label in DEPARTMENTS:
        assert sqflow("group", "add", name, "--label", label, "--kind", "department")[0] == 0
    for name, label, department in GROUPS:
        assert sqflow("group", "add", name, "--label", label, "--department", department)[0] == 0


def people(sqflow) -> dict[str, dict]:
    code, out, _ = sqflow("user", "list", "--json")
    assert code == 0
    return {p["login"]: p for p in json.loads(out)}


def test_a_2000_person_roster_imported_twice_changes_nothing_the_second_time(sqflow, database_url, tmp_path):
    prepare(sqflow, database_url)
    path = tmp_path / "people.csv"
    roster(path, 2000)

    code, out, err = sqflow("user", "import", path, "--dry-run")
    assert code == 0, err
    assert ("2000 people: 2000 added, 0 changed, 0 disabled, 0 enabled, 0 unchanged "
            "(dry run: nothing was changed)") in out
    assert people(sqflow) == {}

    code, out, err = sqflow("user", "import", path, "--as", "hr.admin")
    assert code == 0, err
    assert out.startswith("people.csv: 2000 people: 2000 added, 0 changed")
    imported = people(sqflow)
    assert len(imported) == 2000
    assert imported["p0001"] == {"login": "p0001", "name": "李伟芳", "department": "wireless_dept",
                                 "groups": ["radio"], "roles": ["handler"], "mail": "p0001@branch.example.cn",
                                 "state": "no password yet", "source": "local"}
    assert imported["p0003"]["groups"] == ["net_field", "net_ops"] and imported["p0050"]["roles"] == ["handler",
                                                                                                      "team_lead"]

    code, out, err = sqflow("user", "import", path, "--as", "hr.admin")
    assert code == 0, err
    assert out.strip() == "people.csv: no changes: all 2000 people are already as the file says"
    assert people(sqflow) == imported

    roster(path, 2000, {7: {"name": "王小明", "groups": "net_ops"}, 8: {"active": "no"}})
    code, out, _ = sqflow("user", "import", path, "--dry-run")
    assert "1 changed, 1 disabled, 0 enabled, 1998 unchanged (dry run" in out
    assert "p0007: name '" in out and "-> '王小明'" in out
    assert people(sqflow) == imported
    code, out, _ = sqflow("user", "import", path)
    after = people(sqflow)
    assert after["p0007"]["name"] == "王小明" and after["p0007"]["groups"] == ["net_ops"]
    assert after["p0008"]["state"] == "disabled"
    assert {login: p for login, p in after.items() if login not in ("p0007", "p0008")} == {
        login: p for login, p in imported.items() if login not in ("p0007", "p0008")}


def test_a_roster_with_mistakes_is_refused_whole_with_each_problem_and_its_line(sqflow, database_url, tmp_path):
    prepare(sqflow, database_url)
    path = tmp_path / "branch.csv"
    path.write_text("登录名,姓名,部门,组,角色,邮箱,在用\n"
                    "zhou.yi,周一,网络部,网络运维组,handler,zhou@x.cn,是\n"
                    "wu.er,吴二,营业部,net_ops,handler,,是\n"
                    "\n"
                    "zheng.san,,network_dept,nope;radio,boss,not-mail,也许\n"
                    "zhou.yi,周一一,网络部,,,,\n", encoding="utf-8")
    code, out, err = sqflow("user", "import", path)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "sqflow: branch.csv: nothing imported: 7 problem(s)",
        "  line 3: no department '营业部'",
        "  line 5: active '也许': write yes or no",
        "  line 5: a display name of 1 to 200 characters is needed",
        "  line 5: no group 'nope'",
        "  line 5: no role 'boss': use handler, team_lead, manager, designer, supervisor, admin",
        "  line 5: mail 'not-mail' is not an address",
        "  line 6: zhou.yi is already on line 2",
    ]
    assert people(sqflow) == {}

    path.write_text("login,name,team\nli.si,李四,x\n", encoding="utf-8")
    code, _, err = sqflow("user", "import", path)
    assert code == 2 and "line 1: unknown column 'team'" in err
    path.write_bytes("login,name\nli.si,李四\n".encode("gbk"))
    code, _, err = sqflow("user", "import", path)
    assert code == 2 and "not UTF-8" in err
