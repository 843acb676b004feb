"""web/ and cli/ use the engine through its public surface only: the names each public module lists in
`__all__` (of the engine's errors: every class it defines). Everything else under engine/ (its tables,
its runtime, its stores, the modules inside its packages) is the engine's own business and may change
under them.

The public surface:
- `engine`: the composition root (`Engine`, `connect`, `Settings`, the clocks, `SourceFile`, ...); the
  engine's services are its attributes (`engine.instances`, `engine.desk`, `engine.reads`, ...);
- `engine.reads`: the read side, what every page, API GET and CLI listing reads;
- `engine.errors`: what the engine raises (and the problems its errors carry);
- `engine.people`, `engine.calendar`, `engine.notifications`: the vocabulary and services of people and
  their accounts, the working-day calendar, and notifications;
- `engine.definitions`: the checks the designer runs while a person types (forms, timer values, scripts),
  reading an uploaded XML file as the engine does, and a test run of a draft.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = ("engine", "engine.reads", "engine.errors", "engine.people", "engine.calendar", "engine.notifications",
          "engine.definitions")


def public_names(module: str) -> set[str]:
    loaded = importlib.import_module(module)
    if module == "engine.errors":
        return {name for name, value in vars(loaded).items()
                if isinstance(value, type) and value.__module__ == module and not name.startswith("_")}
    return set(loaded.__all__)


def engine_imports(source: str) -> list[tuple[str, str]]:
    """(module, name) of every import of the engine in `source`; `import engine.x` gives (engine.x, "*")."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "engine" or node.module.startswith("engine."):
                found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "*") for alias in node.names
                      if alias.name == "engine" or alias.name.startswith("engine.")]
    return found


def reaches_past(module: str, name: str) -> bool:
    if module == "engine" and f"engine.{name}" in PUBLIC:  # `from engine import notifications`
        return False
    return module not in PUBLIC or name not in public_names(module)


def violations() -> set[tuple[str, str]]:
    found = set()
    for folder in ("web", "cli"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for module, name in engine_imports(path.read_text(encoding="utf-8")):
                if reaches_past(module, name):
                    found.add((path.relative_to(ROOT).as_posix(), module))
    return found


def test_web_and_cli_import_only_the_engines_public_surface():
    found = sorted(violations())
    assert not found, "web/cli reach into the engine's internals (import from engine.reads, engine, ...):\n" + \
        "\n".join(f"  {path}: {module}" for path, module in found)


def test_the_check_sees_an_import_of_the_engines_tables_or_a_name_not_listed_as_public():
    source = ("from engine.persistence.tables import HumanTask\nimport engine.runtime.views\n"
              "from engine.reads import TaskView\nfrom engine.reads import CaseReads as Reads\n"
              "from engine import notifications\nfrom engine.people import _secret\n")
    flagged = [(module, name) for module, name in engine_imports(source) if reaches_past(module, name)]
    assert flagged == [("engine.persistence.tables", "HumanTask"), ("engine.runtime.views", "*"),
                       ("engine.people", "_secret")]
