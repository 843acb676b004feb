"""Every number the business rules give is a branch setting (engine/branch_settings.py), documented in
the README with its default and rule; diagrams (the complaint and the supervisor ones), shipped SLA
policies and the complaint, SLA and supervisor modules read the settings and hold none of those numbers
themselves."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from lxml import etree

from engine import Settings
from engine.branch_settings import BranchSettings, described
from engine.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[1]
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CODE = [f"{{{BPMN}}}{tag}" for tag in ("script", "conditionExpression", "timeDuration", "timeDate", "timeCycle")]
# Where the complaint, SLA, assessment and supervisor rules are computed.
MODULES = [*sorted((ROOT / "processes" / "complaints").glob("*.py")), *sorted((ROOT / "engine" / "sla").glob("*.py")),
           *sorted((ROOT / "processes" / "supervisors").glob("*.py")),
           ROOT / "cli" / "sla.py", ROOT / "web" / "api" / "reports.py", ROOT / "web" / "monitor" / "dashboard.py"]
NOT_RULES = {("engine/sla/policies.py", "REFRESH_SECONDS"),  # how often policies are read again
             ("processes/complaints/demo.py", "count")}      # how many demo complaints
SETTING_NUMBERS = {value for value in BranchSettings().numbers().values()
                   if isinstance(value, (int, float)) and value not in (0, 1)}
SETTING_TEXTS = {value for value in BranchSettings().numbers().values() if isinstance(value, str)}  # e.g. "06-28"


def _is_setting(value: object) -> bool:
    return (type(value) in (int, float) and value in SETTING_NUMBERS) or (type(value) is str and value in SETTING_TEXTS)


def numbers_in_code(source: str) -> list[float]:
    """Numbers (and texts such as a month-day) a script or expression holds that are settings' values
    (slices such as [:10] aside)."""
    tree = ast.parse(source)
    sliced = {id(n) for node in ast.walk(tree) if isinstance(node, ast.Slice) for n in ast.walk(node)}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and _is_setting(n.value)
            and id(n) not in sliced]


def numbers_in_module(source: str) -> list[tuple[str, float | str]]:
    """Module constants and default arguments that are settings' values: (name, value)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Constant):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [(getattr(t, "id", "?"), node.value.value) for t in targets]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = node.args.args[len(node.args.args) - len(node.args.defaults):] + node.args.kwonlyargs
            defaults = node.args.defaults + node.args.kw_defaults
            found += [(a.arg, d.value) for a, d in zip(arguments, defaults) if isinstance(d, ast.Constant)]
    return [(name, value) for name, value in found if _is_setting(value)]


def test_the_checks_find_a_number_written_into_a_diagram_or_a_module():
    assert numbers_in_code("max_callback_attempts = 3") == [3]
    assert numbers_in_code("late = hours > 17.0") == [17.0]
    assert numbers_in_code("day = received[:10]\nattempts = attempts + 1") == []
    assert numbers_in_code("plan = yearly_plan(start, {'symposium_on': '06-28'})") == ["06-28"]
    assert numbers_in_module("HOURS_LIMIT = 17.0\ndef f(x, months=5): pass") == [("HOURS_LIMIT", 17.0),
                                                                                   ("months", 5)]


@pytest.mark.parametrize("diagram", sorted((ROOT / "bpmn").rglob("*.bpmn")), ids=lambda p: p.name)
def test_no_diagram_holds_a_number_the_rules_make_a_setting(diagram):
    """R-CLS-01, R-SLA-04, R-APL-01: e.g. the callback attempts, reply hours and appeal limits come from
    `branch_settings()` when a case starts; R-SUP-05, R-SUP-07, R-APL-03..06: so do a supervisor's term,
    assessment thresholds and the appeals' working days."""
    found = [(element.getparent().get("id"), number) for element in etree.parse(str(diagram)).iter(*CODE)
             if (element.text or "").strip() for number in numbers_in_code(element.text.strip())]
    assert found == []


