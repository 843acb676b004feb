"""Reading diagram files without trusting them: size cap, no DTDs or entities, no external references
(an import may only name another file of the same deployment; `imports` checks it is there)."""
from __future__ import annotations

import re

from lxml import etree

from ..errors import DefinitionError, DefinitionProblem, UnsafeXmlError

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
XINCLUDE_NS = ("http://www.w3.org/2001/XInclude", "http://www.w3.org/2003/XInclude")
DMN_NAMESPACES = (
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
)

_DTD_MARKERS = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def parse_untrusted(name: str, content: bytes, max_bytes: int) -> etree._ElementTree:
    """Parse one diagram file, refusing anything that could read files, reach the network or blow up."""
    if len(content) > max_bytes:
        raise UnsafeXmlError(DefinitionProblem(
            name, f"file is {len(content):,} bytes; the limit is {max_bytes:,} (SQFLOW_MAX_DIAGRAM_BYTES)",
            code="file.too_large", params={"size": f"{len(content):,}", "limit": f"{max_bytes:,}"}))
    marker = _DTD_MARKERS.search(content)
    if marker:
        line = content.count(b"\n", 0, marker.start()) + 1
        raise UnsafeXmlError(DefinitionProblem(
            name, "DOCTYPE and ENTITY declarations are not allowed (entity expansion, external entities)",
            line=line, code="xml.doctype"))
    try:
        tree = etree.ElementTree(etree.fromstring(content, _parser()))
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise DefinitionError(DefinitionProblem(name, f"malformed XML: {exc.msg}", line=line, code="xml.malformed",
                                                params={"detail": exc.msg})) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXmlError(DefinitionProblem(name, "DOCTYPE declarations are not allowed", code="xml.doctype"))
    _refuse_external_references(name, tree)
    return tree


def _refuse_external_references(name: str, tree: etree._ElementTree) -> None:
    problems = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        namespace, _, local = element.tag[1:].partition("}") if element.tag.startswith("{") else ("", "", element.tag)
        if namespace in XINCLUDE_NS:
            problems.append(DefinitionProblem(name, "XInclude is not allowed", line=element.sourceline,
                                              code="xml.xinclude"))
        elif local == "import" and (namespace == BPMN_NS or namespace in DMN_NAMESPACES):
            location = element.get("location") or element.get("locationURI") or element.get("namespace")
            if not is_file_name(location):
                problems.append(DefinitionProblem(
                    name, f"external import of {location!r} is not allowed; deploy the files together",
                    line=element.sourceline, element_id=tree.getroot().get("id"), code="xml.external_import",
                    params={"location": str(location)}))
    if problems:
        raise UnsafeXmlError(problems)


def is_file_name(location: str | None) -> bool:
    """An import's location that names a file deployed alongside (no URL, no path out of the deployment)."""
    return bool(location) and not re.search(r"^[a-zA-Z][\w+.-]*:|^[/\\]|(^|[/\\])\.\.([/\\]|$)", location)


def document_kind(tree: etree._ElementTree) -> str:
    """'bpmn' or 'dmn' from the root element's namespace; anything else is refused by the caller."""
    root = tree.getroot()
    namespace = etree.QName(root).namespace
    if namespace == BPMN_NS:
        return "bpmn"
    if namespace in DMN_NAMESPACES:
        return "dmn"
    return "unknown"


def element_id_at(tree: etree._ElementTree, line: int | None) -> str | None:
    """The id of the innermost element starting on `line` (or of its nearest ancestor with an id)."""
    if line is None:
        return None
    best = None
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.sourceline is None:
            continue
        if element.sourceline > line:
            break
        best = element
    while best is not None and best.get("id") is None:
        best = best.getparent()
    return best.get("id") if best is not None else None


def line_of(tree: etree._ElementTree, element_id: str | None) -> int | None:
    """The line where the element with `element_id` starts."""
    found = tree.xpath("//*[@id=$id]", id=element_id) if element_id else []
    return found[0].sourceline if found else None
