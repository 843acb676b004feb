"""Every number the business rules give is a branch setting (engine/branch_settings.py), documented in
the README with its default and rule; diagrams, shipped SLA policies and the complaint modules read the
settings and hold none of those numbers themselves."""
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
# Where the complaint, SLA and assessment rules are computed (the supervisors' limits live in their own
# policy, processes/supervisors/policy.py).
MODULES = [*sorted((ROOT / "processes" / "complaints").glob("*.py")), *sorted((ROOT / "engine" / "sla").glob("*.py")),
           ROOT / "cli" / "sla.py", ROOT / "web" / "api" / "reports.py", ROOT / "web" / "monitor" / "dashboard.py"]
NOT_RULES = {("engine/sla/policies.py", "REFRESH_SECONDS"),  # how often policies are read again
             ("processes/complaints/demo.py", "count")}      # how many demo complaints
SETTING_NUMBERS = {value for value in BranchSettings().numbers().values()
                   if isinstance(value, (int, float)) and value not in (0, 1)}


def numbers_in_code(source: str) -> list[float]:
    """Numbers a script or expression holds that are settings' numbers (slices such as [:10] aside)."""
    tree = ast.parse(source)
    sliced = {id(n) for node in ast.walk(tree) if isinstance(node, ast.Slice) for n in ast.walk(node)}
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) in (int, float)
            and n.value in SETTING_NUMBERS and id(n) not in sliced]


def numbers_in_module(source: str) -> list[tuple[str, float]]:
    """Module constants and default arguments that are settings' numbers: (name, number)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Constant):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [(getattr(t, "id", "?"), node.value.value) for t in targets]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = node.args.args[len(node.args.args) - len(node.args.defaults):] + node.args.kwonlyargs
            defaults = node.args.defaults + node.args.kw_defaults
            found += [(a.arg, d.value) for a, d in zip(arguments, defaults) if isinstance(d, ast.Constant)]
    return [(name, value) for name, value in found
            if type(value) in (int, float) and value in SETTING_NUMBERS]


def test_the_checks_find_a_number_written_into_a_diagram_or_a_module():
    assert numbers_in_code("max_callback_attempts = 3") == [3]
    assert numbers_in_code("late = hours > 17.0") == [17.0]
    assert numbers_in_code("day = received[:10]\nattempts = attempts + 1") == []
    assert numbers_in_module("HOURS_LIMIT = 17.0\ndef f(x, months=5): pass") == [("HOURS_LIMIT", 17.0),
                                                                                   ("months", 5)]


@pytest.mark.parametrize("diagram", sorted((ROOT / "bpmn").rglob("*.bpmn")), ids=lambda p: p.name)
def test_no_diagram_holds_a_number_the_rules_make_a_setting(diagram):
    """R-CLS-01, R-SLA-04, R-APL-01: e.g. the callback attempts, reply hours and appeal limits come from
    `branch_settings()` when a case starts."""
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
def test_no_complaint_or_sla_module_holds_a_number_the_rules_make_a_setting(module):
    """R-MSR-02, R-SLA-05, R-APL-01: the vendor points, the 17 h target and the appeal limits are settings."""
    where = module.relative_to(ROOT).as_posix()
    found = [(name, value) for name, value in numbers_in_module(module.read_text(encoding="utf-8"))
             if (where, name) not in NOT_RULES]
    assert found == []


def test_every_setting_is_in_the_readme_with_its_default_and_rule():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for variable, default, rule, _ in described():
        row = next((line for line in readme.splitlines() if line.startswith(f"| `{variable}`")), None)
        assert row is not None, variable
        assert f"`{default}`" in row and all(part.strip() in row for part in rule.split(",")), row


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
