"""Diagrams that import each other deploy together: an import naming a .bpmn or .dmn file must name one
of the files deployed (by file name), and the imported file's processes and decisions are then
available to the importing one (SpiffWorkflow resolves calls and decisions across a deployment's
files by id). An XML Schema import only types item definitions, which sqflow does not check: it is
read as documentation. Locations that could reach outside the deployment were refused by `xml_guard`.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from lxml import etree

from ..errors import DefinitionProblem
from .problems import coded
from .xml_guard import BPMN_NS, DMN_NAMESPACES

_DIAGRAM_TYPES = (BPMN_NS, *DMN_NAMESPACES)


def _name(path: str) -> str:
    return PurePosixPath(path.replace("\\", "/")).name


def import_problems(trees: dict[str, etree._ElementTree]) -> list[DefinitionProblem]:
    """One problem per import of a diagram or decision file that is not among `trees`."""
    present = {_name(name) for name in trees}
    problems = []
    for file_name, tree in trees.items():
        root = tree.getroot()
        for element in root:
            if not isinstance(element.tag, str) or etree.QName(element).localname != "import":
                continue
            location = element.get("location") or element.get("locationURI") or ""
            import_type = (element.get("importType") or "").rstrip("/")
            names_diagram = location.lower().endswith((".bpmn", ".dmn")) or any(
                import_type == t.rstrip("/") for t in _DIAGRAM_TYPES)
            if names_diagram and _name(location) not in present:
                problems.append(coded("import.missing", file_name, element, element_id=root.get("id"),
                                      location=location))
    return problems
