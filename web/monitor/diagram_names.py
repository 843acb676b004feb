"""A deployed diagram as the viewer draws it for one reader: element names written "中文 English" shown in
the reader's language, lanes by their group's label. Only what is served changes; the deployed source
(and the designer, which edits it) keeps the bilingual names."""
from __future__ import annotations

from flask_babel import gettext
from lxml import etree

from ..admin.labels import group_label
from ..inbox.labels import name_label

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# Names that are keys the engine matches on (messages, signals, data items), never drawn as labels.
KEYS = {"message", "signal", "error", "escalation", "dataInput", "dataOutput", "inputDataItem",
        "outputDataItem", "property", "definitions"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def in_reader_language(xml: str) -> str:
    try:
        root = etree.fromstring(xml.encode("utf-8"), _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return xml
    for element in root.iter(f"{{{BPMN_NS}}}*"):
        name = element.get("name")
        local = etree.QName(element).localname
        if not name or local in KEYS:
            continue
        element.set("name", _lane_label(name) if local == "lane" else name_label(name))
    return etree.tostring(root, encoding="unicode")


def _lane_label(name: str) -> str:
    if name.startswith("="):  # the group is picked from the case while it runs
        return gettext("Handling department")
    return group_label(name)
