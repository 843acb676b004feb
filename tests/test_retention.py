"""R-CLS-02: archives are kept 5 years; the purge then removes a closed case whole and records it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from engine.persistence.tables import AuditEntry, HumanTask, ProcessInstance, PurgedInstance
from engine.notifications.tables import MailAttempt, OutboxMail
from engine.retention import RetentionPurge

COMPLAINT = {"description": "outage in Chaoyang since 9:00", "category": "complaint"}
YEAR = timedelta(days=365)


def _count(harness, model, instance_id: int) -> int:
    column = model.id if model is ProcessInstance else model.instance_id
    with harness.sessions.begin() as session:
        return session.scalar(select(func.count()).select_from(model).where(column == instance_id))


def test_R_CLS_02_a_case_closed_more_than_5_years_ago_is_purged_whole_and_recorded(harness):
    """R-CLS-02."""
    harness.deploy("work_order.bpmn")
    old = harness.act("terminate", harness.start("work_order", COMPLAINT, key="TS-2020-0001").id,
                      by="ops", reason="duplicate")
    still_open = harness.start("work_order", COMPLAINT, key="TS-2020-0002")
    harness.clock.advance(YEAR)
    recent = harness.act("terminate", harness.start("work_order", COMPLAINT, key="TS-2021-0003").id, by="ops")
    harness.clock.advance(4 * YEAR + timedelta(days=2))
    purge = RetentionPurge(harness.clock, years=5)

    with harness.sessions.begin() as session:
        preview = purge.run(session, by="ops", dry_run=True)
    assert [c.instance_id for c in preview.cases] == [old.id] and _count(harness, ProcessInstance, old.id) == 1

    _mail_with_an_attempt(harness, old.id)
    entries = _count(harness, AuditEntry, old.id)
    with harness.sessions.begin() as session:
        report = purge.run(session, by="ops")
    assert [(c.instance_id, c.business_key, c.audit_entries) for c in report.cases] == [(old.id, "TS-2020-0001", entries)]
    assert [_count(harness, m, old.id) for m in (ProcessInstance, HumanTask, AuditEntry, OutboxMail)] == [0, 0, 0, 0]
    with harness.sessions.begin() as session:
        assert session.scalar(select(func.count()).select_from(MailAttempt)) == 0
    for kept in (still_open.id, recent.id):  # open however old, and closed less than 5 years ago
        assert _count(harness, ProcessInstance, kept) == 1 and _count(harness, AuditEntry, kept) > 0
    with harness.sessions.begin() as session:
        record = session.get(PurgedInstance, old.id)
        assert (record.process_id, record.state, record.purged_by, record.audit_entries) == (
            "work_order", "terminated", "ops", entries)


def test_history_still_cannot_be_deleted_outside_a_recorded_purge_and_the_record_is_permanent(harness):
    harness.deploy("work_order.bpmn")
    view = harness.act("terminate", harness.start("work_order", COMPLAINT).id, by="ops")
    with pytest.raises(Exception, match="append-only"):
        with harness.sessions.begin() as session:
            session.execute(text(f"DELETE FROM audit_log WHERE instance_id = {view.id}"))
    harness.clock.advance(6 * YEAR)
    with harness.sessions.begin() as session:
        RetentionPurge(harness.clock, years=5).run(session, by="ops")
    with pytest.raises(Exception, match="append-only"):
        with harness.sessions.begin() as session:
            session.execute(text("DELETE FROM purged_instances"))


def _mail_with_an_attempt(harness, instance_id: int) -> None:
    """A notification mail about the case, with one delivery attempt recorded."""
    at = harness.clock.now()
    with harness.sessions.begin() as session:
        mail = OutboxMail(recipient="li.wei", address="li.wei@example.test", kind="task.assigned",
                          instance_id=instance_id, task_id=None, subject="s", body="b", state="sent", attempts=1,
                          next_attempt_at=at, last_error=None, created_at=at, sent_at=at, claimed_by=None,
                          lease_until=None)
        session.add(mail)
        session.flush()
        session.add(MailAttempt(mail_id=mail.id, at=at, worker="w1", ok=True, error=None))
