"""`/api/v1/instances/<id>/customer-messages`: what the service queued for a case's customer (SMS or
mail, e.g. how to appeal once the answer is late, R-SLA-02), for the SMS/mail gateway adapter and for
the people who may see the case."""
from __future__ import annotations

from dataclasses import replace

from marshmallow import Schema

from engine.notifications import customer_messages

from .. import runtime
from . import bp
from .access import user
from .framework import operation
from .schemas import DateTime, Int, List, Nested, Str, optional, present

MASKED = "***"  # as the case's masked fields read


class CustomerMessageSchema(Schema):
    id = present(Int())
    channel = present(Str(metadata={"description": "sms or mail"}))
    address = present(Str(metadata={"description": "the customer's phone number or mail address"}))
    subject = present(Str())
    text = present(Str())
    state = present(Str(metadata={"description": "pending until the gateway sent it (sent) or gave up (failed)"}))
    created_at = present(DateTime())
    sent_at = optional(DateTime())


class CustomerMessagesSchema(Schema):
    items = present(List(Nested(CustomerMessageSchema)))


@operation(bp, "/instances/<int:instance_id>/customer-messages", "GET", tag="instances",
           summary="Messages queued to the case's customer", response=CustomerMessagesSchema,
           description="Oldest first; for a case its caller may see (404 otherwise).")
def list_customer_messages(instance_id: int):
    with runtime.reading() as db:
        runtime.engine().reads.instance(db, user(), instance_id)  # refuses a case the caller may not see
        messages = customer_messages(db, instance_id)
        if runtime.engine().case_mask(db, user(), instance_id).active:  # a supervisor: not the customer's contact
            messages = [replace(message, address=MASKED, text=MASKED) for message in messages]
        return {"items": messages}
