"""Loading test diagrams and asserting refusals, shared by the definition tests."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.definitions.parsing import SourceFile, parse_files
from engine.errors import DefinitionError, DefinitionProblem

DIAGRAMS = Path(__file__).parent / "diagrams"
FOREIGN = DIAGRAMS / "foreign"
BAD = DIAGRAMS / "bad"
MAX_BYTES = 1_000_000


def load(path: Path, name: str | None = None) -> SourceFile:
    return SourceFile(name or path.name, path.read_bytes())


def foreign(name: str) -> SourceFile:
    return load(FOREIGN / name)


def bad(name: str) -> SourceFile:
    return load(BAD / name)


def refuse(*files: SourceFile, max_bytes: int = MAX_BYTES) -> DefinitionError:
    with pytest.raises(DefinitionError) as info:
        parse_files(list(files), max_bytes)
    assert info.value.problems, "a refusal must list at least one problem"
    for problem in info.value.problems:
        assert isinstance(problem, DefinitionProblem)
    return info.value


def line_of(source: SourceFile, needle: str) -> int:
    """1-based line of the first occurrence of `needle` in the file, so tests don't hard-code lines."""
    text = source.content.decode("utf-8")
    index = text.index(needle)
    return text.count("\n", 0, index) + 1


def span_of(source: SourceFile, start: str, end: str) -> range:
    """Lines from the first `start` to the first `end` after it (inclusive)."""
    text = source.content.decode("utf-8")
    first = text.index(start)
    last = text.index(end, first)
    return range(text.count("\n", 0, first) + 1, text.count("\n", 0, last) + 2)


def only(problems: list[DefinitionProblem]) -> DefinitionProblem:
    assert len(problems) == 1, problems
    return problems[0]
