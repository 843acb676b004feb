"""What the API accepts: query strings and JSON bodies, as marshmallow schemas (checked before any view runs)."""
from __future__ import annotations

import re
from datetime import date

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.people import MAX_TOKEN_DAYS as MAX_DAYS
from engine.people import TOKEN_DAYS as DEFAULT_DAYS
from engine.reads import INSTANCE_STANDINGS, INSTANCE_STATES, SCOPES, SLA_STANDINGS, TASK_STANDINGS

from .framework import MAX_ID

MAX_PER_PAGE = 100
MAX_PAGE = 100_000
NO_CONTROLS = r"^[^\x00-\x1f\x7f]*$"
MONTH = r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$"
IdempotencyKeyPattern = re.compile(r"^[!-~]{1,200}$")
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)


def line(max_length: int = 200, *, required: bool = False, min_length: int = 0, **kwargs) -> fields.String:
    """One line of text: no control characters, bounded length."""
    return fields.String(required=required, validate=[validate.Length(min=min_length, max=max_length),
                                                       validate.Regexp(NO_CONTROLS, error="control characters are not accepted")],
                         **kwargs)


def day(**kwargs) -> fields.Date:
    return fields.Date(validate=validate.Range(min=EARLIEST, max=LATEST), **kwargs)


def data(description: str) -> fields.Dict:
    return fields.Dict(keys=fields.String(), load_default=dict, metadata={"description": description})


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=25, validate=validate.Range(1, MAX_PER_PAGE))


class TaskFilters(Schema):
    """What narrows an inbox: the list's query and the queue's `claim-next` / `take_next` body."""
    process_id = line()
    urgency = line(50)
    channel = line(50)
    sla = fields.String(validate=validate.OneOf(TASK_STANDINGS))
    text = line(100, metadata={"description": "complaint number (business key), customer name or phone"})


class InboxQuery(PageQuery, TaskFilters):
    scope = fields.String(load_default="all", validate=validate.OneOf(SCOPES),
                          metadata={"description": "all: mine and my groups' unclaimed; mine; unclaimed"})


class InstanceQuery(PageQuery):
    process_id = line()
    version = fields.Integer(validate=validate.Range(1, MAX_ID))
    state = fields.String(validate=validate.OneOf(INSTANCE_STATES))
    sla = fields.String(validate=validate.OneOf(INSTANCE_STANDINGS))
    started_from = day(metadata={"description": "local date, inclusive"})
    started_to = day(metadata={"description": "local date, inclusive"})
    business_key = line()


class SlaQuery(PageQuery):
    standing = fields.String(validate=validate.OneOf(SLA_STANDINGS))
    department = line()
    instance_id = fields.Integer(validate=validate.Range(0, MAX_ID))


class DefinitionQuery(PageQuery):
    process_id = line()
    all_versions = fields.Boolean(load_default=False, metadata={"description": "every version, not only the newest"})


class DashboardQuery(Schema):
    month = fields.String(validate=validate.Regexp(MONTH), metadata={"description": "YYYY-MM; this month if left out"})


class StartBody(Schema):
    process_id = line(required=True, min_length=1)
    business_key = line(min_length=1, allow_none=True, metadata={"description": "e.g. the complaint number"})
    data = data("the instance's start data")


class CompleteBody(Schema):
    data = data("the task's data; checked against its form")
    take_next = fields.Nested(TaskFilters, allow_none=True, load_default=None, metadata={
        "description": "then, when the case has no next task for me, claim the next task of my groups "
                       "within these filters (`{}`: any)"})


class ReassignBody(Schema):
    to = line(required=True, min_length=1, metadata={"description": "login of a member of the task's group"})
    delegate = fields.Boolean(load_default=False, metadata={"description": "record it as a delegation"})


class TerminateBody(Schema):
    reason = line(1000, required=True, min_length=1)


class RetryBody(Schema):
    data = data("data to set on the failed task before it runs again")


class MessageBody(Schema):
    business_key = line(required=True, min_length=1)
    message = line(required=True, min_length=1, metadata={"description": "the BPMN message name"})
    payload = data("what the message carries into the case")
    process_id = line(min_length=1, allow_none=True, metadata={"description": "needed when several cases share the key"})


class TokenBody(Schema):
    name = line(100, required=True, min_length=1, metadata={"description": "what the token is for"})
    expires_in_days = fields.Integer(load_default=DEFAULT_DAYS, validate=validate.Range(1, MAX_DAYS))

    @validates_schema
    def _name_is_not_blank(self, values: dict, **kwargs) -> None:
        if not values.get("name", "").strip():
            raise ValidationError("give the token a name", "name")


DEPLOY_FORM = {
    "type": "object", "required": ["files"],
    "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"},
                             "description": ".bpmn, .dmn and .schema.json files deployed together"}},
}
IDEMPOTENCY_HEADER = {
    "in": "header", "name": "Idempotency-Key", "required": True,
    "description": "chosen by the caller, unique per start: a retry with the same key and body returns the "
                   "same instance; the same key with another body is refused (422)",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": IdempotencyKeyPattern.pattern},
}
