"""Notifications: in-app for everyone concerned, by mail for those who chose it.

`Notifier` (built by the engine) writes rows with the step that caused them; `MailDelivery`,
run by the timer worker, sends the outbox through `SmtpMailer`. `inapp` and `preferences` are
what the web app reads and writes. `name_in` reads a diagram's "中文 English" names in one reader's
language, for notifications and pages alike. Importing this package registers its tables on the metadata.
"""
from ..names import name_in
from . import tables
from .customer import customer_messages
from .inapp import NotificationPage, NotificationView, get_for, list_for, mark_read, unread_count
from .kinds import (CASE_REMINDED, CASE_REPORTED, DEFAULT_BY_MAIL, KINDS, REMINDERS_PILED_UP, SLA_BREACHED,
                    SLA_WARNING, SUPERVISOR_ANSWERED, TASK_ASSIGNED, TASK_FOR_GROUP)
from .mailer import MailError, SmtpMailer
from .notifier import Notifier
from .outbox import MailDelivery
from .preferences import mail_choices, set_mail_choices

__all__ = ["CASE_REMINDED", "CASE_REPORTED", "DEFAULT_BY_MAIL", "KINDS", "MailDelivery", "MailError",
           "NotificationPage", "NotificationView", "REMINDERS_PILED_UP",
           "Notifier", "SLA_BREACHED", "SLA_WARNING", "SUPERVISOR_ANSWERED", "SmtpMailer", "TASK_ASSIGNED",
           "TASK_FOR_GROUP", "customer_messages", "get_for", "list_for", "mail_choices", "mark_read", "name_in", "set_mail_choices",
           "tables", "unread_count"]
