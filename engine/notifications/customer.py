"""Messages to customers (SMS or mail), queued in the outbox for a gateway adapter to send.

They share the outbox with staff mail but are kinds of their own (`customer.sms`, `customer.mail`):
staff mail delivery (`outbox.MailDelivery`) never takes them; the operator's SMS/mail gateway adapter
claims them like it does (pending, oldest first).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from .tables import OutboxMail

OUTBOX = OutboxMail.__table__
CUSTOMER = "customer."
RECIPIENT = "customer"
_FIELD = re.compile(r"\{(\w+)\}")


def is_customer_kind(kind: str) -> bool:
    return kind.startswith(CUSTOMER)


@dataclass(frozen=True)
class CustomerMessage:
    id: int
    instance_id: int | None
    channel: str
    address: str
    subject: str
    text: str
    state: str
    created_at: datetime
    sent_at: datetime | None


def fill(template: str, values: Mapping[str, Any]) -> str:
    """`{name}` replaced by its value (left as it is when there is none); nothing else is evaluated."""
    return _FIELD.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)


def queue_customer_message(session: Session, *, instance_id: int, channel: str, address: str, subject: str,
                           text: str, at: datetime) -> None:
    """Queue one message to the customer (the caller records it on the case)."""
    session.connection().execute(insert(OUTBOX).values(
        recipient=RECIPIENT, address=address, kind=CUSTOMER + channel, instance_id=instance_id, task_id=None,
        subject=subject, body=text, state="pending", attempts=0, next_attempt_at=at, last_error=None,
        created_at=at, sent_at=None, claimed_by=None, lease_until=None))


def customer_messages(session: Session, instance_id: int) -> list[CustomerMessage]:
    """The messages queued to a case's customer, oldest first."""
    rows = session.connection().execute(select(OUTBOX).where(
        OUTBOX.c.instance_id == instance_id, OUTBOX.c.kind.like(CUSTOMER + "%")).order_by(OUTBOX.c.id)).all()
    return [CustomerMessage(r.id, r.instance_id, r.kind[len(CUSTOMER):], r.address, r.subject, r.body, r.state,
                            r.created_at, r.sent_at) for r in rows]
