"""SLA policies are data: which deadline applies to a task or a stretch of a process, chosen by the
case's attributes (first matching rule wins), counted in plain hours, working days or duty hours.

A policy file (JSON) for one process::

    {"process_id": "complaint",
     "policies": [
       {"id": "sign_for", "name": "签收 within 2 h", "starts": "sign_for", "ends": "sign_for",
        "rules": [{"target": {"amount": 2, "unit": "hours"}}],
        "warnings": [0.5, 0.75], "escalate_to": "team_lead", "signal": "sign_for_overdue"},
       {"id": "reply", "starts": "reply", "ends": "reply",
        "rules": [{"when": {"key_customer": true}, "target": {"amount": 8, "unit": "hours"}},
                  {"when": {"urgency": "特急"}, "target": {"amount": 10, "unit": "hours"}},
                  {"target": {"amount": 24, "unit": "hours"}}]}]}

`starts` / `ends` name the element whose task creation starts the clock and whose completion
stops it; "process" means the instance's start or end. `"measures": "work_order"` marks the one
policy whose clock is a work order's handling (dispatch to final reply): the monthly figures (on-time
rate, average handling time, the vendor assessment) count one work order per such SLA. A `when` matches when every key equals the
case's value (a list means any of its values).

A target may instead be a moment the case holds (`{"field": "source_deadline"}`, unit "deadline"): an
outside body's own deadline (R-CMP-09); a case without it gets no such SLA.

An amount, or the warnings, may name one of the branch's settings instead of a number
(`{"amount": "sign_for_hours", "unit": "hours"}`, `"warnings": "sla_warnings"`): the number is the
branch's when the policy is read, so a policy file shipped with a diagram holds no number of its own.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Mapping

from ..calendar.working_days import DutyHours, WorkingDayCalendar
from ..documents import load_json_object
from ..errors import InvalidInputError

Unit = Literal["hours", "workdays", "duty_hours", "deadline"]
UNITS = ("hours", "workdays", "duty_hours")
DEADLINE = "deadline"  # the unit of a target read from the case (`field`)
PROCESS = "process"
DEFAULT_WARNINGS = "sla_warnings"  # without "warnings", a policy warns at the branch's shares (R-SLA-10)


@dataclass(frozen=True)
class Target:
    amount: float
    unit: Unit
    setting: str | None = None  # the branch setting the amount was read from
    field: str | None = None  # a deadline the case holds, e.g. an outside body's (unit "deadline")

    def __str__(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount} {self.unit.replace('_', ' ')}"


@dataclass(frozen=True)
class Rule:
    when: dict[str, Any]
    target: Target
    escalate_to: str | None = None  # overrides the policy's, e.g. key customers (R-SLA-08)

    def matches(self, attributes: dict[str, Any]) -> bool:
        for key, expected in self.when.items():
            actual = attributes.get(key)
            if isinstance(expected, list) and actual not in expected:
                return False
            if not isinstance(expected, list) and actual != expected:
                return False
        return True


@dataclass(frozen=True)
class SlaPolicy:
    id: str
    process_id: str
    name: str
    starts: str
    ends: str
    rules: tuple[Rule, ...]
    warnings: tuple[float, ...] = ()
    escalate_to: str | None = None
    signal: str | None = None
    warnings_setting: str | None = None
    on_breach: dict[str, Any] | None = None  # see `_on_breach`
    measures: str | None = None  # "work_order": this policy's SLAs are the work orders counted by the figures

    def rule_for(self, attributes: dict[str, Any]) -> Rule | None:
        return next((rule for rule in self.rules if rule.matches(attributes)), None)


@dataclass(frozen=True)
class Due:
    at: datetime
    provisional: bool
    unknown_years: tuple[int, ...] = ()  # the years it was counted on provisionally


def due_time(target: Target, start: datetime, calendar: WorkingDayCalendar, duty: DutyHours) -> Due:
    if target.unit == "workdays":
        deadline = calendar.add_workdays(start, int(target.amount))
        return Due(deadline.at, deadline.provisional, deadline.unknown_years)
    if target.unit == "duty_hours":
        return Due(duty.add(start, target.amount), False)
    return Due(start + timedelta(hours=target.amount), False)


def parse_policies(name: str, content: bytes, numbers: Mapping[str, Any] | None = None
                   ) -> tuple[str, list[SlaPolicy]]:
    """The process id and its policies from a policy file; InvalidInputError names what is wrong.
    With `numbers` (the branch's settings), a named amount that is no setting is refused too."""
    document = load_json_object(name, content)
    if not isinstance(document.get("process_id"), str):
        raise InvalidInputError(f"{name}: needs \"process_id\" and a list of \"policies\"")
    process_id, items = document["process_id"], document.get("policies")
    if not isinstance(items, list) or not items:
        raise InvalidInputError(f"{name}: \"policies\" must be a non-empty list")
    policies, seen = [], set()
    for index, item in enumerate(items):
        where = f"{name}: policy {index + 1}"
        try:
            policy = policy_from_dict(process_id, item, numbers)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(f"{where}: {exc}") from None
        if policy.id in seen:
            raise InvalidInputError(f"{where}: id {policy.id!r} is used twice")
        seen.add(policy.id)
        policies.append(policy)
    return process_id, policies


def _number(value: Any, numbers: Mapping[str, Any] | None, what: str) -> tuple[Any, str | None]:
    """A number given, or the branch's setting named (a placeholder when the settings are not at hand)."""
    if not isinstance(value, str):
        return value, None
    if numbers is None:
        return None, value
    if value not in numbers:
        raise ValueError(f"{what} names {value!r}, which is no setting of the branch")
    return numbers[value], value


def policy_from_dict(process_id: str, item: dict, numbers: Mapping[str, Any] | None = None) -> SlaPolicy:
    if not isinstance(item, dict):
        raise TypeError("must be an object")
    rules = []
    for rule in item["rules"]:
        target = rule["target"]
        if "field" in target:
            rules.append(_deadline_rule(rule, target["field"]))
            continue
        if target.get("unit") not in UNITS:
            raise ValueError(f"target unit must be one of {', '.join(UNITS)}")
        raw, setting = _number(target["amount"], numbers, "target amount")
        amount = 1.0 if raw is None else float(raw)
        if amount <= 0:
            raise ValueError("target amount must be positive")
        when = rule.get("when", {})
        if not isinstance(when, dict):
            raise TypeError("\"when\" must be an object")
        rules.append(Rule(when, Target(amount, target["unit"], setting), rule.get("escalate_to")))
    if not rules:
        raise ValueError("needs at least one rule")
    shares, warnings_setting = _number(item.get("warnings", DEFAULT_WARNINGS), numbers, "warnings")
    if isinstance(shares, str):
        shares = shares.split(",")
    warnings = tuple(sorted(float(w) for w in (shares or ())))
    if any(not 0 < w < 1 for w in warnings):
        raise ValueError("warnings are shares of the allowed time, between 0 and 1")
    starts = str(item.get("starts", PROCESS))
    return SlaPolicy(id=str(item["id"]), process_id=process_id, name=str(item.get("name") or item["id"]),
                     starts=starts, ends=str(item.get("ends", starts)), rules=tuple(rules), warnings=warnings,
                     escalate_to=item.get("escalate_to"), signal=item.get("signal"),
                     measures=_measures(item.get("measures")), warnings_setting=warnings_setting,
                     on_breach=_on_breach(item.get("on_breach")))


def _deadline_rule(rule: dict, field: Any) -> Rule:
    if not isinstance(field, str) or not field:
        raise ValueError("a target's \"field\" names the case field holding the deadline")
    return Rule(dict(rule.get("when", {})), Target(0.0, DEADLINE, field=field), rule.get("escalate_to"))


MEASURES = ("work_order",)


def _measures(value: Any) -> str | None:
    if value is not None and value not in MEASURES:
        raise ValueError(f"\"measures\" must be one of {', '.join(MEASURES)}")
    return value


CHANNELS = ("sms", "mail")


def _on_breach(value: Any) -> dict[str, Any] | None:
    """What a breach does to the case besides escalating: `{"set": {field: value}}` marks the case's data
    at that moment (e.g. appealable, R-SLA-02); `{"tell_customer": {"channel": "sms", "to": field,
    "text": "... {case} ..."}}` queues a message to the customer for the gateway, its text filled from
    the case's data, its key (`case`) and the branch's settings."""
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= {"set", "tell_customer"}:
        raise ValueError("\"on_breach\" is an object with \"set\" and/or \"tell_customer\"")
    if not isinstance(value.get("set", {}), dict):
        raise TypeError("\"on_breach\".\"set\" must be an object of field names and values")
    message = value.get("tell_customer")
    if message is not None:
        if not isinstance(message, dict) or message.get("channel") not in CHANNELS:
            raise ValueError(f"\"tell_customer\" needs a channel ({', '.join(CHANNELS)})")
        if not all(isinstance(message.get(key), str) and message[key] for key in ("to", "text")):
            raise ValueError("\"tell_customer\" needs \"to\" (the case field with the address) and \"text\"")
    return value


def policy_to_dict(policy: SlaPolicy) -> dict:
    return {"id": policy.id, "name": policy.name, "starts": policy.starts, "ends": policy.ends,
            "rules": [{"when": r.when, "target": {"field": r.target.field} if r.target.field else {
                "amount": r.target.setting or r.target.amount, "unit": r.target.unit},
                       "escalate_to": r.escalate_to} for r in policy.rules],
            "warnings": policy.warnings_setting or list(policy.warnings), "escalate_to": policy.escalate_to,
            "signal": policy.signal,
            **({"measures": policy.measures} if policy.measures else {}),
            **({"on_breach": policy.on_breach} if policy.on_breach else {})}
