"""The caller's work desk: the inbox with its filters, one task with its form, claim, unclaim, hand on, complete.

Everything goes through `WorkDesk`, which checks `Rights` the way the web app's pages do.
"""
from __future__ import annotations

from engine.people import Rights
from engine.reads import InboxFilter, Page

from .. import runtime
from . import bp
from .access import user
from .case_answers import card_body, history_body
from .framework import offset_of, operation, page_body
from .open_cases import refuse_second_intake
from .params import CompleteBody, InboxQuery, ReassignBody, TaskFilters
from .schemas import ClaimedNextSchema, CompletedSchema, InboxPageSchema, TaskDetailSchema, TaskSchema

FILTERS = ("scope", "process_id", "urgency", "channel", "sla", "text")


@operation(bp, "/tasks", "GET", tag="tasks", summary="My inbox: my tasks and my groups' unclaimed ones",
           query=InboxQuery, response=InboxPageSchema,
           description="By due time (tasks without a deadline last). Team leads also see their groups' "
                       "claimed tasks.")
def list_tasks(query: dict):
    desk = runtime.engine().desk
    filters = _filters(query)
    caller = user()
    with runtime.transaction() as db:
        rows = desk.inbox(db, caller, filters, Page(query["per_page"], offset_of(query)))
        total = desk.count(db, caller, filters=filters)
    items = [{**vars(row.task), "process_id": row.process_id, "business_key": row.business_key,
              "attributes": row.attributes, "standing": row.standing, "seconds_left": row.seconds_left}
             for row in rows]
    return page_body(items, total, query)


@operation(bp, "/tasks/<task_id>", "GET", tag="tasks", summary="One task, its case, form and what I may do",
           response=TaskDetailSchema,
           description="`task_id` is the id or a unique prefix of 6 or more characters. `card` is the case card "
                       "the task page shows above the form (what the customer said, the dispatch instructions, "
                       "earlier answers and notes, the open deadlines, who holds the case); `timeline` is the "
                       "case's history as sentences in the caller's language. Supervisors read customer fields "
                       "masked.")
def show_task(task_id: str):
    caller = user()
    with runtime.reading() as db:
        read = runtime.engine().reads.task(db, caller, task_id)
    task, case = read.task, read.case
    return {**vars(task), "process_id": case.process_id, "business_key": case.business_key,
            "attributes": case.attributes, "standing": read.standing, "seconds_left": read.seconds_left,
            "form": read.form, "instructions": read.instructions, "card": card_body(read.card),
            "timeline": history_body(read.history),
            "choices": {"may_claim": Rights.may_claim(caller, task), "may_unclaim": Rights.may_unclaim(caller, task),
                        "may_complete": Rights.may_complete(caller, task),
                        "leads": task.state == "open" and Rights.leads(caller, task)}}


@operation(bp, "/tasks/<task_id>/claim", "POST", tag="tasks", summary="Claim an unclaimed task of my groups",
           response=TaskSchema, errors=(409,))
def claim_task(task_id: str):
    with runtime.transaction() as db:
        return runtime.engine().desk.claim(db, user(), task_id)


@operation(bp, "/tasks/claim-next", "POST", tag="tasks", summary="Claim the next unclaimed task of my groups",
           body=TaskFilters, response=ClaimedNextSchema,
           description="The soonest due first (tasks without a deadline last), within the filters given. "
                       "Callers at the same time get different tasks and never wait for each other; "
                       "`task` is null when none waits.")
def claim_next_task(body: dict):
    filters = _filters(body)
    with runtime.transaction() as db:
        return {"task": runtime.engine().desk.claim_next(db, user(), filters)}


@operation(bp, "/tasks/<task_id>/unclaim", "POST", tag="tasks", summary="Give a claimed task back to its group",
           response=TaskSchema, errors=(409,))
def unclaim_task(task_id: str):
    with runtime.transaction() as db:
        return runtime.engine().desk.unclaim(db, user(), task_id)


@operation(bp, "/tasks/<task_id>/reassign", "POST", tag="tasks", summary="Hand a task to a group member "
           "(team leads)", body=ReassignBody, response=TaskSchema, errors=(409, 422))
def reassign_task(task_id: str, body: dict):
    with runtime.transaction() as db:
        return runtime.engine().desk.reassign(db, user(), task_id, body["to"], delegate=body["delegate"])


@operation(bp, "/tasks/<task_id>/complete", "POST", tag="tasks", summary="Complete a task with its form's data",
           body=CompleteBody, response=CompletedSchema, errors=(409, 422),
           description="The data is checked against the task's form: 422 with a message per field "
                       "(`a.b` for nested fields) when it does not fit; the task stays open. With `take_next` "
                       "a handler works the queue: when the case has no next task for them, the next task of "
                       "their groups is claimed in the same step (`taken_next`).")
def complete_task(task_id: str, body: dict):
    take_next = body.get("take_next")
    if take_next is not None:
        take_next = _filters(take_next)
    with runtime.transaction() as db:
        refuse_second_intake(db, user(), task_id, body["data"])
        done = runtime.engine().desk.complete_and_continue(db, user(), task_id, body["data"], take_next)
    return {"instance": done.instance, "next_task": done.next_task, "taken_next": done.taken}


def _filters(values: dict) -> InboxFilter:
    return InboxFilter(**{name: values[name] for name in FILTERS if values.get(name) is not None})
