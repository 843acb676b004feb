"""The complaint's diagrams as a designer reads them: the main process and the processes it calls
(intake, work order, callback and closing) each fit a normal screen at 100 %, every element drawn
in its own lane and none on top of another.

Each diagram is drawn by bpmn-js (the viewer the app uses) in headless Chromium and kept as
tests/screenshots/diagram-<process>.png, to be looked at.
"""
from __future__ import annotations

from itertools import combinations
from pathlib import Path

import pytest
from lxml import etree

from .browser_support import SCREENSHOTS

COMPLAINTS = Path(__file__).resolve().parents[1] / "bpmn" / "complaints"
DIAGRAMS = sorted(COMPLAINTS.glob("complaint*.bpmn"))
BPMN_JS = Path(__file__).resolve().parents[1] / "web" / "assets" / "node_modules" / "bpmn-js" / "dist"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI", "dc": "http://www.omg.org/spec/DD/20100524/DC"}
SCREEN = (1400, 900)  # a laptop's browser window at 100 %
MARGIN = 20
PAGE = ('<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;background:#fff}'
        '#canvas{width:100vw;height:100vh}</style></head><body><div id="canvas"></div></body></html>')


def _bounds(shape) -> tuple[float, float, float, float]:
    box = shape.find("dc:Bounds", NS)
    return tuple(float(box.get(k)) for k in ("x", "y", "width", "height"))


def _shapes(tree) -> dict[str, tuple[float, float, float, float]]:
    return {s.get("bpmnElement"): _bounds(s) for s in tree.iterfind(".//bpmndi:BPMNShape", NS)}


def _flow_nodes(tree) -> list:
    return tree.xpath("//bpmn:process//*[@id][bpmn:incoming or bpmn:outgoing] | //bpmn:process//bpmn:subProcess",
                      namespaces=NS)


def test_the_complaint_is_a_main_process_and_the_three_processes_it_calls():
    names = [d.name for d in DIAGRAMS]
    assert names == ["complaint.bpmn", "complaint_closing.bpmn", "complaint_intake.bpmn", "complaint_work_order.bpmn"]
    main = etree.parse(str(COMPLAINTS / "complaint.bpmn"))
    called = main.xpath("//bpmn:callActivity/@calledElement", namespaces=NS)
    assert called == ["complaint_intake", "complaint_work_order", "complaint_closing"]


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=lambda d: d.stem)
def test_every_element_is_drawn_in_its_own_lane_and_none_on_another(diagram):
    tree = etree.parse(str(diagram))
    shapes = _shapes(tree)
    nodes = _flow_nodes(tree)
    assert {n.get("id") for n in nodes} <= set(shapes)
    flows = {f.get("id") for f in tree.iterfind(".//bpmn:sequenceFlow", NS)}
    assert flows <= {e.get("bpmnElement") for e in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    for lane in tree.iterfind(".//bpmn:lane", NS):
        x, y, w, h = shapes[lane.get("id")]
        for ref in lane.iterfind("bpmn:flowNodeRef", NS):
            nx, ny, nw, nh = shapes[ref.text]
            assert x <= nx + nw / 2 <= x + w and y <= ny + nh / 2 <= y + h, (ref.text, lane.get("name"))
    inside = {n.get("id"): n.getparent().get("id") for n in nodes}
    attached = {b.get("id"): b.get("attachedToRef") for b in tree.iterfind(".//bpmn:boundaryEvent", NS)}
    for a, b in combinations([n.get("id") for n in nodes], 2):
        if inside[a] == b or inside[b] == a or attached.get(a) == b or attached.get(b) == a:
            continue
        (ax, ay, aw, ah), (bx, by, bw, bh) = shapes[a], shapes[b]
        assert ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay, f"{a} overlaps {b}"


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=lambda d: d.stem)
def test_each_diagram_fits_a_screen_at_100_percent(browser, diagram):
    page = browser.new_page(viewport={"width": 1600, "height": 1200})
    try:
        page.set_content(PAGE)
        for css in ("diagram-js.css", "bpmn-js.css", "bpmn-font/css/bpmn.css"):
            page.add_style_tag(path=str(BPMN_JS / "assets" / css))
        page.add_script_tag(path=str(BPMN_JS / "bpmn-navigated-viewer.production.min.js"))
        drawn = page.evaluate("""async (xml) => {
            window.viewer = new BpmnJS({container: '#canvas'});
            const {warnings} = await viewer.importXML(xml);
            const box = viewer.get('canvas').getActiveLayer().getBBox();
            return {warnings: warnings.map(w => w.message), x: box.x, y: box.y, width: box.width, height: box.height};
        }""", diagram.read_text(encoding="utf-8"))
        assert drawn["warnings"] == []
        assert drawn["width"] <= SCREEN[0] - 2 * MARGIN and drawn["height"] <= SCREEN[1] - 2 * MARGIN, drawn
        page.set_viewport_size({"width": int(drawn["width"]) + 2 * MARGIN, "height": int(drawn["height"]) + 2 * MARGIN})
        page.evaluate("""([x, y, w, h]) => viewer.get('canvas').viewbox({x: x, y: y, width: w, height: h})""",
                      [drawn["x"] - MARGIN, drawn["y"] - MARGIN, drawn["width"] + 2 * MARGIN,
                       drawn["height"] + 2 * MARGIN])
        assert page.evaluate("() => viewer.get('canvas').zoom()") == pytest.approx(1, abs=0.01)  # drawn at 100 %
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"diagram-{diagram.stem}.png"))
    finally:
        page.close()
