"""Importing a branch's roster (a CSV file of people) so that the accounts match it.

Columns (a header row names them, in any order; English or Chinese names):
login/登录名 (required), name/姓名 (required), department/部门, groups/组, roles/角色,
mail/邮箱, active/在用. Groups and roles are separated by ";"; a department or group is
named by its code or its label. A column left out of the file leaves that field of existing accounts
as it is (a new account gets: no department, no groups, the role handler, active).

Importing is all or nothing: every line is checked first and any problem refuses the whole file,
each problem with its line number. Importing the same file again changes nothing. New accounts get
no password: an administrator hands each person a temporary one (reset password), which they
change at their first sign-in. A person who becomes inactive is disabled as by `PeopleAdmin.disable`.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInputError
from ..persistence.tables import Group, UserAccount
from ..runtime.journal import Journal
from .administration import PeopleAdmin, PersonSpec, current_values, problems_of
from .directory import LOCALES, NO_PASSWORD, touched

COLUMNS = {
    "login": ("login", "登录名", "账号"), "name": ("name", "姓名", "显示名"), "department": ("department", "部门"),
    "groups": ("groups", "组", "工作组"), "roles": ("roles", "角色"), "mail": ("mail", "email", "邮箱"),
    "active": ("active", "在用", "状态"),
}
YES = ("yes", "y", "true", "1", "是", "在用", "启用")
NO = ("no", "n", "false", "0", "否", "停用", "禁用")
SEPARATORS = re.compile(r"[;；]")
MAX_PROBLEMS_SHOWN = 50


@dataclass(frozen=True)
class LineProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class RosterInvalid(InvalidInputError):
    def __init__(self, problems: list[LineProblem]):
        self.problems = problems
        shown = "\n".join(f"  {p}" for p in problems[:MAX_PROBLEMS_SHOWN])
        more = len(problems) - MAX_PROBLEMS_SHOWN
        super().__init__(f"nothing imported: {len(problems)} problem(s) in the file\n{shown}"
                         + (f"\n  … and {more} more" if more > 0 else ""))


@dataclass(frozen=True)
class RosterLine:
    line: int
    spec: PersonSpec
    given: frozenset[str]      # the fields the file sets


@dataclass
class ImportReport:
    dry_run: bool
    lines: int = 0
    added: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, list]] = field(default_factory=dict)
    disabled: list[str] = field(default_factory=list)
    enabled: list[str] = field(default_factory=list)
    unchanged: int = 0
    tasks_returned: int = 0

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.changed or self.disabled or self.enabled)


def read_roster(session: Session, name: str, content: bytes) -> list[RosterLine]:
    """The file's lines as account specs; `RosterInvalid` lists every problem with its line number."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(f"{name}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    if header is None:
        raise InvalidInputError(f"{name}: empty file; the first line names the columns")
    columns = _columns(name, header)
    departments, groups = _names(session)
    problems: list[LineProblem] = []
    found: list[RosterLine] = []
    first_line: dict[str, int] = {}
    for row in rows:
        number = rows.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            problems.append(LineProblem(number, f"{len(row)} cells, but the header names {len(header)} columns"))
            continue
        cells = {key: (row[index].strip() if index < len(row) else "") for key, index in columns.items()}
        line_problems: list[str] = []
        spec = _spec(cells, departments, groups, line_problems)
        line_problems.extend(problems_of(spec, set(departments.values()), set(groups.values())))
        if spec.login in first_line:
            line_problems.append(f"{spec.login} is already on line {first_line[spec.login]}")
        first_line.setdefault(spec.login, number)
        problems.extend(LineProblem(number, message) for message in line_problems)
        found.append(RosterLine(number, spec, frozenset(columns)))
    if problems:
        raise RosterInvalid(problems)
    return found


