"""The semantic difference of two versions of a process: elements added, removed and changed, by id and
name, with the layout (BPMNDiagram) left out, like bpmn-js-differ in the browser."""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from .xml_guard import BPMN_NS

_SKIPPED = {"incoming", "outgoing", "flowNodeRef"}


@dataclass(frozen=True)
class Element:
    element_id: str
    name: str | None
    kind: str


@dataclass(frozen=True)
class Change:
    element_id: str
    name: str | None
    kind: str
    attributes: tuple[str, ...]     # what changed: attribute names, "text", or child element kinds


@dataclass(frozen=True)
class Changes:
    added: list[Element] = field(default_factory=list)
    removed: list[Element] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _elements(xml: str, process_id: str) -> dict[str, etree._Element]:
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    process = next((p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id") == process_id), None)
    scope = process if process is not None else root
    found = {e.get("id"): e for e in scope.iter() if isinstance(e.tag, str) and e.get("id")}
    if process is not None:
        for message in root.iter(f"{{{BPMN_NS}}}message"):
            found.setdefault(message.get("id"), message)
    return found


def _own_content(element: etree._Element) -> dict[str, str]:
    """What an element says itself: attributes, text, and children that have no id of their own."""
    content = {f"@{etree.QName(k).localname}": v for k, v in element.attrib.items() if k != "id"}
    text = (element.text or "").strip()
    if text:
        content["text"] = text
    for child in element:
        if not isinstance(child.tag, str) or child.get("id") is not None:
            continue
        local = etree.QName(child).localname
        if local in _SKIPPED:
            continue
        content[local] = content.get(local, "") + etree.tostring(child, encoding="unicode", with_tail=False).strip()
    return content


def _describe(element: etree._Element) -> Element:
    return Element(element.get("id"), element.get("name"), etree.QName(element).localname)


def semantic_diff(before_xml: str, after_xml: str, process_id: str) -> Changes:
    before, after = _elements(before_xml, process_id), _elements(after_xml, process_id)
    changes = Changes()
    for element_id, element in after.items():
        if element_id not in before:
            changes.added.append(_describe(element))
            continue
        old, new = _own_content(before[element_id]), _own_content(element)
        differing = sorted(key.lstrip("@") for key in set(old) | set(new) if old.get(key) != new.get(key))
        if etree.QName(before[element_id]).localname != etree.QName(element).localname:
            differing.insert(0, "type")
        if differing:
            changes.changed.append(Change(element_id, element.get("name"), etree.QName(element).localname,
                                          tuple(differing)))
    changes.removed.extend(_describe(e) for element_id, e in before.items() if element_id not in after)
    return changes
