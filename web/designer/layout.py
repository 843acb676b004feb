"""Auto-layout for diagrams drawn without one: bpmn-auto-layout (npm) run by `web/assets/layout.mjs`.

The XML is first read by the engine's guard (no DTDs, entities or oversized files) so node only
ever sees a diagram the engine itself would accept to read.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from engine.definitions import parse_untrusted
from engine.errors import DefinitionError, DefinitionProblem

SCRIPT = Path(__file__).resolve().parents[1] / "assets" / "layout.mjs"
TIMEOUT_SECONDS = 30
_SHAPE = re.compile(r"<([\w.-]+:)?BPMNShape\b")


def has_layout(xml: str | bytes) -> bool:
    """Whether a diagram has any shapes to show (a cheap look; no parsing)."""
    text = xml.decode("utf-8", "replace") if isinstance(xml, bytes) else xml
    return bool(_SHAPE.search(text))


def add_layout(content: bytes, max_bytes: int, name: str = "diagram.bpmn") -> bytes:
    """The diagram with a generated BPMNDiagram; the process elements are left byte for byte."""
    parse_untrusted(name, content, max_bytes)
    node = shutil.which("node")
    if node is None:
        raise DefinitionError(DefinitionProblem(name, "auto-layout needs Node.js (node) on this server",
                                                code="layout.no_node"))
    try:
        done = subprocess.run([node, str(SCRIPT), "-"], input=content, capture_output=True,
                              timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise DefinitionError(DefinitionProblem(name, f"auto-layout took over {TIMEOUT_SECONDS} s",
                                                code="layout.timeout")) from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines() or ["unknown error"]
        raise DefinitionError(DefinitionProblem(name, f"auto-layout failed: {reason[-1][:300]}",
                                                code="layout.failed"))
    return done.stdout
