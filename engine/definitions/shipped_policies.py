"""SLA policies shipped with a diagram: `<process id>.sla.json` beside it, deployed and versioned with it.

The file is the policy file of `sqflow sla load` (engine.sla.policy). Deploying a new version of the
process stores its policies, so its deadlines run without a separate load; `sqflow sla load` then
overrides them until the next version ships its own.
"""
from __future__ import annotations

from pathlib import PurePosixPath

from ..errors import DefinitionProblem, InvalidInputError
from ..sla.policy import parse_policies

POLICY_SUFFIX = ".sla.json"


def is_policy(name: str) -> bool:
    return name.lower().endswith(POLICY_SUFFIX)


def policy_file_name(process_id: str) -> str:
    return f"{process_id}{POLICY_SUFFIX}"


def policy_problems(name: str, content: bytes) -> list[DefinitionProblem]:
    """What is wrong with a shipped policy file: its form, or a name that is not its process's."""
    try:
        process_id, _ = parse_policies(name, content)
    except InvalidInputError as exc:
        return [DefinitionProblem(name, str(exc), code="policy.invalid", params={"reason": str(exc)})]
    expected = policy_file_name(process_id)
    if PurePosixPath(name).name != expected:
        return [DefinitionProblem(name, f"the SLA policies of {process_id!r} ship as {expected}: rename the file",
                                  code="policy.misnamed", params={"process": process_id, "expected": expected})]
    return []
