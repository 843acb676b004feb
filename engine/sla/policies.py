"""Storing and looking up the SLA policies of each process (the operator's last load wins)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from threading import Lock
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInputError
from ..people.groups import Groups
from ..persistence.tables import SlaPolicySet
from .policy import SlaPolicy, parse_policies, policy_from_dict, policy_to_dict

REFRESH_SECONDS = 5.0


def save_policies(session: Session, process_id: str, policies: list[SlaPolicy], source: str, by: str,
                  at: datetime) -> bool:
    """Store a process's policies, replacing the earlier ones; True when it replaced some. Refused when
    a policy escalates to a group that does not exist."""
    refuse_unknown_targets(session, process_id, policies)
    row = session.get(SlaPolicySet, process_id)
    replaced = row is not None
    if row is None:
        row = SlaPolicySet(process_id=process_id)
        session.add(row)
    row.policies = [policy_to_dict(p) for p in policies]
    row.source, row.loaded_at, row.loaded_by = source, at, by
    session.flush()
    return replaced


def refuse_unknown_targets(session: Session, process_id: str, policies: list[SlaPolicy]) -> None:
    """`InvalidInputError` naming each escalation target that is no active group, and its policies."""
    used_by: dict[str, list[str]] = {}
    for policy in policies:
        for target in {policy.escalate_to, *(rule.escalate_to for rule in policy.rules)} - {None}:
            used_by.setdefault(target, []).append(policy.id)
    unknown = Groups().unknown(session, used_by)
    if unknown:
        named = "; ".join(f"{name!r} (policy {', '.join(used_by[name])})" for name in unknown)
        raise InvalidInputError(f"{process_id}: the SLA policies escalate to groups that do not exist: {named}; "
                                "create them first (sqflow group add NAME --label …)")


@dataclass(frozen=True)
class LoadedPolicies:
    """What loading a policy file stored."""
    process_id: str
    policy_ids: tuple[str, ...]
    replaced: bool  # the process had policies, which these replace


class PolicyBook:
    """The policies of each process, read from the database at most every few seconds per process."""

    def __init__(self, numbers: Mapping[str, Any] | None = None) -> None:
        """`numbers`: the branch's settings, which policies may name instead of a number."""
        self.numbers = dict(numbers or {})
        self._cache: dict[str, tuple[float, tuple[SlaPolicy, ...]]] = {}
        self._lock = Lock()

    def for_process(self, session: Session, process_id: str) -> tuple[SlaPolicy, ...]:
        cached = self._cache.get(process_id)
        if cached is not None and time.monotonic() - cached[0] < REFRESH_SECONDS:
            return cached[1]
        row = session.scalars(select(SlaPolicySet).where(SlaPolicySet.process_id == process_id)).first()
        policies = tuple(policy_from_dict(process_id, item, self.numbers) for item in row.policies) if row else ()
        with self._lock:
            self._cache[process_id] = (time.monotonic(), policies)
        return policies

    def load(self, session: Session, name: str, content: bytes, by: str, at: datetime) -> LoadedPolicies:
        """Store the policies of the policy file `name` for its process, replacing the earlier ones (new
        deadlines use them; running ones keep theirs). Raises `InvalidInputError` for a file that does not
        read or escalates to groups that do not exist."""
        process_id, policies = parse_policies(name, content, self.numbers)
        replaced = save_policies(session, process_id, policies, name, by, at)
        self.forget(process_id)
        return LoadedPolicies(process_id, tuple(p.id for p in policies), replaced)

    def forget(self, process_id: str | None = None) -> None:
        with self._lock:
            if process_id is None:
                self._cache.clear()
            else:
                self._cache.pop(process_id, None)
