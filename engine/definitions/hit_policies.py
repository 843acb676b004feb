"""DMN hit policies as sqflow runs them, checked at deploy.

SpiffWorkflow 3.2 evaluates a table's rules in order: UNIQUE stops at the first match, COLLECT
collects every match, and any other policy returns the first match. So:
- UNIQUE: run as is; two rules that can both match are refused where that is decidable (every
  input cell a literal, a list of literals, a comparison with a number, a range, or "any");
- FIRST: the first match, which is what DMN means;
- PRIORITY: the rules are put in priority order (their outputs' positions in the outputs' lists
  of allowed values) at deploy, so the first match is the one of highest priority;
- ANY: the first match, refused where two rules can both match with different outputs;
- COLLECT without an aggregation: every match, as lists;
- RULE ORDER, OUTPUT ORDER and COLLECT with an aggregation (SUM, COUNT, MIN, MAX) are refused.
Cells written in FEEL's simplest forms (`true`, `[1..5]`, `"a","b"`, `not("a")`) are read as the
Python the engine evaluates (`feel_cell`).
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from lxml import etree

from ..errors import DefinitionProblem
from .camunda_io import DecisionShape
from .problems import coded

RUN = {"UNIQUE", "FIRST", "PRIORITY", "ANY", "COLLECT"}
_RANGE = re.compile(r"^([\[\]\(])\s*(-?[\d.]+)\s*\.\.\s*(-?[\d.]+)\s*([\[\]\)])$")
_FEEL_WORDS = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|\b(true|false|null)\b""")


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element, local: str) -> list[etree._Element]:
    return [c for c in element if _local(c) == local]


def feel_cell(cell: str) -> str:
    """An input cell in FEEL's simple unary-test forms, as the Python SpiffWorkflow evaluates."""
    text = cell.strip()
    if text in ("", "-"):
        return text
    ranged = _RANGE.match(text)
    if ranged:
        low, lo, hi, high = ranged.groups()
        return f"{lo} {'<=' if low == '[' else '<'} ? {'<=' if high == ']' else '<'} {hi}"
    negated = re.fullmatch(r"not\s*\((.*)\)", text, re.DOTALL)
    if negated and _is_literal_list(negated.group(1)):
        return f"not in ({negated.group(1)},)"
    if "," in text and _is_literal_list(text):
        return f"in ({text},)"
    return _FEEL_WORDS.sub(lambda m: m.group(1) or {"true": "True", "false": "False", "null": "None"}[m.group(2)],
                           text)


def _is_literal_list(text: str) -> bool:
    try:
        value = ast.literal_eval(f"({text},)")
    except (ValueError, SyntaxError):
        return False
    return isinstance(value, tuple) and all(isinstance(v, (str, int, float)) for v in value)


def prepare_dmn(tree: etree._ElementTree) -> None:
    """Give each decision table an id (SpiffWorkflow needs one) and read FEEL input cells."""
    for table in tree.iter():
        if _local(table) != "decisionTable":
            continue
        if not table.get("id"):
            decision = table.getparent()
            table.set("id", f"{decision.get('id')}_table")
        for entry in table.iter():
            if _local(entry) == "inputEntry":
                text = next(iter(_children(entry, "text")), None)
                if text is not None and text.text:
                    text.text = feel_cell(text.text)


def decision_shapes(trees: list[etree._ElementTree]) -> dict[str, DecisionShape]:
    """Decision id -> its outputs and whether it collects (what a business rule task's result holds)."""
    shapes = {}
    for tree in trees:
        for decision in tree.iter():
            if _local(decision) != "decision":
                continue
            table = next(iter(_children(decision, "decisionTable")), None)
            if table is None:
                continue
            outputs = tuple(o.get("name") or o.get("id") for o in _children(table, "output"))
            shapes[decision.get("id")] = DecisionShape(outputs, (table.get("hitPolicy") or "UNIQUE") == "COLLECT")
    return shapes


@dataclass(frozen=True)
class _Cell:
    """What an input cell accepts: any value, a set of values, an interval, or unknown."""
    values: frozenset | None = None
    low: float | None = None
    high: float | None = None
    known: bool = True

    def meets(self, other: "_Cell") -> bool | None:
        if not self.known or not other.known:
            return None
        if self.values is not None and other.values is not None:
            return bool(self.values & other.values)
        if self.values is not None:
            return any(other.holds(v) for v in self.values)
        if other.values is not None:
            return any(self.holds(v) for v in other.values)
        return max(self.low, other.low) <= min(self.high, other.high)

    def holds(self, value: object) -> bool:
        return isinstance(value, (int, float)) and self.low <= value <= self.high


_ANY = _Cell(low=float("-inf"), high=float("inf"))
_COMPARISON = re.compile(r"^(<=|>=|<|>|==)\s*(-?\d+(?:\.\d+)?)$")
_BETWEEN = re.compile(r"^(-?[\d.]+)\s*(<=?)\s*\?\s*(<=?)\s*(-?[\d.]+)$")


