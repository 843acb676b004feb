"""Mail delivery by the timer worker against a real SMTP server on loopback (aiosmtpd): sent once,
failures recorded and retried with backoff (the clock moves, nobody sleeps), a step never affected."""
from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from engine.notifications import outbox as outbox_module
from engine.notifications.tables import MailAttempt, OutboxMail
from engine.timers.worker import TimerWorker
from tests.conftest import free_port
from tests.test_notifications import seed


class Mailbox:
    """An aiosmtpd handler: keeps what it accepts; `reply` makes it answer DATA with an error instead."""

    def __init__(self):
        self.messages = []
        self.received = threading.Event()
        self.reply: str | None = None
        self.refuse_recipients = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_recipients:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.reply:
            return self.reply
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        self.received.set()
        return "250 Message accepted"


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailbox.port = controller.port
    yield mailbox
    controller.stop()


@pytest.fixture
def mailing(harness, smtp):
    """The harness with SMTP settings pointing at the loopback server, people with addresses."""
    harness.engine.settings = dataclasses.replace(harness.settings, smtp_host="127.0.0.1", smtp_port=smtp.port,
                                                  smtp_sender="sqflow@example.cn", smtp_timeout_seconds=5)
    harness.engine.notifier.mail_enabled = True
    seed(harness, emails={"li.wei": "li.wei@example.cn"})
    harness.deploy("dynamic_lane.bpmn")
    return harness


def assign_to_li_wei(harness):
    view = harness.start("dynamic_lane", key="TS-2026-0100")
    return harness.complete(view, "dispatch", {"department": "network_dept", "handler": "li.wei"})


def mails(harness) -> list[OutboxMail]:
    with harness.sessions.begin() as session:
        return list(session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def attempts(harness) -> list[tuple[bool, str | None]]:
    with harness.sessions.begin() as session:
        return [(a.ok, a.error) for a in session.scalars(select(MailAttempt).order_by(MailAttempt.id))]


def test_the_worker_sends_the_mail_once_through_the_smtp_server(mailing, smtp):
    assign_to_li_wei(mailing)
    worker = TimerWorker(mailing.engine, mailing.sessions, name="w1")
    assert worker.deliver_mail() == 1
    assert worker.deliver_mail() == 0  # sent mail is not sent again
    [message] = smtp.messages
    assert message["To"] == "li.wei@example.cn" and message["From"] == "sqflow@example.cn"
    assert message["Subject"] == "新待办：Handle the work order（TS-2026-0100）"
    assert "已进入您的待办" in message.get_content()
    [mail] = mails(mailing)
    assert (mail.state, mail.attempts, mail.sent_at, mail.claimed_by) == ("sent", 1, mailing.clock.now(), None)
    assert attempts(mailing) == [(True, None)]


def test_a_temporary_failure_is_recorded_and_retried_later_with_backoff(mailing, smtp):
    smtp.reply = "451 4.3.0 try again later"
    view = assign_to_li_wei(mailing)
    assert [t.element_id for t in view.open_tasks] == ["handle"]  # the step went on regardless
    worker = TimerWorker(mailing.engine, mailing.sessions, name="w1")
    assert worker.deliver_mail() == 0
    [mail] = mails(mailing)
    assert (mail.state, mail.attempts) == ("pending", 1) and mail.last_error.startswith("451")
    assert mail.next_attempt_at == mailing.clock.now() + timedelta(minutes=1)
    assert worker.deliver_mail() == 0 and len(attempts(mailing)) == 1  # not due again yet
    mailing.clock.advance(timedelta(minutes=1, seconds=1))
    assert worker.deliver_mail() == 0
    assert mails(mailing)[0].next_attempt_at == mailing.clock.now() + timedelta(minutes=2)  # the pause doubles
    smtp.reply = None
    mailing.clock.advance(timedelta(minutes=2, seconds=1))
    assert worker.deliver_mail() == 1
    assert [ok for ok, _ in attempts(mailing)] == [False, False, True]
    assert all("451" in error for ok, error in attempts(mailing) if not ok)
    assert (mails(mailing)[0].state, mails(mailing)[0].attempts, len(smtp.messages)) == ("sent", 3, 1)


def test_an_unreachable_server_is_recorded_and_gives_up_after_the_last_attempt(mailing, smtp):
    mailing.engine.settings = dataclasses.replace(mailing.engine.settings, smtp_port=free_port())  # nobody listens
    assign_to_li_wei(mailing)
    worker = TimerWorker(mailing.engine, mailing.sessions, name="w1")
    for _ in range(outbox_module.MAX_ATTEMPTS):
        assert worker.deliver_mail() == 0
        mailing.clock.advance(outbox_module.LONGEST_PAUSE)
    [mail] = mails(mailing)
    assert (mail.state, mail.attempts, mail.next_attempt_at) == ("failed", outbox_module.MAX_ATTEMPTS, None)
    assert "ConnectionRefusedError" in mail.last_error
    assert len(attempts(mailing)) == outbox_module.MAX_ATTEMPTS and worker.deliver_mail() == 0


def test_a_recipient_the_server_refuses_for_good_fails_at_once(mailing, smtp):
    smtp.refuse_recipients = True
    assign_to_li_wei(mailing)
    TimerWorker(mailing.engine, mailing.sessions, name="w1").deliver_mail()
    [mail] = mails(mailing)
    assert (mail.state, mail.attempts) == ("failed", 1) and "550" in mail.last_error


def test_the_backoff_grows_to_a_ceiling():
    pauses = [outbox_module.pause_after(n) for n in range(1, 12)]
    assert pauses[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(pauses) == outbox_module.LONGEST_PAUSE == pauses[-1]


def test_a_running_worker_sends_new_mail_promptly(mailing, smtp):
    """The mail loop runs beside the timer scheduler and wakes when a step commits (NOTIFY / data_version)."""
    mailing.engine.settings = dataclasses.replace(mailing.engine.settings, worker_max_sleep_seconds=60)
    worker = TimerWorker(mailing.engine, mailing.sessions, name="w1")
    worker.start()
    try:
        assert worker.mail_waiting.wait(10)  # the loop found nothing and waits (up to a minute)
        assign_to_li_wei(mailing)
        smtp.received.wait(10)
    finally:
        worker.stop()
    assert len(smtp.messages) == 1 and mails(mailing)[0].state == "sent"
