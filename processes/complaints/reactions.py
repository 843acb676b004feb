"""What a complaint's steps set off beyond its diagram (engine.runtime.reactions):

- R-CMP-06: a reminder (催办, the customer calling again) is counted on the case, where the inbox shows
  it on the work order, and told to the handling department's people; once the reminders reach the
  branch's `reminder_escalation_count`, the team lead is told too.
- R-CMP-05 / R-FR-05: a major or over-the-head complaint is reported up the branch's `report_chain`,
  level by level in order, each report recorded on the case with its time, before the work order opens.
- R-CMP-07: a customer dissatisfied at the callback gets a new ticket linked to the closed one, with the
  reason; a `repeat_of` typed at intake must name a closed complaint, closed within `repeat_window_days`.
- R-SLA-02: that customer may appeal to the regulator; they are sent how (SMS, with the 12300 route).
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import FormInvalid, InvalidInputError
from engine.notifications.customer import fill, queue_customer_message
from engine.notifications.kinds import CASE_REMINDED, CASE_REPORTED, REMINDERS_PILED_UP
from engine.people.groups import Groups
from engine.persistence.tables import AuditEntry, HumanTask, ProcessInstance
from engine.runtime.reactions import StepEffects, StepSeen, reacts_to

PROCESS = "complaint"
KEY_PREFIX = "TS-{year}-"  # how complaints are numbered (processes.case_keys)
CLOSED = ("completed", "terminated")
LEAD_GROUP = "team_lead"  # the lane of the complaint's chases
CLOSING_NOW = "complaints_closing_now"  # session.info: keys of cases whose closing step opens their repeat
DISSATISFIED_SUBJECT = "投诉处理结果回访"
DISSATISFIED_SMS = ("尊敬的客户：您对投诉（编号 {case}）的处理结果不满意，我们已登记新的投诉（编号 {new_case}）继续处理。"
                    "您也可以向工业和信息化部电信用户申诉受理中心申诉，电话 12300。")


@reacts_to(PROCESS)
def complaint_reactions(session: Session, step: StepSeen, effects: StepEffects) -> None:
    if "intake" in step.completed_now and step.data.get("repeat_of"):
        check_repeat_of(session, str(step.data["repeat_of"]).strip(), step, effects)
    for run in step.runs:
        if run.element_id == "remind":
            remind(session, step, effects)
        elif run.element_id == "report_upward":
            report_upward(session, step, effects)
        elif run.element_id == "mark_dissatisfied":
            open_repeat(session, step, effects)


# --- R-CMP-06 -----------------------------------------------------------------------------------------

def remind(session: Session, step: StepSeen, effects: StepEffects) -> None:
    count = int(step.data.get("reminders") or 0) + 1
    step.data["reminders"] = count  # counted on the case's main line: an event sub-process works on a copy
    department = step.data.get("department")
    holders = set(session.scalars(select(HumanTask.assignee).where(
        HumanTask.instance_id == step.instance_id, HumanTask.state == "open", HumanTask.assignee.is_not(None),
        HumanTask.candidate_group == department))) if department else set()
    if not department and step.data.get("received_by"):
        holders.add(str(step.data["received_by"]))  # not dispatched yet: the first responder holds it
    effects.journal.add("engine", "case.reminded", element_id="remind",
                        details={"count": count, "department": department, "told": sorted(holders)})
    if effects.notifier is not None:
        effects.notifier.case_notice(session, CASE_REMINDED, at=step.at, instance_id=step.instance_id,
                                     params={"count": count}, details={"count": count, "department": department},
                                     logins=holders, groups=[department] if department else [])
    limit = effects.settings.branch.reminder_escalation_count
    if count >= limit:
        effects.journal.add("engine", "case.reminders_escalated", element_id="remind",
                            details={"count": count, "limit": limit, "to": LEAD_GROUP})
        if effects.notifier is not None:
            effects.notifier.case_notice(session, REMINDERS_PILED_UP, at=step.at, instance_id=step.instance_id,
                                         params={"count": count}, details={"count": count, "limit": limit},
                                         groups=[LEAD_GROUP])


# --- R-CMP-05 / R-FR-05 -------------------------------------------------------------------------------

def report_upward(session: Session, step: StepSeen, effects: StepEffects) -> None:
    chain = [group.strip() for group in effects.settings.branch.report_chain.split(",") if group.strip()]
    labels = Groups().labels(session)
    reported = []
    for level, group in enumerate(chain, start=1):
        effects.journal.add("engine", "case.reported_upward", element_id="report_upward",
                            details={"level": level, "group": group})
        if effects.notifier is not None:
            effects.notifier.case_notice(session, CASE_REPORTED, at=step.at, instance_id=step.instance_id,
                                         params={"level": level, "group": labels.get(group, group)},
                                         details={"level": level, "group": group}, groups=[group])
        reported.append({"level": level, "group": group, "at": step.at.isoformat()})
    step.data["escalation_chain"] = chain
    step.data["reported_upward"] = reported


# --- R-CMP-07 -----------------------------------------------------------------------------------------

def check_repeat_of(session: Session, key: str, step: StepSeen, effects: StepEffects) -> None:
    """A repeat names a closed complaint of this branch, closed within the window."""
    earlier = session.scalars(select(ProcessInstance).where(
        ProcessInstance.process_id == PROCESS, ProcessInstance.business_key == key)).first()
    if earlier is None or earlier.id == step.instance_id:
        raise FormInvalid("intake", {"repeat_of": f"没有编号为 {key} 的投诉：请填写客户不满意的那件已结案投诉的编号"})
    if key in session.info.get(CLOSING_NOW, ()):
        return
    if earlier.state not in CLOSED:
        raise FormInvalid("intake", {"repeat_of": f"投诉 {key} 仍在处理中：请对它催办，不要登记重复投诉"})
    window = effects.settings.branch.repeat_window_days
    if earlier.ended_at is not None and step.at - _aware(earlier.ended_at, step.at) > timedelta(days=window):
        raise FormInvalid("intake", {"repeat_of": f"投诉 {key} 结案已超过 {window} 天：请登记为新投诉"})


def open_repeat(session: Session, step: StepSeen, effects: StepEffects) -> None:
    """The customer is dissatisfied at the callback: a new ticket, linked, recorded as the old one was."""
    old_key = step.business_key
    if not old_key:
        return
    recorded = session.scalars(select(AuditEntry).where(
        AuditEntry.instance_id == step.instance_id, AuditEntry.event == "task.completed",
        AuditEntry.element_id == "intake").order_by(AuditEntry.id.desc()).limit(1)).first()
    intake = dict((recorded.details or {}).get("data") or {}) if recorded is not None else {}
    reason = str(step.data.get("dissatisfaction_reason") or "")
    first_responder = str(step.data.get("received_by") or (recorded.actor if recorded is not None else "engine"))
    intake.update(repeat_of=old_key, repeat_reason=reason)
    session.info.setdefault(CLOSING_NOW, set()).add(old_key)
    try:
        new = effects.start(session, PROCESS, started_by=first_responder, data=intake)  # numbered as any complaint
        task = next((t for t in new.open_tasks if t.element_id == "intake"), None)
        if task is not None:
            try:
                new = effects.complete(session, task.id, by=first_responder, data=intake)
            except InvalidInputError:  # the form changed since: the first responder records it again
                pass
    finally:
        session.info[CLOSING_NOW].discard(old_key)
    step.data["repeated_by"] = new.business_key
    effects.journal.add("engine", "case.repeated", element_id="mark_dissatisfied",
                        details={"new_case": new.business_key, "new_instance": new.id, "reason": reason})
    tell_how_to_appeal(session, step, effects, old_key, new.business_key)


# --- R-SLA-02 (dissatisfied with the answer) -----------------------------------------------------------

def tell_how_to_appeal(session: Session, step: StepSeen, effects: StepEffects, old_key: str, new_key: str | None) -> None:
    """A customer dissatisfied with the answer may appeal to the regulator: the case is marked so by the
    diagram, and the customer is sent how, with the new ticket's number."""
    phone = str(step.data.get("customer_phone") or "").strip()
    if not phone:
        effects.journal.add("engine", "customer.not_told", element_id="mark_dissatisfied",
                            details={"missing": "customer_phone"})
        return
    text = fill(DISSATISFIED_SMS, {"case": old_key, "new_case": new_key or old_key})
    queue_customer_message(session, instance_id=step.instance_id, channel="sms", address=phone,
                           subject=DISSATISFIED_SUBJECT, text=text, at=step.at)
    effects.journal.add("engine", "customer.message", element_id="mark_dissatisfied",
                        details={"channel": "sms", "to": phone})


def _aware(moment, like):
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=like.tzinfo)
