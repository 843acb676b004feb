"""What a notification says, in the recipient's language (zh_CN or en); mail and in-app use the same words."""
from __future__ import annotations

from typing import Any

from ..names import name_in
from .kinds import (CASE_REMINDED, CASE_REPORTED, REMINDERS_PILED_UP, SLA_BREACHED, SLA_WARNING, SUPERVISOR_ANSWERED,
                    TASK_ASSIGNED, TASK_FOR_GROUP)

_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "zh_CN": {
        TASK_ASSIGNED: ("新待办：{task}（{case}）",
                        "任务“{task}”（{case}）已进入您的待办。{due_line}"),
        TASK_FOR_GROUP: ("{group} 新待办：{task}（{case}）",
                         "任务“{task}”（{case}）已进入 {group} 组的待办，请认领处理。{due_line}"),
        SLA_WARNING: ("时限预警：{sla}（{case}）",
                      "“{sla}”（{case}）已用去 {percent}% 的时限，截止 {due}。"),
        SLA_BREACHED: ("已超时：{sla}（{case}）",
                       "“{sla}”（{case}）已于 {due} 超时，已升级至 {to}。"),
        SUPERVISOR_ANSWERED: ("监督员反馈已答复：{report}",
                              "您提交的“{report}”已得到答复。{summary}"),
        CASE_REMINDED: ("催办：{case}（第 {count} 次）",
                        "客户再次来电催促投诉 {case}，这是第 {count} 次催办，请尽快处理。"),
        REMINDERS_PILED_UP: ("催办升级：{case} 已催办 {count} 次",
                             "投诉 {case} 已被客户催办 {count} 次，仍未办结，请督促处理。"),
        CASE_REPORTED: ("逐级上报：{case}",
                        "投诉 {case} 已逐级上报（第 {level} 级：{group}），派单前请知悉。"),
    },
    "en": {
        TASK_ASSIGNED: ("New task: {task} ({case})",
                        "The task \"{task}\" ({case}) is in your inbox.{due_line}"),
        TASK_FOR_GROUP: ("New task for {group}: {task} ({case})",
                         "The task \"{task}\" ({case}) is in the inbox of {group}; claim it to work on it.{due_line}"),
        SLA_WARNING: ("Deadline warning: {sla} ({case})",
                      "\"{sla}\" ({case}) has used {percent}% of its allowed time; it is due {due}."),
        SLA_BREACHED: ("Deadline missed: {sla} ({case})",
                       "\"{sla}\" ({case}) was due {due} and has been escalated to {to}."),
        SUPERVISOR_ANSWERED: ("Your report was answered: {report}",
                              "The company answered your report \"{report}\". {summary}"),
        CASE_REMINDED: ("Reminder: {case} (number {count})",
                        "The customer called again about {case}: reminder number {count}. Please hurry it."),
        REMINDERS_PILED_UP: ("Reminders piling up: {case} chased {count} times",
                             "The customer has chased {case} {count} times and it is still open: please see to it."),
        CASE_REPORTED: ("Reported upward: {case}",
                        "The complaint {case} is reported level by level (level {level}: {group}); "
                        "be aware before it is dispatched."),
    },
}
NAMES = ("task", "sla", "report")  # written "中文 English": the reader's half
_DUE = {"zh_CN": " 截止 {due}。", "en": " Due {due}."}


def render(kind: str, locale: str, params: dict[str, Any]) -> tuple[str, str]:
    """The title and body of a notification for one reader."""
    texts = _TEXTS.get(locale) or _TEXTS["zh_CN"]
    values = {key: ("" if value is None else name_in(locale, value) if key in NAMES else value)
              for key, value in params.items()}
    due = values.get("due")
    values.setdefault("due_line", _DUE.get(locale, _DUE["zh_CN"]).format(due=due) if due else "")
    title, body = texts[kind]
    return title.format_map(_Blank(values))[:500], body.format_map(_Blank(values)).strip()


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""
