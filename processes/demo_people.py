"""The demo's people, one or more in every role, with the groups (lanes) they work.

All share DEMO_PASSWORD; `sqflow demo` creates them and `sqflow serve` prints the logins.
"""
from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy.orm import Session

from engine.people import Directory, User
from engine.people.directory import hash_password

DEMO_PASSWORD = "sqflow-demo"
DEPARTMENTS = ("network_dept", "wireless_dept", "billing_dept", "service_dept")
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
    ("huang.head", "黄主任", ("handler",), ("department_head",), "department head"),
    ("duty.zhou", "周值班", ("handler",), ("duty_desk",), "duty desk (365 x 8)"),
    ("he.liaison", "何联络", ("handler",), ("supervisor_liaison", "appeal_centre"), "supervisor liaison"),
    ("ma.manager", "马经理", ("manager", "handler"), ("cs_manager",), "customer-service manager"),
    ("lin.designer", "林设计", ("designer",), (), "process designer"),
    ("admin", "管理员", ("admin",), (), "administrator"),
]


def seed_people(session: Session, now: datetime, directory: Directory | None = None) -> list[User]:
    """Create or refresh the demo accounts (their password is reset to DEMO_PASSWORD)."""
    directory = directory or Directory()
    return [directory.save(session, login, name=name, password=None, password_hash=_demo_hash(), roles=roles,
                           groups=groups, now=now)
            for login, name, roles, groups, _ in DEMO_USERS]


@cache
def _demo_hash() -> str:
    return hash_password(DEMO_PASSWORD)
