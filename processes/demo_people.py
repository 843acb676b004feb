"""The demo's people, one or more in every role, with the groups (lanes) they work and their departments,
and the groups and departments the shipped diagrams and SLA policies name (with Chinese labels).

All share DEMO_PASSWORD; `sqflow demo` creates them and `sqflow serve` prints the logins.
"""
from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy.orm import Session

from engine.people import Directory, User
from engine.people.directory import hash_password
from engine.people.groups import GroupSpec, Groups

DEMO_PASSWORD = "sqflow-demo"
DEPARTMENTS = ("network_dept", "wireless_dept", "billing_dept", "service_dept")
CONTACT_CENTRE = "contact_centre"
DEMO_GROUPS: list[GroupSpec] = [
    GroupSpec("network_dept", "网络部", "department"),
    GroupSpec("wireless_dept", "无线部", "department"),
    GroupSpec("billing_dept", "计费部", "department"),
    GroupSpec("service_dept", "服务部", "department"),
    GroupSpec(CONTACT_CENTRE, "客服中心", "department"),
    GroupSpec("enterprise_management", "企业管理部", "department"),
    GroupSpec("first_responder", "首问责任人", department=CONTACT_CENTRE),
    GroupSpec("front_desk", "前台受理", department=CONTACT_CENTRE),
    GroupSpec("duty_desk", "值班台", department=CONTACT_CENTRE),
    GroupSpec("duty_desk_lead", "值班长", department=CONTACT_CENTRE),
    GroupSpec("cs_manager", "客服经理", department=CONTACT_CENTRE),
    GroupSpec("supervisor_liaison", "监督员联络", department=CONTACT_CENTRE),
    GroupSpec("appeal_centre", "申诉受理", department=CONTACT_CENTRE),
    GroupSpec("team_lead", "班组长"),
    GroupSpec("department_head", "部门负责人"),
    GroupSpec("branch_leadership", "分公司领导"),
    GroupSpec("supervision_office", "社会监督办公室"),
    GroupSpec("review_panel", "资格评审组"),
    GroupSpec("supervision_managers", "监督工作负责人"),
    GroupSpec("supervisor", "社会监督员"),
    GroupSpec("appeal_committee", "申诉委员会"),
    GroupSpec("expert_group", "专家组"),
]
# login, name, roles, groups, what they do
DEMO_USERS: list[tuple[str, str, tuple[str, ...], tuple[str, ...], str]] = [
    ("zhang.min", "张敏", ("handler",), ("first_responder", "front_desk"), "first responder, 10000 hotline"),
    ("wang.fang", "王芳", ("handler",), ("first_responder",), "first responder, business hall"),
    ("liu.yang", "刘洋", ("handler",), ("first_responder",), "first responder, web hall and app"),
    ("chen.jing", "陈静", ("handler",), ("first_responder",), "first responder, online chat"),
    ("li.wei", "李伟", ("handler",), ("network_dept",), "handler, network department"),
    ("zhao.lei", "赵磊", ("handler",), ("wireless_dept",), "handler, wireless department"),
    ("sun.li", "孙丽", ("handler",), ("billing_dept",), "handler, billing department"),
    ("zhou.qiang", "周强", ("handler",), ("service_dept",), "handler, service department"),
    ("wu.lead", "吴组长", ("handler", "team_lead"), ("team_lead", "network_dept", "wireless_dept"),
     "team lead, network and wireless"),
    ("huang.head", "黄主任", ("handler",), ("department_head",), "department head, network"),
    ("duty.zhou", "周值班", ("handler",), ("duty_desk",), "duty desk (365 x 8)"),
    ("qin.lead", "秦值班长", ("handler", "team_lead"), ("duty_desk_lead", "duty_desk"),
     "duty desk lead: an outside body's missed deadline escalates to them"),
    ("gao.leader", "高总", ("handler",), ("branch_leadership",), "branch leadership: major complaints are reported up to them"),
    ("he.liaison", "何联络", ("handler",), ("supervisor_liaison", "appeal_centre"), "supervisor liaison"),
    ("ma.manager", "马经理", ("manager", "handler"), ("cs_manager",), "customer-service manager"),
    ("lin.designer", "林设计", ("designer",), (), "process designer"),
    ("admin", "管理员", ("admin",), (), "administrator"),
]
DEMO_DEPARTMENTS = {
    **dict.fromkeys(("zhang.min", "wang.fang", "liu.yang", "chen.jing", "duty.zhou", "qin.lead", "he.liaison",
                     "ma.manager"),
                    CONTACT_CENTRE),
    "li.wei": "network_dept", "wu.lead": "network_dept", "huang.head": "network_dept", "zhao.lei": "wireless_dept",
    "sun.li": "billing_dept",
    "zhou.qiang": "service_dept",
}


def seed_groups(session: Session, now: datetime) -> int:
    """Create the demo's groups and departments that are missing; how many were created."""
    return Groups().ensure(session, DEMO_GROUPS, by="demo", now=now)


def seed_people(session: Session, now: datetime, directory: Directory | None = None) -> list[User]:
    """Create or refresh the demo accounts (their password is reset to DEMO_PASSWORD), and the groups
    and departments they work in."""
    directory = directory or Directory()
    seed_groups(session, now)
    return [directory.save(session, login, name=name, password=None, password_hash=_demo_hash(), roles=roles,
                           groups=groups, now=now, department=DEMO_DEPARTMENTS.get(login))
            for login, name, roles, groups, _ in DEMO_USERS]


@cache
def _demo_hash() -> str:
    return hash_password(DEMO_PASSWORD)
