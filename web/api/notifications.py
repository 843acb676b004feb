"""`/api/v1/notifications`: the caller's own notifications, newest first (what the bell in the web app lists)."""
from __future__ import annotations

from marshmallow import Schema, fields

from engine import notifications as notes

from .. import runtime
from . import bp
from .access import user
from .framework import operation, page_body
from .params import PageQuery
from .schemas import page_of


class NotificationSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "e.g. task.assigned, sla.breached, case.reminded"})
    instance_id = fields.Integer(allow_none=True)
    task_id = fields.String(allow_none=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    details = fields.Dict(required=True)
    created_at = fields.DateTime(required=True)
    read_at = fields.DateTime(allow_none=True)


class NotificationQuery(PageQuery):
    unread = fields.Boolean(load_default=False, metadata={"description": "only those not read yet"})


NotificationPageSchema = page_of(NotificationSchema, "NotificationPage")


@operation(bp, "/notifications", "GET", tag="notifications", summary="My notifications, newest first",
           query=NotificationQuery, response=NotificationPageSchema)
def list_notifications(query: dict):
    with runtime.reading() as db:
        found = notes.list_for(db, user().login, page=query["page"], size=query["per_page"],
                               unread_only=query["unread"])
    return page_body([vars(row) for row in found.rows], found.total, query)
