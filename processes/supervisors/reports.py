"""Mystery-visit reports (暗访) of supervisors (R-SUP-06, R-SUP-09).

A serving supervisor files a report (`supervisor_report` instance, written by them). A report that
names a service failure opens a complaint whose source is the supervisor (the complaint process
answers the supervisor in `answer_supervisor`); the report instance is told the complaint's key by
the message `complaint_opened`. A supervisor reads only their own reports and the answers to them,
never the data of other cases (R-SUP-09).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import Engine
from engine.errors import Forbidden, InstanceNotFound, StateError
from engine.people import User
from engine.persistence.tables import ProcessInstance
from engine.notifications import Notifier
from engine.runtime.instances import CompletedTask
from engine.runtime.views import InstanceView

from .credentials import TERM_PROCESS, standing

REPORT_PROCESS = "supervisor_report"
COMPLAINT_PROCESS = "complaint"
KINDS = ("phone", "letter", "in_person")
LIAISON = "supervisor_liaison"
_KEY = re.compile(r"-(\d+)$")


@dataclass(frozen=True)
class ReportRow:
    key: str
    kind: str
    visited_at: str
    place: str
    finding: str
    status: str
    filed_at: datetime
    complaint_key: str | None
    complaint_state: str | None     # the complaint's state: active, completed ...
    answer: str | None              # the company's answer to the supervisor (反馈)


def serving_term(session: Session, login: str, now: datetime) -> ProcessInstance | None:
    """The term instance of a supervisor now in office, or None."""
    rows = session.scalars(select(ProcessInstance).where(ProcessInstance.process_id == TERM_PROCESS)
                           .order_by(ProcessInstance.id.desc()).execution_options(populate_existing=True)).all()
    return next((row for row in rows
                 if (row.attributes or {}).get("login") == login and standing(row, now) == "serving"), None)


def complaint_intake(report: dict, supervisor: dict, certificate_no: str, received_by: str) -> dict:
    """The complaint's first-responder record of a supervisor's finding (source: the supervisor)."""
    intake = {flag: False for flag in (
        "key_customer", "major", "over_head_tendency", "service_unusable", "self_service_lookup", "anonymous",
        "vip_customer", "public_media_exposure", "regulator_with_deadline", "important_group_channel",
        "group_customer_leaving", "from_leadership_or_important", "illegal_sms_or_security", "premium_brand",
        "sensitive_profession", "institution_quick_answer", "billing_dispute_risk")}
    intake.update(
        channel="hotline_10000", customer_name=supervisor.get("name") or certificate_no,
        customer_phone=supervisor.get("phone") or "", received_by=received_by, category=report["category"],
        description=f"[暗访 mystery visit, {report['kind']}] {report['place']}: {report['finding']}",
        urgency="一般", source="supervisor", supervisor_id=certificate_no, dissatisfied=True, wants_solution=True,
        is_customer_or_authorised=True, specific_enough=True, contact_complete=True, within_services=True)
    return intake


def _next_key(session: Session, certificate_no: str) -> str:
    keys = session.scalars(select(ProcessInstance.business_key).where(
        ProcessInstance.process_id == REPORT_PROCESS, ProcessInstance.business_key.like(f"MV-{certificate_no}-%"))).all()
    used = [int(m.group(1)) for m in map(_KEY.search, filter(None, keys)) if m]
    return f"MV-{certificate_no}-{max(used, default=0) + 1:03d}"


def submit_report(engine: Engine, session: Session, user: User, report: dict) -> InstanceView:
    """File a supervisor's report; one naming a service failure opens a complaint (R-SUP-06), received
    by a person of the supervisor liaison group, who owns it as its first responder."""
    if not user.has_role("supervisor"):
        raise Forbidden("only a supervisor files mystery-visit reports")
    term = serving_term(session, user.login, engine.clock.now())
    if term is None:
        raise Forbidden("only a supervisor in office files mystery-visit reports (R-SUP-05)")
    certificate_no = term.business_key
    key = _next_key(session, certificate_no)
    view = engine.instances.start(session, REPORT_PROCESS, started_by=user.login, business_key=key,
                                  data={"supervisor_login": user.login, "certificate_no": certificate_no})
    task = next(t for t in view.open_tasks if t.element_id == "write_report")
    view = engine.instances.complete_task(session, task.id, by=user.login, data=report)
    if view.state != "active":
        return view
    liaisons = [p.login for p in engine.person_fields.candidates(session, {"group": LIAISON})]
    if not liaisons:
        raise StateError(f"nobody works the group {LIAISON} to receive the complaint: add a person to it first")
    received_by = liaisons[0]
    complaint_key = f"TS-{key}"
    complaint = engine.instances.start(session, COMPLAINT_PROCESS, started_by=user.login, business_key=complaint_key)
    intake = next(t for t in complaint.open_tasks if t.element_id == "intake")
    engine.instances.complete_task(session, intake.id, by=received_by, data=complaint_intake(
        report, term.attributes or {}, certificate_no, received_by))
    return engine.instances.send_message(session, key, "complaint_opened", by=user.login,
                                         payload={"key": complaint_key}, process_id=REPORT_PROCESS)


def _answer(engine: Engine, session: Session, complaint_key: str | None) -> tuple[str | None, str | None]:
    if not complaint_key:
        return None, None
    row = session.execute(select(ProcessInstance.id, ProcessInstance.state).where(
        ProcessInstance.process_id == COMPLAINT_PROCESS, ProcessInstance.business_key == complaint_key)
        .order_by(ProcessInstance.id.desc()).limit(1)).first()
    if row is None:
        return None, None
    # Only the answer leaves the complaint: never its other data (R-SUP-09).
    return row.state, engine.instances.workflow_data(session, row.id).get("supervisor_answer")


def _row(engine: Engine, session: Session, instance_id: int, key: str, started_at: datetime, facts: dict) -> ReportRow:
    state, answer = _answer(engine, session, facts.get("complaint_key"))
    return ReportRow(key, facts.get("kind", ""), facts.get("visited_at", ""), facts.get("place", ""),
                     facts.get("finding", ""), facts.get("status", "draft"), started_at, facts.get("complaint_key"),
                     state, answer)


def my_reports(engine: Engine, session: Session, login: str) -> list[ReportRow]:
    """The reports `login` filed, newest first, with the answers to them (R-SUP-09: only their own)."""
    rows = session.execute(select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.started_at,
                                  ProcessInstance.attributes).where(
        ProcessInstance.process_id == REPORT_PROCESS, ProcessInstance.started_by == login)
        .order_by(ProcessInstance.id.desc())).all()
    return [_row(engine, session, r.id, r.business_key, r.started_at, r.attributes or {}) for r in rows]


def my_report(engine: Engine, session: Session, login: str, key: str) -> ReportRow:
    """One report of `login`; another supervisor's report is as unknown as a missing one (R-SUP-09)."""
    row = session.execute(select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.started_at,
                                 ProcessInstance.attributes).where(
        ProcessInstance.process_id == REPORT_PROCESS, ProcessInstance.business_key == key,
        ProcessInstance.started_by == login)).first()
    if row is None:
        raise InstanceNotFound(f"no report {key}")
    return _row(engine, session, row.id, row.business_key, row.started_at, row.attributes or {})


def tell_supervisor_of_the_answer(session: Session, done: CompletedTask, notifier: Notifier) -> None:
    """R-SUP-06: when a complaint opened from a supervisor's finding is answered, the supervisor hears."""
    if done.process_id != COMPLAINT_PROCESS or done.element_id != "answer_supervisor":
        return
    certificate_no = done.case.get("supervisor_id")
    if not certificate_no:
        return
    term = session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == TERM_PROCESS, ProcessInstance.business_key == certificate_no)).first()
    login = (term.attributes or {}).get("login") if term is not None else None
    if login:
        notifier.supervisor_answered(session, supervisor=login, report=done.business_key or f"#{done.instance_id}",
                                     at=done.at, summary=str(done.data.get("supervisor_answer", "")),
                                     instance_id=done.instance_id)
