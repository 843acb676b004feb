"""A plain left-to-right layout (BPMN DI) for diagrams that have none, so bpmn-js can show them.

Only `bpmndi:BPMNDiagram` elements are added; the process elements are left as they are. Flow
nodes go into columns by their longest path from a start, loops go back underneath, boundary
events sit on their task's lower edge, and each sub-process is drawn collapsed with its content
on a plane of its own (bpmn-js drills down into it). Lanes get no shapes.

SpiffWorkflow orders a gateway's outgoing flows by the height of their targets; targets are
stacked in the order of the flows in the file where the grid allows, so that order is kept.
"""
from __future__ import annotations

import re
from collections import defaultdict

from lxml import etree

from .xml_guard import BPMN_NS, parse_untrusted

DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DD_NS = "http://www.omg.org/spec/DD/20100524/DI"
COLUMN, ROW, LEFT, TOP = 170, 130, 150, 80
_SHAPE = re.compile(r"<([\w.-]+:)?BPMNShape\b")
_NOT_DRAWN = {"sequenceFlow", "laneSet", "lane", "dataObject", "textAnnotation", "association",
              "extensionElements", "documentation", "ioSpecification", "property", "dataStoreReference",
              "dataObjectReference", "group", "category"}


def has_layout(xml: str | bytes) -> bool:
    """Whether a diagram has any shapes to show (a cheap look; no parsing)."""
    text = xml.decode("utf-8", "replace") if isinstance(xml, bytes) else xml
    return bool(_SHAPE.search(text))


def add_layout(content: bytes, max_bytes: int) -> bytes:
    """The diagram with a generated BPMNDiagram per process (any existing DI is replaced)."""
    tree = parse_untrusted("diagram.bpmn", content, max_bytes)
    root = tree.getroot()
    for old in root.findall(f"{{{DI_NS}}}BPMNDiagram"):
        root.remove(old)
    nsmap = {k: v for k, v in root.nsmap.items() if v not in (DI_NS, DC_NS, DD_NS)}
    nsmap.update({"bpmndi": DI_NS, "dc": DC_NS, "di": DD_NS})
    new_root = etree.Element(root.tag, attrib=dict(root.attrib), nsmap=nsmap)
    new_root.text = root.text
    for child in list(root):
        new_root.append(child)
    processes = sorted(new_root.findall(f"{{{BPMN_NS}}}process"), key=lambda p: p.get("isExecutable") != "true")
    for process in processes:
        _draw_container(new_root, process)
    return etree.tostring(new_root, xml_declaration=True, encoding="UTF-8")


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _size(kind: str) -> tuple[int, int]:
    if kind.endswith("Event"):
        return 36, 36
    if kind.endswith("Gateway"):
        return 50, 50
    return 100, 80


def _draw_container(root: etree._Element, container: etree._Element) -> None:
    nodes = [c for c in container if isinstance(c.tag, str) and etree.QName(c).namespace == BPMN_NS
             and _local(c) not in _NOT_DRAWN and c.get("id")]
    by_id = {n.get("id"): n for n in nodes}
    flows = [f for f in container.findall(f"{{{BPMN_NS}}}sequenceFlow")
             if f.get("sourceRef") in by_id and f.get("targetRef") in by_id]
    attached = defaultdict(list)
    for node in nodes:
        if _local(node) == "boundaryEvent" and node.get("attachedToRef") in by_id:
            attached[node.get("attachedToRef")].append(node.get("id"))
    outgoing: dict[str, list[str]] = defaultdict(list)
    for flow in flows:
        outgoing[flow.get("sourceRef")].append(flow.get("targetRef"))
    for host, events in attached.items():
        outgoing[host].extend(events)

    columns = _columns([n.get("id") for n in nodes], outgoing)
    rows = _rows([n.get("id") for n in nodes], columns, outgoing, attached)
    bounds: dict[str, tuple[float, float, int, int]] = {}
    for node_id, column in columns.items():
        if any(node_id in events for events in attached.values()):
            continue
        width, height = _size(_local(by_id[node_id]))
        cx, cy = LEFT + column * COLUMN + 50, TOP + rows[node_id] * ROW + 40
        bounds[node_id] = (cx - width / 2, cy - height / 2, width, height)
    for host, events in attached.items():
        x, y, width, height = bounds[host]
        for index, event_id in enumerate(events):
            bounds[event_id] = (x + width - 28 - index * 40, y + height - 18, 36, 36)

    diagram = etree.SubElement(root, f"{{{DI_NS}}}BPMNDiagram", id=f"BPMNDiagram_{container.get('id')}")
    plane = etree.SubElement(diagram, f"{{{DI_NS}}}BPMNPlane", id=f"BPMNPlane_{container.get('id')}",
                             bpmnElement=container.get("id"))
    for node_id, (x, y, width, height) in bounds.items():
        shape = etree.SubElement(plane, f"{{{DI_NS}}}BPMNShape", id=f"{node_id}_di", bpmnElement=node_id)
        if _local(by_id[node_id]) == "subProcess":
            shape.set("isExpanded", "false")
        etree.SubElement(shape, f"{{{DC_NS}}}Bounds", x=_num(x), y=_num(y), width=str(width), height=str(height))
    bottom = max((y + h for _, y, _, h in bounds.values()), default=TOP) + 40
    for flow in flows:
        edge = etree.SubElement(plane, f"{{{DI_NS}}}BPMNEdge", id=f"{flow.get('id')}_di", bpmnElement=flow.get("id"))
        source = flow.get("sourceRef")
        for x, y in _waypoints(bounds[source], bounds[flow.get("targetRef")], bottom,
                               _local(by_id[source]) == "boundaryEvent"):
            etree.SubElement(edge, f"{{{DD_NS}}}waypoint", x=_num(x), y=_num(y))
    for node in nodes:
        if _local(node) in ("subProcess", "transaction", "adHocSubProcess"):
            _draw_container(root, node)


