"""The customer already has an open complaint (R-CMP-06): a second one is not opened silently.

Starting a complaint with the phone number of an open one reminds that case instead (no new ticket, the
answer is the open case, `reminded`); completing a complaint's intake with such a number is refused
(409, naming the open case) so the caller reminds it (`POST /api/v1/messages`, `customer_called_again`).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.errors import ConflictError
from engine.people import Rights, User
from engine.reads import CallerCase, caller_cases

from .. import runtime
from ..cases.complaint import CALLED_AGAIN, INTAKE, PROCESS

PHONE = "customer_phone"


def open_case_of(db: Session, caller: User, data: dict, *, other_than: int | None = None) -> CallerCase | None:
    """The open complaint of the customer phone in `data`, besides case `other_than`."""
    phone = str(data.get(PHONE) or "").strip()
    if not phone:
        return None
    engine = runtime.engine()
    found = caller_cases(db, caller, phone, engine.clock.now(), process_id=PROCESS,
                         recent_days=engine.settings.branch.repeat_window_days)
    return next((case for case in found if case.is_open and case.id != other_than and case.business_key), None)


def remind_instead(db: Session, caller: User, body: dict):
    """For a complaint start: the customer's open case, reminded; None when there is none."""
    if body.get("process_id") != PROCESS:
        return None
    case = open_case_of(db, caller, body.get("data") or {})
    if case is None:
        return None
    return runtime.engine().instances.send_message(db, case.business_key, CALLED_AGAIN, by=caller.login,
                                                   process_id=PROCESS)


def refuse_second_intake(db: Session, caller: User, task_id: str, data: dict) -> None:
    """Completing a complaint's intake with the phone of another open complaint is refused."""
    if not str(data.get(PHONE) or "").strip():  # no phone given: no other case to find (and no task to read)
        return
    task = runtime.engine().instances.task(db, task_id)
    if task.element_id != INTAKE or not Rights.may_complete(caller, task):
        return
    case = open_case_of(db, caller, data, other_than=task.instance_id)
    if case is not None and runtime.engine().instances.instance_row(db, task.instance_id).process_id == PROCESS:
        refusal = ConflictError(f"the customer {data.get(PHONE)} already has the open complaint {case.business_key}: "
                                f"remind it (message {CALLED_AGAIN!r}) instead of opening a second one")
        refusal.fields = {"open_case": case.business_key, "instance_id": str(case.id)}
        raise refusal
