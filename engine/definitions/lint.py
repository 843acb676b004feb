"""The browser's lint rules, run by the server's validation (so the modeler and the server never disagree).

`web/assets/lint.mjs` runs bpmnlint with the modeler's rules (`web/assets/.bpmnlintrc`: bpmnlint's
recommended ones and bpmnlint-plugin-sqflow's) under Node; every diagram of a validation goes to one
Node process, and its answer is kept by the diagram's content hash. Each report becomes a problem
coded `lint.<rule>` about the element it names. A rule either refuses a deployment (`REFUSING`: what
the engine cannot run, or runs wrongly) or is a warning shown with it (how a diagram is drawn);
.bpmnlintrc gives the modeler the same severities (error for the refusing rules, warn for the rest). Without Node, or when the lint fails, the
deployment goes on with one warning saying so.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

from ..errors import DefinitionProblem
from .problems import element_label

LINT_SCRIPT = Path(__file__).resolve().parents[2] / "web" / "assets" / "lint.mjs"
TIMEOUT_SECONDS = 60
_CACHE_SIZE = 512

# rule -> what to do, in English (the designer's language is web/designer/problem_text.py's).
RULES: dict[str, str] = {
    "sqflow/timer-has-time": "the timer has no time: give it a date, a duration or a cycle",
    "sqflow/script-required": "the script task has no script: write one",
    "sqflow/decision-required": "the business rule task names no decision: choose a decision table",
    "sqflow/called-element-required": "the call activity names no process: choose the process it calls",
    "sqflow/message-required": "the message event names no message: choose a message",
    "sqflow/supported-elements": "sqflow cannot run this element ({type}): remove it or draw it another way",
    "sqflow/user-task-has-group": "the user task has no group: draw it in a lane named after a group, or give "
                                  "it an assignee",
    "no-disconnected": "the element is not connected: connect it with sequence flows, or remove it",
    "start-event-required": "the process has no start event: add one",
    "end-event-required": "the process has no end event: add one",
    "single-blank-start-event": "the process has more than one blank start event: keep one",
    "sub-process-blank-start-event": "a sub-process's start event must be blank: remove its event type",
    "event-sub-process-typed-start-event": "an event sub-process's start event needs an event type: give it one",
    "single-event-definition": "the event has more than one event definition: keep one",
    "no-duplicate-sequence-flows": "two sequence flows join the same elements: remove one",
    "event-based-gateway": "the event-based gateway needs at least two outgoing flows, none of them conditional",
    "link-event": "the link event has no matching link name in its scope",
    "no-complex-gateway": "complex gateways are not run: use an exclusive, parallel or inclusive gateway",
    "ad-hoc-sub-process": "an ad-hoc sub-process holds no start or end event: remove them",
    "conditional-flows": "the sequence flow needs a condition (or make it the default flow)",
    "no-implicit-split": "the flow splits without a gateway: split with a gateway",
    "no-implicit-start": "the element has no incoming flow: connect it, or make it a start event",
    "no-implicit-end": "the element has no outgoing flow: connect it, or make it an end event",
    "no-gateway-join-fork": "the gateway joins and forks at once: split it into two gateways",
    "fake-join": "several flows come in without a joining gateway: join them with a gateway first",
    "label-required": "the element has no name: give it one",
    "no-bpmndi": "the element is not drawn (no diagram information): lay out the diagram",
    "no-inclusive-gateway": "inclusive gateways are hard to read: prefer exclusive or parallel ones",
    "no-overlapping-elements": "the element overlaps another: move it",
    "superfluous-gateway": "the gateway has one way in and one way out: remove it",
    "superfluous-termination": "the terminate end event ends nothing more than a plain end event would",
    "global": "the element is defined globally but not used: remove it",
}
# Shown only: a disconnected element never runs (diagrams keep spares), and an event naming no message
# runs until a message of no name comes (bpmn.io's exports of the MIWG set deploy so).
REFUSING = frozenset({
    "sqflow/timer-has-time", "sqflow/script-required", "sqflow/decision-required",
    "sqflow/called-element-required", "sqflow/supported-elements", "start-event-required",
    "single-event-definition", "no-duplicate-sequence-flows", "event-based-gateway", "link-event",
    "no-complex-gateway", "ad-hoc-sub-process",
    "sub-process-blank-start-event", "single-blank-start-event", "event-sub-process-typed-start-event",
})
_cache: OrderedDict[str, list[dict]] = OrderedDict()
_lock = Lock()


@dataclass
class LintFindings:
    refusals: list[DefinitionProblem] = field(default_factory=list)
    warnings: list[DefinitionProblem] = field(default_factory=list)


def lint_diagrams(diagrams: dict[str, bytes]) -> LintFindings:
    """The lint of each BPMN file (name -> content), in one Node run for those not linted before."""
    findings = LintFindings()
    if not diagrams:
        return findings
    keys = {name: hashlib.sha256(content).hexdigest() for name, content in diagrams.items()}
    with _lock:
        known = {name: _cache[key] for name, key in keys.items() if key in _cache}
    missing = {name: diagrams[name] for name in diagrams if name not in known}
    if missing:
        answered, failure = _run_node(missing)
        if failure:
            findings.warnings.append(DefinitionProblem(
                next(iter(missing)), f"the lint rules of the modeler could not run here ({failure}); the "
                "diagram was checked without them", code="lint.unavailable", params={"reason": failure}))
        with _lock:
            for name, issues in answered.items():
                _cache[keys[name]] = issues
                _cache.move_to_end(keys[name])
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        known.update(answered)
    for name in diagrams:
        for issue in known.get(name, []):
            problem = _problem(name, issue)
            (findings.refusals if problem.params["rule"] in REFUSING else findings.warnings).append(problem)
    return findings


def _problem(file: str, issue: dict) -> DefinitionProblem:
    rule, element_id = str(issue.get("rule")), issue.get("id") or None
    found = re.search(r"bpmn:(\w+)", str(issue.get("message", "")))
    params = {"rule": rule, "type": found.group(1) if found else ""}
    text = RULES.get(rule)
    if text is None:
        code, text, params["detail"] = "lint.other", "{detail} (rule {rule})", str(issue.get("message", ""))
    else:
        code = f"lint.{rule}"
    message = f"{element_label(element_id, None)}: " + text.format(**params)
    return DefinitionProblem(file, message, element_id=element_id, code=code, params=params)


def _run_node(diagrams: dict[str, bytes]) -> tuple[dict[str, list[dict]], str | None]:
    """Each diagram's issues, and why the lint could not run (None when it ran)."""
    node = shutil.which("node")
    if node is None:
        return {}, "Node.js (node) is not installed on this server"
    if not LINT_SCRIPT.is_file():
        return {}, f"{LINT_SCRIPT.name} is missing"
    payload = json.dumps({"files": {n: c.decode("utf-8", "replace") for n, c in diagrams.items()}})
    try:
        done = subprocess.run([node, str(LINT_SCRIPT)], input=payload.encode("utf-8"), capture_output=True,
                              timeout=TIMEOUT_SECONDS, cwd=LINT_SCRIPT.parent, env=_node_env())
    except subprocess.TimeoutExpired:
        return {}, f"it took over {TIMEOUT_SECONDS} s"
    except OSError as exc:
        return {}, f"node could not start: {exc.strerror}"
    try:
        files = json.loads(done.stdout)["files"]
        answered = {name: list(result["issues"]) for name, result in files.items() if "error" not in result}
    except (ValueError, KeyError, TypeError, AttributeError):
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no answer"])[-1]
        return {}, f"node failed: {last[:200]}"
    return answered, None


def _node_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "SYSTEMROOT")
    return {key: value for key, value in os.environ.items() if key in keep}
