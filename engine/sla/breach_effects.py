"""What a policy's `on_breach` does at the moment its deadline is missed: marks the case's data and
queues a message to the customer (engine.sla.policy._on_breach). Run by the worker in the breach's
transaction, in a savepoint: a failure here is logged and recorded, and the escalation goes on."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..notifications.customer import fill, queue_customer_message
from ..persistence.tables import ProcessInstance
from ..runtime.case_marks import mark_case
from ..runtime.journal import Journal
from .policies import PolicyBook

if TYPE_CHECKING:
    from ..runtime.instances import InstanceService

log = logging.getLogger("sqflow.sla")
INSTANCES = ProcessInstance.__table__


class BreachEffects:
    def __init__(self, book: PolicyBook, instances: "InstanceService"):
        self.book = book
        self.instances = instances

    def __call__(self, session: Session, sla: Any, at: datetime) -> None:
        case = session.connection().execute(select(INSTANCES.c.process_id, INSTANCES.c.business_key).where(
            INSTANCES.c.id == sla.instance_id)).first()
        if case is None:
            return
        policy = next((p for p in self.book.for_process(session, case.process_id) if p.id == sla.policy_id), None)
        if policy is None or not policy.on_breach:
            return
        try:
            with session.begin_nested():
                self._apply(session, sla, policy.id, policy.on_breach, case.business_key or f"#{sla.instance_id}", at)
        except Exception as exc:  # the breach and its escalation stand without these
            log.exception("the breach effects of SLA %s on instance %s failed", policy.id, sla.instance_id)
            Journal(session, sla.instance_id, at).add("engine", "sla.breach_effects_failed", details={
                "policy": policy.id, "error": f"{type(exc).__name__}: {exc}"}).flush()

    def _apply(self, session: Session, sla: Any, policy_id: str, effects: dict, key: str, at: datetime) -> None:
        marks = effects.get("set") or {}
        if marks:
            mark_case(self.instances, session, sla.instance_id, marks, by="engine", reason=f"sla:{policy_id}")
        message = effects.get("tell_customer")
        if not message:
            return
        data = self.instances.workflow_data(session, sla.instance_id)
        address = str(data.get(message["to"]) or "").strip()
        journal = Journal(session, sla.instance_id, at)
        if not address:
            journal.add("engine", "customer.not_told", details={"policy": policy_id, "missing": message["to"]}).flush()
            return
        values = {**self.book.numbers, **data, "case": key}
        queue_customer_message(session, instance_id=sla.instance_id, channel=message["channel"], address=address,
                               subject=fill(message.get("subject", ""), values), text=fill(message["text"], values),
                               at=at)
        journal.add("engine", "customer.message", details={
            "policy": policy_id, "channel": message["channel"], "to": address}).flush()
