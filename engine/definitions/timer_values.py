"""Timer definitions as the BPMN standard writes them, checked and made runnable before parsing.

SpiffWorkflow evaluates a timer's text as a Python expression, so the ISO 8601 literal a modeler
writes (`P7D`, `R3/PT1H`, `2027-01-01T09:00:00+08:00`) would be a NameError or a SyntaxError at
run time. Here such a literal becomes the quoted string the engine evaluates; an expression
(`workdays(15)`, `"PT1H"`) stays as it is. A timer with no time, or a constant that is not a
date, duration or cycle of its kind, is a problem before anything is deployed.
"""
from __future__ import annotations

import ast
import re

from lxml import etree
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from ..errors import DefinitionProblem
from .xml_guard import BPMN_NS

_NUMBER = r"\d+(?:[.,]\d+)?"
_DURATION = (rf"P(?=[\dT])(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}W)?(?:{_NUMBER}D)?"
             rf"(?:T(?=\d)(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?")
_DATE_TIME = r"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
_CYCLE = rf"R\d*/(?:{_DURATION}|{_DATE_TIME})(?:/(?:{_DURATION}|{_DATE_TIME}))?"
LITERALS = {"timeDate": re.compile(_DATE_TIME), "timeDuration": re.compile(_DURATION),
            "timeCycle": re.compile(_CYCLE)}
_NAMES = {"timeDate": "a date-time such as 2027-01-01T09:00:00+08:00",
          "timeDuration": "a duration such as P7D or PT1H", "timeCycle": "a cycle such as R3/PT1H"}


def literal_kind(text: str) -> str | None:
    """Which timer element's ISO 8601 form `text` has (timeDate, timeDuration, timeCycle), if any."""
    return next((kind for kind, pattern in LITERALS.items() if pattern.fullmatch(text)), None)


def value_problem(kind: str, value: object) -> str | None:
    """Why `value` (a constant of a timer of `kind`) cannot be used, or None."""
    needs = f"a {kind} needs {_NAMES[kind]}"
    found = literal_kind(value.strip()) if isinstance(value, str) else None
    if found is None:
        return f"is {value!r}: not a date, duration or cycle ({needs})"
    if found != kind:
        return f"is {value!r}, which belongs in a {found} ({needs})"
    try:
        if kind == "timeDate":
            TimerEventDefinition.get_datetime(value.strip())
        elif kind == "timeDuration":
            TimerEventDefinition.parse_iso_duration(value.strip())
        else:
            TimerEventDefinition.parse_iso_recurring_interval(value.strip())
    except Exception as exc:  # the engine's own parser decides what it can run
        return f"is {value!r}, which is not a valid {kind} ({exc})"
    return None


def _timers(tree: etree._ElementTree):
    for definition in tree.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        event = definition.getparent()
        times = [child for child in definition if etree.QName(child).localname in LITERALS]
        yield definition, event.get("id") if event is not None else None, times


def timer_problems(file_name: str, tree: etree._ElementTree) -> list[DefinitionProblem]:
    """Timers with no time, and timers whose constant value is not a date, duration or cycle of their kind."""
    problems = []
    for definition, event_id, times in _timers(tree):
        def problem(message: str, at: etree._Element, code: str, **params: str) -> None:
            problems.append(DefinitionProblem(file_name, message, line=at.sourceline, element_id=event_id,
                                              code=code, params=params))

        if not times:
            problem(f"the timer of event {event_id} has no time: give it a timeDate, timeDuration or timeCycle",
                    definition, "timer.no_time")
        for element in times:
            kind = etree.QName(element).localname
            text = (element.text or "").strip()
            if not text:
                problem(f"the {kind} of event {event_id} is empty: write {_NAMES[kind]}, or an expression", element,
                        "timer.empty", kind=kind)
                continue
            if literal_kind(text) is not None:
                objection = value_problem(kind, text)
            else:
                try:
                    objection = value_problem(kind, ast.literal_eval(text))
                except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                    objection = None  # an expression: its value is known when it runs
            if objection:
                problem(f"the {kind} of event {event_id} {objection}", element, "timer.value", kind=kind, value=text)
    return problems


def quote_iso_literals(tree: etree._ElementTree) -> int:
    """Turn each bare ISO 8601 literal of a timer into the quoted string SpiffWorkflow evaluates."""
    quoted = 0
    for _definition, _event_id, times in _timers(tree):
        for element in times:
            text = (element.text or "").strip()
            if len(element) == 0 and text and literal_kind(text) is not None:
                element.text = f'"{text}"'
                quoted += 1
    return quoted
