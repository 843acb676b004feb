"""The kinds of notification and which of them go by mail unless a person chose otherwise."""
from __future__ import annotations

TASK_ASSIGNED = "task.assigned"        # a task landed in a person's own inbox (its assignee)
TASK_FOR_GROUP = "task.group"          # a task landed in the inbox of a group the person works
SLA_WARNING = "sla.warning"            # a deadline passed a warning threshold (R-SLA-10)
SLA_BREACHED = "sla.breached"          # a deadline was missed and escalated (R-SLA-09)
SUPERVISOR_ANSWERED = "supervisor.answered"  # the company answered a supervisor's report (R-SUP-06)

KINDS = (TASK_ASSIGNED, TASK_FOR_GROUP, SLA_WARNING, SLA_BREACHED, SUPERVISOR_ANSWERED)

# Group inboxes and warnings are frequent: in-app only unless a person asks for mail.
DEFAULT_BY_MAIL = {TASK_ASSIGNED: True, TASK_FOR_GROUP: False, SLA_WARNING: False, SLA_BREACHED: True,
                   SUPERVISOR_ANSWERED: True}
