"""The read side: what every page, API GET and CLI listing reads about cases, tasks, processes and SLAs.

`Engine.reads` (a `CaseReads`) answers for one person, with the visibility rule and the supervisors'
mask applied: a task with its case card and history (`task`), a case (`instance`), its card, its
diagram and where it stands on it, the cases a person may list. The views and list queries below
are the vocabulary of those answers; web/ and cli/ import them from here, never from the engine's
modules (tests/test_architecture.py).

Besides a case: a first responder's own cases and a caller's (`own_cases`), a team's late tasks and chases
and a department's figures (`department`), the accounts and groups the administration lists
(`records`), the deployed processes, their versions and files and who released which (`definitions`),
and the figures `/metrics` reports (`operations`).

The case card (`CaseCard`) is declared by the forms: a form's top-level `"x-case-card"` lists its
fields the card shows (`declarations`). The history is a list of `HistoryLine`s, message ids with
named parameters that the web layer words in the reader's language.
"""
from ..people.inbox_query import SCOPES, InboxFilter
from ..people.inbox_query import SLA_STANDINGS as TASK_STANDINGS
from ..people.desk import InboxRow
from ..runtime.element_stats import ElementHeat, ElementStatus, definition_source, has_layout, process_heat
from ..runtime.instance_search import SLA_STANDINGS as INSTANCE_STANDINGS
from ..runtime.instance_search import (InstanceFilter, InstancePage, ListedInstance, ProcessVersion, count_by_state,
                                       instance_state, process_versions)
from ..runtime.queries import INSTANCE_STATES, MAX_PAGE, TASK_STATES, Page, list_instances, list_tasks
from ..runtime.views import AuditView, InstanceView, TaskView, to_json
from ..sla.reports import STANDINGS as SLA_STANDINGS
from ..sla.reports import (CalendarOutlook, DepartmentMonth, OpenSla, calendar_outlook, department_month,
                           month_bounds, open_slas)
from .card import CardSection, CaseCard, Deadline, Holder
from .cases import CaseReads, InstanceRead, TaskRead
from .declarations import CARD_KEY, CaseDeclarations
from .definitions import (DefinitionVersion, DeployedFile, UserTask, VersionFiles, VersionRecord, definition_versions,
                          deployed_file, deployed_files, deployed_versions, latest_definitions, latest_version_files,
                          latest_versions_using, newest_file_named, version_history)
from .department import (ChaseTask, LateTask, RemindedTask, case_keys, cases_by_state, chase_tasks, chased_elements,
                         department_groups, late_tasks, leads_team, often_reminded, overseen_department)
from .history import HistoryLine
from .operations import ServiceFigures, service_figures
from .own_cases import CallerCase, OwnedCase, caller_case, caller_cases, owned_cases
from .records import (Account, account, accounts, active_members, group_exists, has_accounts, open_task_count,
                      people_names)
from .values import KINDS as VALUE_KINDS
from .values import ShownValue

__all__ = [
    "DefinitionVersion", "DeployedFile", "UserTask", "VersionFiles", "VersionRecord", "definition_versions",
    "deployed_file", "deployed_files", "deployed_versions", "latest_definitions", "latest_version_files",
    "latest_versions_using", "newest_file_named", "version_history",
    "Account", "CallerCase", "ChaseTask", "LateTask", "OwnedCase", "ServiceFigures", "account", "accounts",
    "active_members", "caller_case", "caller_cases", "case_keys", "cases_by_state", "chase_tasks",
    "chased_elements", "department_groups", "group_exists", "has_accounts", "late_tasks", "leads_team",
    "often_reminded", "open_task_count", "overseen_department", "owned_cases", "people_names", "RemindedTask",
    "service_figures",
    "AuditView", "CARD_KEY", "CalendarOutlook", "CardSection", "CaseCard", "CaseDeclarations", "CaseReads",
    "Deadline", "DepartmentMonth", "ElementHeat", "ElementStatus", "HistoryLine", "Holder", "INSTANCE_STANDINGS",
    "INSTANCE_STATES", "InboxFilter", "InboxRow", "InstanceFilter", "InstancePage", "InstanceRead", "InstanceView",
    "ListedInstance", "MAX_PAGE", "OpenSla", "Page", "ProcessVersion", "SCOPES", "SLA_STANDINGS", "ShownValue",
    "TASK_STANDINGS", "TASK_STATES", "TaskRead", "TaskView", "VALUE_KINDS", "calendar_outlook", "count_by_state",
    "definition_source", "department_month", "has_layout", "instance_state", "list_instances", "list_tasks",
    "month_bounds", "open_slas", "process_heat", "process_versions", "to_json",
]