def import_roster(session: Session, lines: list[RosterLine], *, by: str, now: datetime,
                  dry_run: bool = False, admin: PeopleAdmin | None = None) -> ImportReport:
    """Bring the accounts to the roster (or, `dry_run`, only say what would change)."""
    admin = admin or PeopleAdmin()
    report = ImportReport(dry_run, lines=len(lines))
    existing = {row.login: row for row in session.scalars(
        select(UserAccount).where(UserAccount.login.in_([line.spec.login for line in lines])))} if lines else {}
    journal = Journal(session, None, now)
    for line in lines:
        spec, row = line.spec, existing.get(line.spec.login)
        if row is None:
            report.added.append(spec.login)
            if not dry_run:
                session.add(_new_account(spec, now))
                journal.add(by, "person.added", details={"login": spec.login, "values": spec.values(),
                                                         "from_roster": True})
            continue
        before = current_values(row)
        wanted = {key: value for key, value in spec.values().items() if _field(key) in line.given}
        changes = {key: [before[key], value] for key, value in wanted.items()
                   if key != "active" and before[key] != value}
        activity = wanted.get("active", before["active"])
        if changes:
            report.changed[spec.login] = changes
            if not dry_run:
                for key, (_, value) in changes.items():
                    setattr(row, key, value)
                journal.add(by, "person.changed", details={"login": spec.login, "changes": changes,
                                                           "from_roster": True})
        if activity != before["active"]:
            (report.enabled if activity else report.disabled).append(spec.login)
        elif not changes:
            report.unchanged += 1
    if dry_run:
        return report
    session.flush()
    journal.flush()
    for login in report.disabled:
        report.tasks_returned += len(admin.disable(session, login, by=by, now=now).tasks_returned)
    for login in report.enabled:
        admin.enable(session, login, by=by, now=now)
    touched()
    return report


def _columns(name: str, header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        cleaned = title.strip().lower()
        key = next((k for k, aliases in COLUMNS.items() if cleaned in aliases), None)
        if key is None:
            raise InvalidInputError(f"{name}: line 1: unknown column {title!r}; the columns are "
                                    + ", ".join(aliases[0] for aliases in COLUMNS.values()))
        if key in positions:
            raise InvalidInputError(f"{name}: line 1: the column {title!r} appears twice")
        positions[key] = index
    missing = [key for key in ("login", "name") if key not in positions]
    if missing:
        raise InvalidInputError(f"{name}: line 1: needs the column(s) {', '.join(missing)}")
    return positions


def _names(session: Session) -> tuple[dict[str, str], dict[str, str]]:
    """Code or label -> code, of the active departments and of every active group."""
    departments: dict[str, str] = {}
    groups: dict[str, str] = {}
    rows = session.execute(select(Group.name, Group.label, Group.kind).where(Group.active.is_(True))).all()
    for name, label, kind in rows:
        for table in ((departments, groups) if kind == "department" else (groups,)):
            table.setdefault(label, name)
    for name, _, kind in rows:  # a code wins over another group's label
        for table in ((departments, groups) if kind == "department" else (groups,)):
            table[name] = name
    return departments, groups


def _spec(cells: dict[str, str], departments: dict[str, str], groups: dict[str, str],
          problems: list[str]) -> PersonSpec:
    department = cells.get("department") or None
    group_cells = [item.strip() for item in SEPARATORS.split(cells.get("groups", "")) if item.strip()]
    roles = [item.strip() for item in SEPARATORS.split(cells.get("roles", "")) if item.strip()] or ["handler"]
    active = True
    flag = cells.get("active", "").lower()
    if flag and flag not in YES + NO:
        problems.append(f"active {cells['active']!r}: write yes or no")
    elif flag in NO:
        active = False
    return PersonSpec(cells.get("login", ""), cells.get("name", ""),
                      departments.get(department, department) if department else None,
                      tuple(groups.get(g, g) for g in group_cells), tuple(roles),
                      cells.get("mail") or None, active).normalized()


def _field(key: str) -> str:
    return "mail" if key == "email" else key


def _new_account(spec: PersonSpec, now: datetime) -> UserAccount:
    values: dict[str, Any] = spec.values()
    return UserAccount(login=spec.login, name=spec.name, password_hash=NO_PASSWORD, roles=values["roles"],
                       groups=values["groups"], email=spec.email, locale=LOCALES[0], active=spec.active,
                       created_at=now, department=spec.department, must_change_password=True, source="local",
                       disabled_at=None if spec.active else now)
