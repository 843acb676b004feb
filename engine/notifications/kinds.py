"""The kinds of notification and which of them go by mail unless a person chose otherwise."""
from __future__ import annotations

TASK_ASSIGNED = "task.assigned"        # a task landed in a person's own inbox (its assignee)
TASK_FOR_GROUP = "task.group"          # a task landed in the inbox of a group the person works
SLA_WARNING = "sla.warning"            # a deadline passed a warning threshold (R-SLA-10)
SLA_BREACHED = "sla.breached"          # a deadline was missed and escalated (R-SLA-09)
SUPERVISOR_ANSWERED = "supervisor.answered"  # the company answered a supervisor's report (R-SUP-06)
CASE_REMINDED = "case.reminded"        # the customer chased an open case (催办, R-CMP-06): its handlers
REMINDERS_PILED_UP = "case.reminders_piled_up"  # a case was chased the set number of times: its team lead
CASE_REPORTED = "case.reported"        # a major or over-the-head complaint reported up the chain (R-CMP-05)

KINDS = (TASK_ASSIGNED, TASK_FOR_GROUP, SLA_WARNING, SLA_BREACHED, SUPERVISOR_ANSWERED, CASE_REMINDED,
         REMINDERS_PILED_UP, CASE_REPORTED)

# Told as the one a case escalates or is reported to: they may open the case (engine.people.visibility).
ESCALATIONS = (SLA_BREACHED, REMINDERS_PILED_UP, CASE_REPORTED)

# Group inboxes and warnings are frequent: in-app only unless a person asks for mail.
DEFAULT_BY_MAIL = {TASK_ASSIGNED: True, TASK_FOR_GROUP: False, SLA_WARNING: False, SLA_BREACHED: True,
                   SUPERVISOR_ANSWERED: True, CASE_REMINDED: False, REMINDERS_PILED_UP: True, CASE_REPORTED: True}