@pytest.mark.parametrize("policy_file", sorted((ROOT / "bpmn").rglob("*.sla.json")), ids=lambda p: p.name)
def test_shipped_sla_policies_name_settings_instead_of_numbers(policy_file):
    """R-SLA-01, R-SLA-03, R-SLA-04, R-SLA-10: each deadline's length and warnings are the branch's."""
    numbers = BranchSettings().numbers()
    for policy in json.loads(policy_file.read_text(encoding="utf-8"))["policies"]:
        assert isinstance(policy.get("warnings", "sla_warnings"), str) and policy.get("warnings", "sla_warnings") in numbers
        for rule in policy["rules"]:
            target = rule["target"]
            assert "field" in target or target["amount"] in numbers, (policy["id"], target)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_complaint_sla_or_supervisor_module_holds_a_number_the_rules_make_a_setting(module):
    """R-MSR-02, R-SLA-05, R-APL-01: the vendor points, the 17 h target and the appeal limits are settings;
    R-SUP-01, R-SUP-07: so are the pass mark and the assessment thresholds."""
    where = module.relative_to(ROOT).as_posix()
    found = [(name, value) for name, value in numbers_in_module(module.read_text(encoding="utf-8"))
             if (where, name) not in NOT_RULES]
    assert found == []


def test_every_setting_is_in_the_readme_with_its_default_and_rule():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for variable, default, rule, meaning in described():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{variable}`")), None)
        assert row is not None, variable
        assert f"`{default}`" in row and all(part.strip() in row for part in rule.split(",")), row
        assert meaning in row, row


def test_a_branch_sets_its_own_numbers_and_nonsense_is_refused():
    settings = Settings.from_env({"SQFLOW_ANSWER_WORKDAYS": "10", "SQFLOW_HANDLING_HOURS_LIMIT": "16.5"})
    assert (settings.branch.answer_workdays, settings.branch.handling_hours_limit) == (10, 16.5)
    assert Settings.from_env({}).branch == BranchSettings()
    with pytest.raises(ConfigurationError, match="SQFLOW_CALLBACK_ATTEMPTS='three'"):
        Settings.from_env({"SQFLOW_CALLBACK_ATTEMPTS": "three"})
    with pytest.raises(ConfigurationError, match="SQFLOW_SIGN_FOR_HOURS=0"):
        BranchSettings(sign_for_hours=0)
    with pytest.raises(ConfigurationError, match=re.escape("SQFLOW_SLA_WARNINGS='0.5,1.5'")):
        BranchSettings(sla_warnings="0.5,1.5")


def test_the_supervisor_limits_are_branch_settings_and_nonsense_is_refused():
    """R-SUP-05: a branch with 3-year terms; a term never longer than the consecutive service allowed.
    R-SUP-01, R-SUP-07, R-SUP-08: the written test's share, rising assessment thresholds, a month-day."""
    branch = Settings.from_env({"SQFLOW_SUPERVISOR_TERM_YEARS": "3", "SQFLOW_SUPERVISOR_SYMPOSIUM_ON": "02-29"}).branch
    assert (branch.supervisor_term_years, branch.supervisor_symposium_on) == (3, "02-29")
    assert BranchSettings(supervisor_written_weight=0).supervisor_written_weight == 0
    refused = [({"SQFLOW_SUPERVISOR_TERM_YEARS": "0"}, "SQFLOW_SUPERVISOR_TERM_YEARS=0"),
               ({"SQFLOW_SUPERVISOR_TERM_YEARS": "2.5"}, "SQFLOW_SUPERVISOR_TERM_YEARS='2.5'"),
               ({"SQFLOW_SUPERVISOR_TERM_YEARS": "5"}, "SQFLOW_SUPERVISOR_MAX_CONSECUTIVE_YEARS=4"),
               ({"SQFLOW_SUPERVISOR_WRITTEN_WEIGHT": "1.5"}, "SQFLOW_SUPERVISOR_WRITTEN_WEIGHT=1.5"),
               ({"SQFLOW_SUPERVISOR_KEEP_FROM": "95"}, "SQFLOW_SUPERVISOR_CORRECT_FROM"),
               ({"SQFLOW_SUPERVISOR_PASS_MARK": "101"}, "SQFLOW_SUPERVISOR_PASS_MARK=101"),
               ({"SQFLOW_SUPERVISOR_SYMPOSIUM_ON": "6-28"}, "SQFLOW_SUPERVISOR_SYMPOSIUM_ON='6-28'"),
               ({"SQFLOW_SUPERVISOR_YEAR_END_VISIT_ON": "12-32"}, "SQFLOW_SUPERVISOR_YEAR_END_VISIT_ON='12-32'")]
    for environ, message in refused:
        with pytest.raises(ConfigurationError, match=re.escape(message)):
            Settings.from_env(environ)
