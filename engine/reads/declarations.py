"""What a case's definitions declare for people to read: its forms (its own and its called processes'),
the names and instructions of its elements, and which recorded fields make up its case card.

A form names the fields of its own that the case card shows, in order, with a top-level list::

    {"type": "object", "x-case-card": ["description", "channel", "customer_phone"], "properties": {...}}

When no form of a case declares a card, the card shows what people wrote in free text: each form's
string fields without a list of choices (a reply, a note, a test result).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..definitions.repository import DefinitionRepository
from ..people.visibility import sensitive_fields
from ..persistence.tables import ProcessDefinition

CARD_KEY = "x-case-card"


@dataclass(frozen=True)
class CaseDeclarations:
    process_name: str
    forms: Mapping[str, dict]            # element id -> its form's JSON Schema
    element_names: Mapping[str, str]     # element id -> its name in the diagram
    instructions: Mapping[str, str]      # element id -> its documentation

    @cached_property
    def sensitive(self) -> frozenset[str]:
        """The fields a form marks `x-sensitive` (masked for supervisors)."""
        return sensitive_fields(dict(self.forms))

    @cached_property
    def declares_card(self) -> bool:
        return any(isinstance(form.get(CARD_KEY), list) for form in self.forms.values())

    def element_name(self, element_id: str | None) -> str:
        return self.element_names.get(element_id or "", element_id or "")

    def card_fields(self, element_id: str) -> list[str]:
        """The fields of the element's form that the case card shows, in order."""
        form = self.forms.get(element_id) or {}
        properties = form.get("properties") or {}
        if self.declares_card:
            declared = form.get(CARD_KEY)
            return [name for name in declared if name in properties] if isinstance(declared, list) else []
        return [name for name, prop in properties.items() if _free_text(prop)]

    def all_card_fields(self) -> list[str]:
        """Every field any form puts on the card (for data recorded outside a form, e.g. at the start)."""
        seen: dict[str, None] = {}
        for element_id in self.forms:
            seen.update(dict.fromkeys(self.card_fields(element_id)))
        return list(seen)

    @cached_property
    def properties(self) -> dict[str, dict]:
        """Field name -> its schema, from the first form that declares it."""
        found: dict[str, dict] = {}
        for form in self.forms.values():
            for name, prop in (form.get("properties") or {}).items():
                if isinstance(prop, dict):
                    found.setdefault(name, prop)
        return found


def _free_text(prop: Any) -> bool:
    return (isinstance(prop, dict) and prop.get("type") == "string" and not prop.get("enum")
            and not prop.get("oneOf") and not prop.get("format") and "x-person" not in prop)


class Declarations:
    """Reads and keeps (definitions never change) what each case's definitions declare."""

    def __init__(self, definitions: DefinitionRepository):
        self._definitions = definitions
        self._known: dict[tuple[int, tuple[int, ...]], CaseDeclarations] = {}

    def of(self, session: Session, definition_id: int, called: Mapping[str, int] | None) -> CaseDeclarations:
        key = (definition_id, tuple(sorted((called or {}).values())))
        known = self._known.get(key)
        if known is None:
            known = self._known[key] = self._read(session, definition_id, key[1])
        return known

    def _read(self, session: Session, definition_id: int, called: tuple[int, ...]) -> CaseDeclarations:
        forms: dict[str, dict] = {}
        names: dict[str, str] = {}
        instructions: dict[str, str] = {}
        for loaded in [self._definitions.specs_of(session, d) for d in (definition_id, *called)]:
            for element_id, form in (loaded.forms or {}).items():
                forms.setdefault(element_id, form)
            for process in (loaded.spec, *loaded.embedded.values()):
                for name, spec in process.task_specs.items():
                    if getattr(spec, "bpmn_name", None):
                        names.setdefault(name, spec.bpmn_name)
                    if getattr(spec, "documentation", None):
                        instructions.setdefault(name, spec.documentation)
        process_name = session.scalar(select(ProcessDefinition.name).where(ProcessDefinition.id == definition_id))
        return CaseDeclarations(process_name or "", forms, names, instructions)
