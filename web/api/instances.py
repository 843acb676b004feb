"""Process instances: start (idempotent), list and show, managers' actions, messages to a case by key."""
from __future__ import annotations

from flask import request
from marshmallow import ValidationError

from engine.errors import InstanceNotFound
from engine.reads import InstanceFilter

from .. import runtime
from . import bp
from .access import require_role, user
from .case_answers import card_body, history_body
from .framework import Reply, operation, page_body
from .idempotency import HEADER, start_once
from .params import (IDEMPOTENCY_HEADER, IdempotencyKeyPattern, InstanceQuery, MessageBody, RetryBody, StartBody,
                     TerminateBody)
from .open_cases import remind_instead
from .schemas import InstanceDetailSchema, InstancePageSchema, InstanceSchema, StartedSchema

STARTERS = ("handler", "manager")


@operation(bp, "/instances", "GET", tag="instances", summary="List instances (managers)",
           query=InstanceQuery, response=InstancePageSchema)
def list_instances(query: dict):
    caller = require_role("manager")
    filters = InstanceFilter(**{name: query.get(name) for name in (
        "process_id", "version", "state", "sla", "started_from", "started_to", "business_key")})
    with runtime.reading() as db:
        found = runtime.engine().reads.instances(db, caller, filters, query["page"], query["per_page"])
    items = [{**vars(row.instance), "sla": row.sla} for row in found.rows]
    return page_body(items, found.total, query)


@operation(bp, "/instances", "POST", tag="instances", summary="Start an instance (idempotent)",
           body=StartBody, response=StartedSchema, status=201, errors=(409, 422),
           headers=(IDEMPOTENCY_HEADER,), also={200: "A retry: the instance this Idempotency-Key started"},
           description="Needs the `Idempotency-Key` header. Retrying with the same key and body returns the "
                       "instance the first request started (200) and never starts a second one. Only the "
                       "process's starters may start it (403), and a process started by other processes only "
                       "never is. A complaint whose customer phone has an open complaint starts nothing: that case is "
                       "reminded (the customer called again) and is the answer (200, `reminded`).")
def start_instance(body: dict):
    starter = user()  # who may start what, the process says (engine.people.WorkDesk.start)
    key = request.headers.get(HEADER, "")
    if not IdempotencyKeyPattern.match(key):
        raise ValidationError({HEADER: ["required: 1 to 200 visible ASCII characters, unique per start"]})
    reminded: list[int] = []

    def remind(db):
        case = remind_instead(db, starter, body)
        reminded.extend([case.id] if case is not None else [])
        return case

    view, replayed = start_once(starter, key, body, remind)
    if reminded:
        return Reply({**vars(view), "reminded": True}, 200, {HEADER: key})
    return Reply(view, 200 if replayed else 201, {HEADER: key})


@operation(bp, "/instances/<int:instance_id>", "GET", tag="instances", summary="One instance: tasks, data, "
           "history, SLAs, its case card", response=InstanceDetailSchema,
           description="A case its caller may see: one they took part in, one with an open task of their "
                       "groups, or one their department manages (team leads, managers); 404 otherwise. "
                       "Supervisors read customer fields masked. `card` is the case card the task pages show; "
                       "`timeline` is the history as sentences in the caller's language (`history` keeps the "
                       "audit entries).")
def show_instance(instance_id: int):
    with runtime.reading() as db:
        read = runtime.engine().reads.instance(db, user(), instance_id)
    view = read.instance
    return {**vars(view), "data": view.data or {}, "history": view.history or [], "slas": read.slas,
            "card": card_body(read.card), "timeline": history_body(read.history)}


@operation(bp, "/instances/<int:instance_id>/suspend", "POST", tag="instances", summary="Suspend (managers)",
           response=InstanceSchema, errors=(409,))
def suspend_instance(instance_id: int):
    return _act("suspend", instance_id)


@operation(bp, "/instances/<int:instance_id>/resume", "POST", tag="instances", summary="Resume (managers)",
           response=InstanceSchema, errors=(409,))
def resume_instance(instance_id: int):
    return _act("resume", instance_id)


@operation(bp, "/instances/<int:instance_id>/terminate", "POST", tag="instances", summary="Terminate with a "
           "reason (managers)", body=TerminateBody, response=InstanceSchema, errors=(409, 422))
def terminate_instance(instance_id: int, body: dict):
    return _act("terminate", instance_id, reason=body["reason"].strip())


@operation(bp, "/instances/<int:instance_id>/retry", "POST", tag="instances", summary="Retry an instance in "
           "error (managers)", body=RetryBody, response=InstanceSchema, errors=(409, 422))
def retry_instance(instance_id: int, body: dict):
    return _act("retry", instance_id, data=body["data"])


def _act(action: str, instance_id: int, **options):
    manager = require_role("manager")
    with runtime.transaction() as db:
        return getattr(runtime.engine().instances, action)(db, instance_id, by=manager.login, **options)


@operation(bp, "/messages", "POST", tag="instances", summary="Send a message to the open case with a business key",
           body=MessageBody, response=InstanceSchema, errors=(409, 422),
           description="E.g. the customer calls again, or the regulator replies. Refused with nothing changed "
                       "when no open case has the key (404), when several do and no process is named (400), "
                       "or when the case does not wait for the message (409).")
def send_message(body: dict):
    sender = require_role(*STARTERS)
    with runtime.reading() as db:  # a case one may not see is answered as if no case had the key
        if not runtime.engine().reads.open_cases_with_key(db, sender, body["business_key"], body.get("process_id")):
            raise InstanceNotFound(f"no open case has the key {body['business_key']!r}")
    with runtime.transaction() as db:
        return runtime.engine().instances.send_message(
            db, body["business_key"], body["message"], by=sender.login, payload=body["payload"],
            process_id=body.get("process_id"))
