"""The script engine the workflows run with: the sandbox, plus bounds on what a timer's expression gives."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from ..clock import Clock, SystemClock
from ..errors import RunLimitExceeded
from ..limits import RunLimits
from ..timers.bounds import check_timer_value
from .sandbox import SandboxEnvironment


class SqflowScriptEngine(PythonScriptEngine):
    def __init__(self, environment: SandboxEnvironment, clock: Clock):
        super().__init__(environment=environment)
        self._clock = clock

    def evaluate(self, task, expression, external_context=None):
        value = super().evaluate(task, expression, external_context)
        for timer in _timers_of(getattr(task.task_spec, "event_definition", None)):
            if timer.expression == expression:
                try:
                    check_timer_value(timer, value, self.environment.limits, self._clock.now())
                except RunLimitExceeded as exc:
                    raise WorkflowTaskException(str(exc), task=task, exception=exc) from None
        return value


def _timers_of(definition: Any) -> list[TimerEventDefinition]:
    if isinstance(definition, TimerEventDefinition):
        return [definition]
    return [d for d in getattr(definition, "event_definitions", None) or [] if isinstance(d, TimerEventDefinition)]


def make_script_engine(helpers: Mapping[str, Callable] | None = None, limits: RunLimits | None = None,
                       clock: Clock | None = None) -> SqflowScriptEngine:
    clock = clock or SystemClock()
    return SqflowScriptEngine(SandboxEnvironment(helpers, limits=limits, clock=clock), clock)
