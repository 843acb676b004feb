"""Reading what the user typed: people, instance numbers, `--data` JSON, and diagram files."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from engine import SourceFile
from engine.errors import InvalidInputError

DIAGRAM_SUFFIXES = (".bpmn", ".dmn", ".schema.json", ".sla.json")
JSON_TYPES = {dict: "an object", list: "an array", str: "a string", int: "a number", float: "a number",
              bool: "a boolean", type(None): "null"}


def default_user() -> str:
    return os.environ.get("USER") or "cli"


def instance_number(text: str) -> int:
    try:
        value = int(text.strip().lstrip("#"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an instance number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"not an instance number: {text!r}")
    return value


def parse_data(raw: str | None) -> dict | None:
    """`--data` as a JSON object, given inline or as `@file.json`."""
    if raw is None:
        return None
    source, text = "--data", raw
    if raw.startswith("@"):
        source = raw[1:]
        try:
            text = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInputError(f"cannot read --data file {source}: {getattr(exc, 'strerror', None) or exc}") \
                from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{source} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") \
            from None
    if not isinstance(value, dict):
        raise InvalidInputError(
            f"{source} must be a JSON object such as '{{\"key\": \"value\"}}', not {JSON_TYPES.get(type(value), '?')}")
    return value


def source_files(paths: list[str], base: Path | None = None) -> list[SourceFile]:
    """Files named on the command line; a directory stands for its .bpmn/.dmn/.schema.json/.sla.json files
    (recursive, sorted). Names stay as typed (or relative to `base`), so problems point at them."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.name.lower().endswith(DIAGRAM_SUFFIXES) and p.is_file())
            if not inside:
                raise InvalidInputError(f"{raw}: no .bpmn, .dmn or .schema.json files in this directory")
            found.extend(inside)
        else:
            found.append(path)
    files, seen = [], set()
    for path in found:
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        files.append(SourceFile(str(path.relative_to(base) if base else path), read_file(path)))
    return files


def read_file(path: Path) -> bytes:
    """A file's bytes, or one line saying why it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"cannot read {path}: {exc.strerror or exc}") from None


class JsonFlagParser(argparse.ArgumentParser):
    """A nested sub-command parser that also takes `--json` (e.g. `sqflow sla list --json`)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                          help="print machine-readable JSON instead of text")
