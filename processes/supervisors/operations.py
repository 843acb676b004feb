"""What people do to the supervisor processes from outside a task: apply to a campaign, issue the
certificates of its appointees, file an appeal. Each runs in the caller's transaction.

Applications reach the campaign as the message `application_received` by the campaign's business
key: the campaign instance collects them while the call is open and refuses them before and after
(it is then not waiting for the message), so one instance holds the whole, comparable field of
candidates that the panel ranks on merit.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Engine
from engine.errors import InstanceNotFound, StateError
from engine.persistence.tables import ProcessInstance
from engine.runtime.views import InstanceView

from .credentials import TERM_PROCESS, next_certificate_number

CAMPAIGN_PROCESS = "supervisor_recruitment"
APPEAL_PROCESS = "supervisor_appeal"


def apply(engine: Engine, session: Session, campaign_key: str, application: dict, *, by: str) -> InstanceView:
    """Hand an application to the open call of `campaign_key` (refused when the call is not open)."""
    try:
        return engine.instances.send_message(session, campaign_key, "application_received", by=by,
                                             payload=application, process_id=CAMPAIGN_PROCESS)
    except (StateError, InstanceNotFound):
        raise StateError(f"the call for applications {campaign_key} is not open") from None


def issue_certificates(engine: Engine, session: Session, campaign_id: int, *, by: str) -> dict[str, str]:
    """Issue the appointment certificates (聘书) of a campaign centrally (R-SUP-04): each appointee
    gets a certificate number and a term instance with that number as its key. Returns
    {applicant id: certificate number} and completes the campaign's `issue_certificates` task."""
    campaign = engine.instances.detail(session, campaign_id)
    task = next((t for t in campaign.open_tasks if t.element_id == "issue_certificates"), None)
    if task is None:
        raise StateError(f"campaign #{campaign_id} is not waiting to issue certificates")
    now = engine.clock.now().astimezone(engine.calendar.zone)
    issued = {}
    for appointee in campaign.data.get("appointees", []):
        number = next_certificate_number(session, now.year)
        engine.instances.start(session, TERM_PROCESS, started_by=by, business_key=number, data={
            "certificate_no": number, "name": appointee["name"], "login": appointee.get("login"),
            "phone": appointee.get("phone"), "applicant_id": appointee["applicant_id"],
            "campaign_key": campaign.business_key, "term_start": now.isoformat(),
            "served_since": now.isoformat(), "term_number": 1})
        issued[appointee["applicant_id"]] = number
    engine.instances.complete_task(session, task.id, by=by, data={"certificates": issued})
    return issued


def _next_appeal_key(session: Session, year: int) -> str:
    keys = session.scalars(select(ProcessInstance.business_key).where(
        ProcessInstance.process_id == APPEAL_PROCESS, ProcessInstance.business_key.like(f"AP-{year}-%"))).all()
    numbers = [int(k.rsplit("-", 1)[1]) for k in keys if k and k.rsplit("-", 1)[1].isdigit()]
    return f"AP-{year}-{max(numbers, default=0) + 1:04d}"


def file_appeal(engine: Engine, session: Session, case: dict, *, by: str) -> InstanceView:
    """Receive an appeal or dispute in writing now and register it (the `register_case` form)."""
    year = engine.clock.now().astimezone(engine.calendar.zone).year
    view = engine.instances.start(session, APPEAL_PROCESS, started_by=by, business_key=_next_appeal_key(session, year))
    task = next(t for t in view.open_tasks if t.element_id == "register_case")
    return engine.instances.complete_task(session, task.id, by=by, data=case)
