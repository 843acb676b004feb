"""Who may start a process from outside, as the process declares it in its `starters` property:

    <spiffworkflow:property name="starters" value="group:first_responder, role:manager"/>
    <spiffworkflow:property name="starters" value="none"/>   only other processes start it

A process that declares nothing may be started by handlers and managers.
"""
from __future__ import annotations

from lxml import etree

from ..errors import DefinitionProblem

INTERNAL = "none"
KINDS = ("role", "group")


def read_starters(process: etree._Element, file_name: str) -> tuple[list[str] | None, list[DefinitionProblem]]:
    """The process's declared starters (None: not declared), and what is wrong with them."""
    values = process.xpath("./*[local-name()='extensionElements']//*[local-name()='property']"
                           "[@name='starters']/@value")
    if not values:
        return None, []
    entries = [entry.strip() for value in values for entry in value.split(",") if entry.strip()]
    problems = []
    for entry in entries:
        kind, _, name = entry.partition(":")
        if entry != INTERNAL and (kind not in KINDS or not name.strip()):
            problems.append(DefinitionProblem(
                file_name, f"starter {entry!r}: write role:<role>, group:<group>, or none (only other processes "
                           "start it)", line=process.sourceline, element_id=process.get("id"),
                code="starters.entry", params={"entry": entry}))
    if INTERNAL in entries and len(entries) > 1:
        problems.append(DefinitionProblem(file_name, "starters: 'none' cannot be combined with other starters",
                                          line=process.sourceline, element_id=process.get("id"),
                                          code="starters.none_combined"))
    return entries, problems


def starter_groups(starters: list[str] | None) -> set[str]:
    return {entry.split(":", 1)[1].strip() for entry in starters or [] if entry.startswith("group:")}
