"""How many diagrams of other modelers sqflow's validation accepts, and whether each refusal names an element.

Runs on local copies of two public corpora; it fetches nothing. Get them once with git, e.g.::

    git clone --depth 1 <GitHub>/camunda/camunda-bpm-examples var/corpora/camunda-bpm-examples
    git clone --depth 1 <GitHub>/bpmn-miwg/bpmn-miwg-test-suite var/corpora/bpmn-miwg-test-suite

then ``python -m bench.corpus_counts [--camunda DIR] [--miwg DIR] [--json]``. Without a copy the
corpus is skipped and said so. The vendored diagrams (tests/diagrams/camunda/) are always counted.

Files are validated the way a designer deploys them: each diagram together with the files it
imports, the decision files beside it whose decisions it names, and the form schemas beside it; a
decision file no diagram names is validated alone. No service is registered.
A file "validates" when a group it belongs to (a diagram, the files it imports, the decisions
beside it) validates with no problem. The MIWG set is its reference diagrams and the
exports of bpmn.io (Camunda Modeler), SAP Signavio and the Camunda Eclipse plug-in.
"""
from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from engine.definitions.parsing import SourceFile, parse_files
from engine.errors import DefinitionError

ROOT = Path(__file__).resolve().parents[1]
VENDORED = ROOT / "tests" / "diagrams" / "camunda"
DEFAULT_CAMUNDA = ROOT / "var" / "corpora" / "camunda-bpm-examples"
DEFAULT_MIWG = ROOT / "var" / "corpora" / "bpmn-miwg-test-suite"
MIWG_FOLDERS = ("Reference", "bpmn.io (Camunda Modeler)", "SAP Signavio Process Manager", "Camunda Eclipse Plugin")
MAX_BYTES = 5_000_000
_PYTHON_REPR = re.compile(r"<[\w.]+ .*at 0x[0-9a-f]+>|\bNone\b|Traceback|KeyError|AttributeError|TypeError")


def camunda_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".bpmn", ".dmn") and p.is_file())


def miwg_files(root: Path) -> list[Path]:
    chosen = []
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or not folder.name.startswith(MIWG_FOLDERS):
            continue
        for path in sorted(folder.glob("*.bpmn")):
            if folder.name == "Reference" or path.name.endswith("-export.bpmn"):
                chosen.append(path)
    return chosen


def _imported(path: Path) -> list[Path]:
    """The files next to `path` that it imports (by location), transitively."""
    found: list[Path] = []
    pending = [path]
    while pending:
        text = pending.pop().read_text("utf-8", "replace")
        for location in re.findall(r"<(?:\w+:)?import\b[^>]*\blocation=\"([^\"]+)\"", text):
            other = path.parent / location
            if other.is_file() and other.suffix in (".bpmn", ".dmn") and other not in found and other != path:
                found.append(other)
                pending.append(other)
    return found


def _decides_for(decisions: Path, diagram_text: str) -> bool:
    """Whether the diagram names one of the file's decisions (decisionRef, calledDecisionId)."""
    ids = re.findall(r"<(?:\w+:)?decision\b[^>]*\bid=\"([^\"]+)\"", decisions.read_text("utf-8", "replace"))
    return any(f'"{i}"' in diagram_text or f">{i}<" in diagram_text for i in ids)


def _groups(paths: list[Path]) -> list[list[Path]]:
    """Each diagram with the files it imports and the decisions beside it."""
    groups = []
    for path in paths:
        if path.suffix != ".bpmn":
            continue
        text = path.read_text("utf-8", "replace")
        decisions = [p for p in paths if p.parent == path.parent and p.suffix == ".dmn" and _decides_for(p, text)]
        forms = sorted(path.parent.glob("*.schema.json"))
        groups.append(list(dict.fromkeys([path, *_imported(path), *decisions, *forms])))
    grouped = {p for group in groups for p in group}
    groups.extend([p] for p in paths if p not in grouped)
    return groups


def measure(paths: list[Path]) -> dict:
    """Counts over `paths`: files that validate, refusals, and refusals lacking an element id or showing
    Python internals."""
    refused: dict[str, list[dict]] = {}
    ok_files: set[Path] = set()
    for group in _groups(paths):
        sources = [SourceFile(p.name, p.read_bytes()) for p in group]
        try:
            parse_files(sources, MAX_BYTES)
            ok_files.update(group)
        except DefinitionError as error:
            names = {p.name: p for p in group}
            for problem in error.problems:
                path = names.get(problem.file, group[0])
                refused.setdefault(str(path), []).append(
                    {"line": problem.line, "element_id": problem.element_id, "message": problem.message,
                     "code": getattr(problem, "code", None)})
        except Exception as exc:  # a crash is what this bench exists to find
            refused.setdefault(str(group[0]), []).append(
                {"line": None, "element_id": None, "message": f"CRASH {type(exc).__name__}: {exc}", "code": None})
    problems = [p for rows in refused.values() for p in rows]
    return {
        "files": len(paths),
        "validate": len(set(paths) & ok_files),
        "problems": len(problems),
        "problems_without_element_id": sum(1 for p in problems if not p["element_id"]),
        "problems_with_python_internals": sum(1 for p in problems if _PYTHON_REPR.search(p["message"])),
        "by_code": dict(Counter(p["code"] or p["message"][:60] for p in problems).most_common(25)),
        "refused": refused,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--camunda", type=Path, default=DEFAULT_CAMUNDA)
    parser.add_argument("--miwg", type=Path, default=DEFAULT_MIWG)
    parser.add_argument("--json", action="store_true", help="every refusal, as JSON")
    parser.add_argument("--verbose", action="store_true", help="list each refused file's problems")
    args = parser.parse_args(argv)
    corpora = {"vendored (tests/diagrams/camunda)": camunda_files(VENDORED)}
    for label, root, pick in (("camunda-bpm-examples", args.camunda, camunda_files),
                              ("bpmn-miwg-test-suite", args.miwg, miwg_files)):
        if root.is_dir():
            corpora[label] = pick(root)
        else:
            print(f"{label}: no local copy at {root} (see this script's docstring); skipped")
    results = {label: measure(paths) for label, paths in corpora.items()}
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return 0
    for label, result in results.items():
        print(f"{label}: {result['validate']} of {result['files']} files validate; {result['problems']} problems, "
              f"{result['problems_without_element_id']} without an element id, "
              f"{result['problems_with_python_internals']} showing Python internals")
        for what, count in result["by_code"].items():
            print(f"    {count:4d}  {what}")
        if args.verbose:
            for file, rows in result["refused"].items():
                print(f"  {file}")
                for row in rows:
                    print(f"      line {row['line']} [{row['element_id']}] {row['message'][:200]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
