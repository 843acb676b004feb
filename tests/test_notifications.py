"""Notifications written with the steps that cause them: who hears about a new task, an SLA warning
or breach (R-SLA-09, R-SLA-10) and a supervisor's answer (R-SUP-06); mail preferences; the outbox."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import notifications as notes
from engine.notifications.tables import Notification, OutboxMail
from engine.persistence.tables import HumanTask, UserAccount
from engine.sla.policies import save_policies
from engine.sla.policy import parse_policies
from engine.timers.worker import TimerWorker
from processes.demo_people import DEMO_USERS

DEFAULTS = Path(__file__).resolve().parents[1] / "processes" / "complaints" / "sla_policies.json"
NORMAL = {"urgency": "一般", "category": "complaint", "key_customer": False}


def seed(harness, emails: dict[str, str] | None = None, inactive: tuple[str, ...] = ()) -> None:
    """The demo's people and groups (without hashing their passwords: nobody signs in here)."""
    emails = emails or {}
    with harness.sessions.begin() as session:
        for account in (UserAccount(login=login, name=name, password_hash="-", roles=list(roles), groups=list(groups),
                                    email=emails.get(login), locale="zh_CN", active=login not in inactive,
                                    created_at=harness.clock.now())
                        for login, name, roles, groups, _ in DEMO_USERS):
            session.merge(account)


def received(harness, kind: str | None = None) -> list[tuple[str, str]]:
    with harness.sessions.begin() as session:
        query = select(Notification).order_by(Notification.id)
        if kind:
            query = query.where(Notification.kind == kind)
        return [(n.recipient, n.kind) for n in session.scalars(query)]


def outbox(harness) -> list[tuple[str, str, str]]:
    with harness.sessions.begin() as session:
        return [(m.recipient, m.address, m.kind) for m in session.scalars(select(OutboxMail).order_by(OutboxMail.id))]


def test_a_task_for_a_group_reaches_every_active_member_in_app(harness):
    seed(harness, inactive=("wu.lead",))
    harness.deploy("dynamic_lane.bpmn")
    view = harness.start("dynamic_lane", key="TS-1")
    assert received(harness) == [("zhang.min", notes.TASK_FOR_GROUP)]  # the only member of front_desk
    harness.complete(view, "dispatch", {"department": "network_dept"}, by="zhang.min")
    assert received(harness)[1:] == [("li.wei", "task.group")]  # wu.lead works network_dept too, but left
    with harness.sessions.begin() as session:
        note = session.scalars(select(Notification).where(Notification.recipient == "li.wei")).one()
        task = session.scalars(select(HumanTask).where(HumanTask.element_id == "handle")).one()
    assert (note.instance_id, note.task_id) == (view.id, task.id)
    assert note.title == "网络部 新待办：Handle the work order（TS-1）"  # the group by its label
    assert outbox(harness) == []  # no SMTP server configured: in-app only


def test_a_task_with_an_assignee_reaches_only_that_person_in_their_language(harness):
    seed(harness)
    with harness.sessions.begin() as session:
        harness.engine.desk.directory.set_locale(session, "li.wei", "en")
    harness.deploy("dynamic_lane.bpmn")
    view = harness.start("dynamic_lane")
    harness.complete(view, "dispatch", {"department": "network_dept", "handler": "li.wei"})
    assert received(harness, notes.TASK_ASSIGNED) == [("li.wei", "task.assigned")]
    with harness.sessions.begin() as session:
        page = notes.list_for(session, "li.wei")
    assert page.unread == 1 and page.rows[0].title == f"New task: Handle the work order (#{view.id})"


def test_mail_goes_to_those_with_an_address_who_chose_that_kind(harness):
    seed(harness, emails={"li.wei": "li.wei@example.cn", "wu.lead": "wu.lead@example.cn"})
    harness.engine.notifier.mail_enabled = True
    with harness.sessions.begin() as session:
        assert notes.mail_choices(session, "li.wei")[notes.TASK_FOR_GROUP] is False  # the default
        notes.set_mail_choices(session, "wu.lead", {notes.TASK_FOR_GROUP: True})
    harness.deploy("dynamic_lane.bpmn")
    view = harness.start("dynamic_lane")
    harness.complete(view, "dispatch", {"department": "network_dept"})
    assert outbox(harness) == [("wu.lead", "wu.lead@example.cn", "task.group")]
    with harness.sessions.begin() as session:
        assert notes.set_mail_choices(session, "wu.lead", {notes.TASK_FOR_GROUP: False})[notes.TASK_FOR_GROUP] is False
        with pytest.raises(Exception, match="unknown notification kind"):
            notes.set_mail_choices(session, "wu.lead", {"spam": True})


