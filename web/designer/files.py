"""What the designer deploys: uploaded files, the modeler's XML, and each process's companion files.

A diagram is deployed together with the forms (`*.schema.json`) and decisions (`.dmn`) it uses.
When a designer changes one file in the browser, the other files are taken from the newest
version of the process, so a deployment never loses a form or a decision.
"""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import Iterable

from flask_babel import gettext
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from engine import SourceFile
from engine.definitions import BPMN_NS, is_form, parse_untrusted
from engine.errors import DefinitionError, DefinitionProblem
from engine.reads import latest_version_files

from .problem_text import problem_json

SUFFIXES = (".bpmn", ".dmn", ".schema.json")
MAX_FILES = 50


def base_name(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).name


def problems_json(error: DefinitionError) -> list[dict]:
    """Each problem as JSON, its message in the user's language (problem_text)."""
    return [problem_json(problem) for problem in error.problems]


def read_uploads(uploads: Iterable[FileStorage], max_bytes: int) -> list[SourceFile]:
    """The uploaded files as sources; every unacceptable file is named in one DefinitionError."""
    files: list[SourceFile] = []
    problems: list[DefinitionProblem] = []
    for upload in uploads:
        name = base_name(upload.filename or "")[:200]
        if not name:
            continue
        if not name.lower().endswith(SUFFIXES):
            problems.append(DefinitionProblem(name, gettext("only .bpmn, .dmn and .schema.json files can be uploaded"),
                                              code="upload.kind"))
            continue
        content = upload.stream.read(max_bytes + 1)
        if len(content) > max_bytes:
            problems.append(DefinitionProblem(name, gettext("the file is larger than the limit of %(limit)s bytes",
                                                            limit=f"{max_bytes:,}"), code="file.too_large",
                                              params={"size": f"{len(content):,}", "limit": f"{max_bytes:,}"}))
        elif not content.strip():
            problems.append(DefinitionProblem(name, gettext("the file is empty"), code="upload.empty"))
        elif not _is_utf8(content):
            problems.append(DefinitionProblem(name, gettext("the file is not UTF-8 text"), code="upload.not_utf8"))
        else:
            files.append(SourceFile(name, content))
    if len(files) > MAX_FILES:
        problems.append(DefinitionProblem("<upload>", gettext("at most %(n)d files at once", n=MAX_FILES),
                                          code="upload.too_many"))
    if not files and not problems:
        problems.append(DefinitionProblem("<upload>", gettext("choose at least one file"), code="upload.none"))
    if problems:
        raise DefinitionError(problems)
    return files


def _is_utf8(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def declared_processes(name: str, content: bytes, max_bytes: int) -> list[str]:
    """The executable process ids a diagram declares ([] if it cannot be read; validation says why)."""
    try:
        tree = parse_untrusted(name, content, max_bytes)
    except DefinitionError:
        return []
    return [p.get("id") for p in tree.getroot().iter(f"{{{BPMN_NS}}}process")
            if p.get("id") and p.get("isExecutable", "").lower() == "true"]


def with_companions(session: Session, given: list[SourceFile], process_ids: Iterable[str],
                    max_bytes: int) -> list[SourceFile]:
    """`given` plus the files of the newest version of each named process (and of every process a
    given diagram declares) that `given` does not replace. A given .bpmn replaces the stored diagram
    of those processes; other files replace stored files of the same name."""
    names = {base_name(f.name) for f in given}
    diagrams = [f for f in given if f.name.lower().endswith(".bpmn")]
    wanted = list(dict.fromkeys([*process_ids, *(pid for f in diagrams
                                                 for pid in declared_processes(f.name, f.content, max_bytes))]))
    files = list(given)
    for process_id in wanted:
        found = latest_version_files(session, process_id)
        if found is None:
            continue
        for file in found.files:
            if file.id == found.definition.bpmn_file_id and diagrams:
                continue
            if file.base_name in names:
                continue
            names.add(file.base_name)
            files.append(file.source())
    return files


def diagram_name(session: Session, process_id: str | None, content: bytes, max_bytes: int) -> str:
    """The file name an edited diagram is deployed under: the stored one, else `<process id>.bpmn`."""
    candidates = [process_id] if process_id else []
    candidates += declared_processes("diagram.bpmn", content, max_bytes)
    for candidate in candidates:
        found = latest_version_files(session, candidate)
        if found is not None:
            return found.diagram.name
    safe = "".join(c for c in (candidates[0] if candidates else "") if c.isalnum() or c in "_-.")[:100]
    return f"{safe or 'diagram'}.bpmn"


def replace_form(files: list[SourceFile], form_name: str, content: bytes) -> list[SourceFile]:
    return [SourceFile(f.name, content) if is_form(f.name) and base_name(f.name) == form_name else f for f in files]