def _cell(text: str) -> _Cell:
    text = text.strip()
    if not text:
        return _ANY
    try:
        value = ast.literal_eval(text)
        if isinstance(value, (str, int, float, bool)):
            return _Cell(values=frozenset([value]))
    except (ValueError, SyntaxError):
        pass
    if text.startswith("in ("):
        try:
            return _Cell(values=frozenset(ast.literal_eval(text[3:])))
        except (ValueError, SyntaxError, TypeError):
            return _Cell(known=False)
    compared = _COMPARISON.match(text)
    if compared:
        op, number = compared.group(1), float(compared.group(2))
        step = 1e-9 if op in "<>" else 0
        return {"<": _Cell(low=float("-inf"), high=number - step), "<=": _Cell(low=float("-inf"), high=number),
                ">": _Cell(low=number + step, high=float("inf")), ">=": _Cell(low=number, high=float("inf")),
                "==": _Cell(values=frozenset([number]))}[op]
    between = _BETWEEN.match(text)
    if between:
        lo, op_lo, op_hi, hi = between.groups()
        return _Cell(low=float(lo) + (1e-9 if op_lo == "<" else 0), high=float(hi) - (1e-9 if op_hi == "<" else 0))
    return _Cell(known=False)


def _example(cells: list[tuple[str, _Cell, _Cell]]) -> str:
    parts = []
    for label, first, second in cells:
        if first.values is not None or second.values is not None:
            chosen = next(iter((first.values or second.values) & (second.values or first.values)
                               if first.values is not None and second.values is not None
                               else (first.values or second.values)))
            parts.append(f"{label} = {chosen!r}")
        elif first.low != float("-inf") or second.low != float("-inf"):
            parts.append(f"{label} = {max(first.low, second.low):g}")
    return ", ".join(parts) or "any input"


def _overlapping(table) -> list[tuple[object, object, str]]:
    """Pairs of rules that surely can both match, with an input showing it."""
    labels = [column.label or column.name or column.expression or column.id for column in table.inputs]
    pairs = []
    rules = table.rules
    for i, first in enumerate(rules):
        for second in rules[i + 1:]:
            cells = []
            for index, label in enumerate(labels):
                a, b = _cell(_first_cell(first, index)), _cell(_first_cell(second, index))
                cells.append((label, a, b))
            if all(a.meets(b) for _, a, b in cells):
                pairs.append((first, second, _example(cells)))
    return pairs


def _first_cell(rule, index: int) -> str:
    entries = rule.inputEntries
    if index >= len(entries) or not entries[index].lhs:
        return ""
    return entries[index].lhs[0] or ""


def check_table(decision, file_name: str, tree: etree._ElementTree) -> list[DefinitionProblem]:
    """Refuse what the table's hit policy would not do; put PRIORITY tables' rules in priority order."""
    table = decision.decisionTables[0]
    element = _by_id(tree, decision.id)
    policy = (table.hit_policy or "UNIQUE").upper()
    aggregation = _table_element(element).get("aggregation") if element is not None else None
    if policy not in RUN:
        return [coded("dmn.hit_policy", file_name, element, element_id=decision.id, policy=policy)]
    if policy == "COLLECT" and aggregation:
        return [coded("dmn.aggregation", file_name, element, element_id=decision.id, aggregation=aggregation)]
    if policy == "UNIQUE":
        return [coded("dmn.unique_overlap", file_name, element, element_id=decision.id, first=first.row_number,
                      second=second.row_number, example=example)
                for first, second, example in _overlapping(table)[:3]]
    if policy == "ANY":
        return [coded("dmn.any_conflict", file_name, element, element_id=decision.id, first=first.row_number,
                      second=second.row_number)
                for first, second, _ in _overlapping(table)
                if [e.text for e in first.outputEntries] != [e.text for e in second.outputEntries]][:3]
    if policy == "PRIORITY":
        return _priority_order(table, file_name, element, decision.id)
    return []


def _priority_order(table, file_name: str, element, decision_id: str) -> list[DefinitionProblem]:
    orders = []
    for index, column in enumerate(_children(_table_element(element), "output")):
        values = column.xpath("./*[local-name()='outputValues']/*[local-name()='text']/text()")
        listed = [v.strip() for v in ",".join(values).split(",") if v.strip()]
        if not listed:
            return [coded("dmn.priority_values", file_name, element, element_id=decision_id,
                          output=column.get("name") or column.get("id"))]
        orders.append((index, listed))

    def rank(rule) -> tuple:
        texts = [(e.text or "").strip() for e in rule.outputEntries]
        return tuple(listed.index(texts[i]) if texts[i] in listed else len(listed) for i, listed in orders)

    table.rules.sort(key=rank)
    return []


def _by_id(tree: etree._ElementTree, element_id: str):
    found = tree.xpath("//*[@id=$id]", id=element_id)
    return found[0] if found else None


def _table_element(decision_element) -> etree._Element:
    return next(iter(_children(decision_element, "decisionTable")), etree.Element("decisionTable"))
