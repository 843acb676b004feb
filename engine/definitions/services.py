"""Services registered with sqflow: what a Camunda service task (external task topic, Java class or
delegate bean) may call. None are registered by default; an application registers them when it builds
its engine (`Engine(settings, services=ServiceRegistry([...]))`).

A service is a Python function taking keyword arguments (the task's camunda:inputParameter values)
and returning a dict of the variables it sets, of which the task keeps those listed in `outputs`.
At deploy a service task naming it becomes a script task calling it, so it runs inside the step's
budget like any script; a task naming an unknown service is refused with the names registered.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping


@dataclass(frozen=True)
class Service:
    name: str                             # the topic, class or bean name the diagram uses
    function: Callable[..., Mapping[str, Any] | None]
    outputs: tuple[str, ...] = ()         # variables it sets in the task's data

    @property
    def helper(self) -> str:
        """The name scripts call it by."""
        return "service_" + re.sub(r"\W", "_", self.name)


@dataclass(frozen=True)
class ServiceRegistry:
    services: tuple[Service, ...] = field(default_factory=tuple)

    def __init__(self, services: Iterable[Service] = ()):
        object.__setattr__(self, "services", tuple(services))

    def find(self, name: str) -> Service | None:
        return next((s for s in self.services if s.name == name), None)

    def names(self) -> list[str]:
        return sorted(s.name for s in self.services)

    def helpers(self) -> dict[str, Callable]:
        """The functions offered to scripts, by the names the rewritten tasks call."""
        return {service.helper: _returning_dict(service) for service in self.services}


def _returning_dict(service: Service) -> Callable[..., dict]:
    def call(**arguments: Any) -> dict:
        result = service.function(**arguments)
        return dict(result or {})
    call.__name__ = service.helper
    return call


def calling_script(service: Service, arguments: Mapping[str, str]) -> str:
    """The script a service task becomes: the call, then each output copied into the task's data.
    `arguments` maps parameter names to Python expressions."""
    listed = ", ".join(f"{name}={expression}" for name, expression in arguments.items())
    lines = [f"service_result = {service.helper}({listed})"]
    lines += [f"{name} = service_result.get({name!r})" for name in service.outputs]
    return "\n".join([*lines, "del service_result"])
