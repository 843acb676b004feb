"""A case's history as sentences: who did what, when, what changed.

Each line is a message id with named parameters (people's and groups' names, task and deadline
names, reasons); the web layer words it in the reader's language. The engine's own bookkeeping
(steps of gateways and scripts, timers set, deadlines started or met) is left out, and what one
action wrote in several audit rows reads as one line: a task created and later completed is its
completion; a claim followed by the same person's completion is the completion; warnings recorded
at once are the last one; a missed deadline and its escalation are one line.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping, Sequence

from .card import recorded_fields
from .declarations import CaseDeclarations
from .names import Names
from .values import ShownValue
from ..runtime.views import AuditView

SILENT = frozenset({"element.completed", "timer.waiting", "timer.cancelled", "sla.started", "sla.met",
                    "sla.missed", "sla.cancelled", "sla.paused", "sla.resumed"})
FOLLOW_UPS = ("case.reported_upward", "case.marked", "customer.message", "customer.not_told")
MESSAGES = {  # audit event -> message id, where the event is told as it is
    "instance.completed": "case.completed", "instance.suspended": "case.suspended",
    "instance.resumed": "case.resumed", "instance.retried": "case.retried", "instance.repaired": "case.repaired",
    "task.unclaimed": "task.unclaimed", "task.reassigned": "task.reassigned", "task.delegated": "task.delegated",
    "task.cancelled": "task.cancelled", "task.claimed": "task.claimed", "sla.resume": "sla.resume",
}


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    message: str                     # e.g. "task.completed"; the web layer's catalogue words it
    params: dict[str, Any]           # named values the sentence shows (datetimes stay datetimes)
    actor: str | None = None         # the login of who acted; None when the system did
    changes: tuple[ShownValue, ...] = ()  # what the step recorded, as the case card shows it
    entries: tuple[int, ...] = field(default=())  # the audit entries the line tells


def case_history(entries: Sequence[AuditView], declared: CaseDeclarations, names: Names,
                 deadline_names: Mapping[str, str], task_groups: Mapping[str, str | None]) -> list[HistoryLine]:
    """`entries` oldest first, as the reader may see them (masked for supervisors); `deadline_names`:
    SLA policy id -> its name; `task_groups`: task id -> the group it was for."""
    return _Teller(entries, declared, names, deadline_names, task_groups).lines()


class _Teller:
    def __init__(self, entries: Sequence[AuditView], declared: CaseDeclarations, names: Names,
                 deadline_names: Mapping[str, str], task_groups: Mapping[str, str | None]):
        self.entries, self.declared, self.names, self.deadline_names = entries, declared, names, deadline_names
        self.task_groups = task_groups
        completed = [e for e in entries if e.event == "task.completed"]
        self.completed_tasks = {e.task_id for e in completed}
        self.completers = {(e.task_id, e.actor) for e in completed}

    def lines(self) -> list[HistoryLine]:
        told: list[HistoryLine] = []
        for index, entry in enumerate(self.entries):
            line = self._line(index, entry)
            if line is not None:
                told.append(line)
        return told

    def _line(self, index: int, entry: AuditView) -> HistoryLine | None:
        event, details = entry.event, entry.details or {}
        who = {"actor": self.names.person(entry.actor)}
        task = {"task": self.declared.element_name(entry.element_id)}
        if event in SILENT or self._told_by_a_later_entry(index, entry):
            return None
        if event == "instance.started":
            return self._told(entry, "case.started", **who, process=self.declared.process_name)
        if event == "task.completed":
            changes = recorded_fields(details.get("data"), self.declared.card_fields(entry.element_id or ""),
                                      self.declared, self.names, entry.element_id)
            return self._told(entry, "task.completed", changes, **who, **task)
        if event == "task.created":
            if entry.task_id in self.completed_tasks:
                return None
            holder = (self.names.person(details.get("assignee"))
                      or self.names.group(self.task_groups.get(entry.task_id or "")))
            return self._told(entry, "task.created" if holder else "task.created_unassigned", **task, holder=holder)
        if event in ("task.reassigned", "task.delegated"):
            return self._told(entry, MESSAGES[event], **who, **task, to=self.names.person(details.get("to")))
        if event.startswith("sla."):
            return self._deadline_line(index, entry, who)
        if event == "instance.terminated":
            reason = details.get("reason")
            return self._told(entry, "case.terminated" if reason else "case.terminated_no_reason", **who,
                              reason=reason)
        if event == "instance.error":
            return self._told(entry, "case.error", **task)
        if event in ("message.received", "signal.received"):
            return self._outside_event(index, entry, who)
        if event == "timer.fired":
            name = self.declared.element_names.get(entry.element_id or "")
            return self._told(entry, "timer.fired", event=name) if name else None
        if event in MESSAGES:
            return self._told(entry, MESSAGES[event], **who, **task)
        if event in FOLLOW_UPS:
            return self._follow_up(entry, details)
        return self._told(entry, "event.other", **who, event=event)

    def _follow_up(self, entry: AuditView, details: dict) -> HistoryLine:
        """What a process's reaction or a deadline's breach did besides the diagram, said with its particulars."""
        if entry.event == "case.reported_upward":
            return self._told(entry, "case.reported", level=details.get("level"),
                              group=self.names.group(details.get("group")))
        if entry.event == "case.marked":
            changed = details.get("changed") or {}
            return self._told(entry, "case.marked", recorded_fields(changed, list(changed), self.declared, self.names))
        if entry.event == "customer.message":
            return self._told(entry, "customer.told", channel=details.get("channel"))
        return self._told(entry, "customer.not_told")

    def _told(self, entry: AuditView, message: str, changes: tuple[ShownValue, ...] = (), **params: Any
              ) -> HistoryLine:
        actor = entry.actor if params.get("actor") else None
        return HistoryLine(entry.at, message, params, actor, changes, (entry.id,))

    def _told_by_a_later_entry(self, index: int, entry: AuditView) -> bool:
        """A claim the same person's completion tells; a warning a later one recorded at once tells."""
        if entry.event == "task.claimed":
            return (entry.task_id, entry.actor) in self.completers
        if entry.event == "sla.warning":
            policy = (entry.details or {}).get("policy")
            return any(later.event in ("sla.warning", "sla.breached") and later.at == entry.at
                       and (later.details or {}).get("policy") == policy for later in self._same_moment(index))
        if entry.event == "sla.escalated":
            policy = (entry.details or {}).get("policy")
            return any(earlier.event == "sla.breached" and (earlier.details or {}).get("policy") == policy
                       and earlier.at == entry.at and earlier.task_id == entry.task_id
                       for earlier in self.entries[max(0, index - 3):index])
        return False

    def _same_moment(self, index: int) -> list[AuditView]:
        at = self.entries[index].at
        later = []
        for entry in self.entries[index + 1:]:
            if entry.at != at:
                break
            later.append(entry)
        return later

    def _deadline_line(self, index: int, entry: AuditView, who: dict) -> HistoryLine | None:
        details = entry.details or {}
        deadline = self.deadline_names.get(details.get("policy"), details.get("policy") or "")
        if entry.event == "sla.warning":
            threshold = details.get("threshold") or 0
            return self._told(entry, "sla.warning", deadline=deadline, percent=f"{round(threshold * 100)}%")
        if entry.event == "sla.breached":
            escalation = next((later for later in self._same_moment(index) if later.event == "sla.escalated"
                               and (later.details or {}).get("policy") == details.get("policy")), None)
            if escalation is None:
                return self._told(entry, "sla.breached", deadline=deadline)
            line = self._told(entry, "sla.breached_escalated", deadline=deadline,
                              to=self.names.group((escalation.details or {}).get("to")))
            return HistoryLine(line.at, line.message, line.params, None, (), (entry.id, escalation.id))
        if entry.event == "sla.escalated":
            return self._told(entry, "sla.escalated", deadline=deadline, to=self.names.group(details.get("to")))
        if entry.event == "sla.pause":
            reason = details.get("reason")
            return self._told(entry, "sla.pause" if reason else "sla.pause_no_reason", **who, reason=reason)
        if entry.event == "sla.recomputed":
            due = details.get("due_at")
            return self._told(entry, "sla.recomputed", deadline=deadline,
                              due=datetime.fromisoformat(due) if isinstance(due, str) else due)
        if entry.event in MESSAGES:
            return self._told(entry, MESSAGES[entry.event], **who)
        return None

    def _outside_event(self, index: int, entry: AuditView, who: dict) -> HistoryLine | None:
        """A message or signal, named by the event of the diagram that caught it (when it has a name)."""
        if not self.names.is_person(entry.actor):
            return None
        caught = next((later for later in self._same_moment(index) if later.event == "element.completed"
                       and "Event" in str((later.details or {}).get("type", ""))
                       and self.declared.element_names.get(later.element_id or "")), None)
        named = self.declared.element_names.get(caught.element_id or "") if caught else None
        sent = (entry.details or {}).get("message") or (entry.details or {}).get("signal") or ""
        return self._told(entry, "case.event", **who, event=named or sent)