def _columns(ids: list[str], outgoing: dict[str, list[str]]) -> dict[str, int]:
    """Longest path from the starts, ignoring the flows that close a loop."""
    incoming = {target for targets in outgoing.values() for target in targets}
    starts = [i for i in ids if i not in incoming] or ids[:1]
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}
    for start in starts + ids:
        if start in state:
            continue
        stack = [(start, iter(outgoing.get(start, [])))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(outgoing.get(child, []))))
    column = {i: 0 for i in ids}
    pending = {i: 0 for i in ids}
    for source, targets in outgoing.items():
        for target in targets:
            if (source, target) not in back:
                pending[target] += 1
    ready = [i for i in ids if pending[i] == 0]
    while ready:
        node = ready.pop(0)
        for target in outgoing.get(node, []):
            if (node, target) in back:
                continue
            column[target] = max(column[target], column[node] + 1)
            pending[target] -= 1
            if pending[target] == 0:
                ready.append(target)
    return column


def _rows(ids: list[str], columns: dict[str, int], outgoing: dict[str, list[str]],
          attached: dict[str, list[str]]) -> dict[str, int]:
    """Each node on its first predecessor's row if free, else the next free row below; a node's
    targets are taken in the order of its flows in the file, so earlier flows lie higher. A
    boundary event takes its task's row (it is drawn on the task); what follows it goes below."""
    boundary = {event for events in attached.values() for event in events}
    row: dict[str, int] = {}
    taken: dict[int, set[int]] = defaultdict(set)

    def place(node: str, wanted: int) -> None:
        if node in boundary:
            row[node] = wanted
            return
        slot = wanted
        while slot in taken[columns[node]]:
            slot += 1
        row[node] = slot
        taken[columns[node]].add(slot)

    for node in sorted(ids, key=lambda i: columns[i]):
        if node not in row:
            place(node, 0)
        for target in outgoing.get(node, []):
            if target in boundary:
                row.setdefault(target, row[node])
            elif target not in row and columns[target] > columns[node]:
                place(target, row[node] + (1 if node in boundary else 0))
    return row


def _waypoints(source: tuple, target: tuple, bottom: float, from_boundary: bool) -> list[tuple[float, float]]:
    sx, sy, sw, sh = source
    tx, ty, tw, th = target
    end = (tx, ty + th / 2)
    if tx <= sx:  # back to an earlier column: underneath everything
        return [(sx + sw / 2, sy + sh), (sx + sw / 2, bottom), (tx + tw / 2, bottom), (tx + tw / 2, ty + th)]
    if from_boundary:
        start = (sx + sw / 2, sy + sh)
        if end[1] > start[1]:
            return [start, (start[0], end[1]), end]
        return [start, (start[0], start[1] + 20), (end[0] - 20, start[1] + 20), (end[0] - 20, end[1]), end]
    start = (sx + sw, sy + sh / 2)
    if abs(start[1] - end[1]) < 1:
        return [start, end]
    middle = start[0] + 25
    return [start, (middle, start[1]), (middle, end[1]), end]


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"
