"""Every error sqflow raises on purpose derives from `SqflowError`.

The tree (only `web/` and `cli/` translate these into HTTP statuses or exit codes)::

    SqflowError
    ├── ConfigurationError          a setting is missing or malformed
    ├── DatabaseUnavailable         the database cannot be reached
    ├── DefinitionError             a diagram cannot be deployed
    │   ├── UnsafeXmlError          DTDs, entities, external references, oversized files
    │   ├── UnsupportedElementsError  elements sqflow does not execute
    │   └── ScriptPolicyError       a script or expression breaks the sandbox rules
    ├── AccessError                 who is asking may not do this
    │   ├── AuthenticationFailed    unknown login, wrong password or disabled account
    │   └── Forbidden               a signed-in user acting outside their roles and groups
    ├── NotFoundError
    │   ├── ProcessNotFound
    │   ├── InstanceNotFound
    │   └── TaskNotFound
    ├── InvalidInputError           caller data that is not acceptable (bad JSON, wrong shape)
    │   └── FormInvalid             task data that breaks the task's form schema, by field
    ├── RunLimitExceeded            a step went past a run-time budget (time, tasks, data, sizes)
    └── StateError                  the action does not fit the current state
        ├── ConflictError           another writer changed the instance first
        ├── TaskNotOpen             the task is already completed or cancelled
        └── InstanceNotActive       suspended, terminated, completed, or in error

A `DefinitionError` carries the problems it found as `DefinitionProblem` rows (file, line,
element id, message), so a designer sees every problem at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field


class SqflowError(Exception):
    """Base of every error sqflow raises on purpose."""


class ConfigurationError(SqflowError):
    pass


class DatabaseUnavailable(SqflowError):
    pass


@dataclass(frozen=True)
class DefinitionProblem:
    """One thing that keeps a diagram from being deployed. `code` and `params` say it again in a form
    the web layer translates (engine.definitions.problems lists the codes); `message` is the English."""

    file: str
    message: str
    line: int | None = None
    element_id: str | None = None
    element_name: str | None = None
    code: str | None = None
    params: dict = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.element_id:
            where += f" [{self.element_id}]"
        return f"{where}: {self.message}"


class DefinitionError(SqflowError):
    def __init__(self, problems: list[DefinitionProblem] | DefinitionProblem):
        self.problems = problems if isinstance(problems, list) else [problems]
        self.warnings: list[DefinitionProblem] = []  # what is only shown beside the problems (definitions.lint)
        super().__init__("; ".join(str(p) for p in self.problems))


class UnsafeXmlError(DefinitionError):
    pass


class UnsupportedElementsError(DefinitionError):
    pass


class ScriptPolicyError(DefinitionError):
    """Raised at deploy time with problems, and at run time with a plain message."""

    def __init__(self, problems: list[DefinitionProblem] | DefinitionProblem | str):
        if isinstance(problems, str):
            problems = DefinitionProblem(file="<script>", message=problems)
        super().__init__(problems)


class AccessError(SqflowError):
    pass


class AuthenticationFailed(AccessError):
    pass


class Forbidden(AccessError):
    pass


class NotFoundError(SqflowError):
    pass


class ProcessNotFound(NotFoundError):
    pass


class InstanceNotFound(NotFoundError):
    pass


class TaskNotFound(NotFoundError):
    pass


class InvalidInputError(SqflowError):
    pass


class FormInvalid(InvalidInputError):
    """`fields` maps each offending field ("" for the whole form, "a.b" for nested) to what is wrong."""

    def __init__(self, task_name: str, fields: dict[str, str]):
        self.fields = fields
        listed = "; ".join(f"{name or '(form)'}: {message}" for name, message in fields.items())
        super().__init__(f"the form of {task_name} is not valid: {listed}")


class RunLimitExceeded(SqflowError):
    """Raised inside a step (and recorded as the instance's error), never to a caller."""


class StateError(SqflowError):
    pass


class ConflictError(StateError):
    pass


class TaskNotOpen(StateError):
    pass


class InstanceNotActive(StateError):
    pass