@pytest.fixture
def complaint(harness):
    seed(harness, emails={"wu.lead": "wu.lead@example.cn"})
    process_id, policies = parse_policies(DEFAULTS.name, DEFAULTS.read_bytes())
    with harness.sessions.begin() as session:
        save_policies(session, process_id, policies, "defaults", "ops", harness.clock.now())
    harness.engine.sla_policies.forget()
    harness.deploy("complaint_sla.bpmn")
    return harness


def test_R_SLA_09_R_SLA_10_warnings_and_the_breach_reach_the_escalation_target(complaint):
    complaint.engine.notifier.mail_enabled = True
    worker = TimerWorker(complaint.engine, complaint.sessions, name="w1")
    view = complaint.start("complaint", NORMAL, key="TS-9")
    with complaint.sessions.begin() as session:
        sign_for = session.scalars(select(HumanTask).where(HumanTask.element_id == "sign_for")).one()
        sign_for.assignee = "li.wei"  # the handler claimed it: the warning reaches them too
    complaint.clock.advance(timedelta(minutes=61))
    worker.run_due()
    assert received(complaint, notes.SLA_WARNING) == [("wu.lead", "sla.warning"), ("li.wei", "sla.warning")]
    complaint.clock.advance(timedelta(minutes=60))  # 75 % passed and the deadline too: only the breach is told
    worker.run_due()
    assert received(complaint, notes.SLA_WARNING) == [("wu.lead", "sla.warning"), ("li.wei", "sla.warning")]
    assert received(complaint, notes.SLA_BREACHED) == [("wu.lead", "sla.breached"), ("li.wei", "sla.breached")]
    with complaint.sessions.begin() as session:
        breach = session.scalars(select(Notification).where(Notification.kind == "sla.breached",
                                                            Notification.recipient == "wu.lead")).one()
    assert breach.details["escalate_to"] == "team_lead" and "TS-9" in breach.title and "已升级至 班组长" in breach.body
    assert ("wu.lead", "wu.lead@example.cn", "sla.breached") in outbox(complaint)  # by mail by default
    assert ("wu.lead", "wu.lead@example.cn", "sla.warning") not in outbox(complaint)  # warnings: in-app by default
    assert ("wu.lead", "task.group") in received(complaint)  # and the chase task lands in the team lead's inbox


def test_R_SUP_06_the_supervisor_hears_that_their_report_was_answered(harness):
    seed(harness)
    with harness.sessions.begin() as session:
        harness.engine.desk.directory.save(session, "sup.qian", name="钱监督", password="supervisor-pw",
                                           roles=["supervisor"], email="qian@example.cn", now=harness.clock.now())
    harness.engine.notifier.mail_enabled = True
    with harness.sessions.begin() as session:
        count = harness.engine.notifier.supervisor_answered(
            session, supervisor="sup.qian", report="营业厅排队过长", summary="已增加窗口。", at=harness.clock.now(),
            report_id=7)
    assert count == 1
    assert received(harness) == [("sup.qian", "supervisor.answered")]
    assert outbox(harness) == [("sup.qian", "qian@example.cn", "supervisor.answered")]


def test_marking_read_touches_only_ones_own_notifications(harness):
    seed(harness)
    harness.deploy("dynamic_lane.bpmn")
    view = harness.start("dynamic_lane")
    harness.complete(view, "dispatch", {"department": "network_dept"})
    with harness.sessions.begin() as session:
        theirs = notes.list_for(session, "wu.lead").rows[0].id
        assert notes.mark_read(session, "li.wei", harness.clock.now(), [theirs]) == 0
        assert notes.unread_count(session, "wu.lead") == 1
        assert notes.get_for(session, "li.wei", theirs) is None
        assert notes.mark_read(session, "wu.lead", harness.clock.now()) == 1
        assert notes.unread_count(session, "wu.lead") == 0


def test_a_failing_notifier_never_breaks_the_step(harness, monkeypatch):
    seed(harness)
    harness.deploy("dynamic_lane.bpmn")

    def broken(*args, **kwargs):
        raise RuntimeError("notifications are down")
    monkeypatch.setattr("engine.notifications.notifier.render", broken)
    view = harness.start("dynamic_lane")
    view = harness.complete(view, "dispatch", {"department": "network_dept"})
    assert [t.element_id for t in view.open_tasks] == ["handle"] and view.state == "active"
    assert received(harness) == []


def test_a_task_reassigned_by_a_team_lead_reaches_its_new_holder(harness):
    seed(harness)
    harness.deploy("dynamic_lane.bpmn")
    view = harness.complete(harness.start("dynamic_lane", key="TS-2"), "dispatch", {"department": "network_dept"},
                            by="zhang.min")
    task = harness.open_task(view, "handle")
    with harness.sessions.begin() as session:
        lead = harness.engine.desk.directory.get(session, "wu.lead")
        harness.engine.desk.reassign(session, lead, task.id, "li.wei")
    assert received(harness, notes.TASK_ASSIGNED) == [("li.wei", notes.TASK_ASSIGNED)]
