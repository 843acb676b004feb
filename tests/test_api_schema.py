"""Schemathesis against the OpenAPI document, in-process through the app's WSGI interface: every
operation with generated input (valid and invalid), as an admin and as a handler: no 5xx, every
answer as documented.

(Schemathesis' own pytest plugin does not run under pytest 9 yet, so each operation's strategy is
driven by Hypothesis here.)
"""
from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)
from schemathesis.generation import GenerationMode

from engine.people.tokens import ApiTokens

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 20
# Revoking a token would sooner or later revoke the one the run uses; tests/test_api_tokens.py covers it.
SKIPPED = {("DELETE", "/tokens/{token_id}")}
RUN = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
               suppress_health_check=list(HealthCheck))


def prepared(web) -> tuple[dict[str, str], dict[str, Any]]:
    """A process deployed, some instances (one in error) and tasks, a token each for an admin and a
    handler, and per operation the real ids and names that let generated requests reach past a 404."""
    web.deploy("work_order.bpmn")
    views = [web.start("work_order", {"description": "宽带断网", "category": "complaint"}, key=f"TS-{number}")
             for number in range(3)]
    views.append(web.start("work_order", {}, key="TS-broken"))
    with web.sessions.begin() as db:
        tokens = {login: ApiTokens().create(db, login, "schemathesis", web.clock.now()).token
                  for login in ("admin", "li.wei")}
    instance_ids = st.sampled_from([view.id for view in views])
    task_ids = st.sampled_from([task.id for view in views for task in view.open_tasks])
    targets = {
        "POST /instances": {"body": st.fixed_dictionaries(
            {"process_id": st.just("work_order")},
            optional={"business_key": st.sampled_from(["TS-0", "TS-9"]),
                      "data": st.fixed_dictionaries({"description": st.text(), "category": st.text()})})},
        "POST /messages": {"body": st.fixed_dictionaries(
            {"business_key": st.sampled_from(["TS-0", "TS-1"]), "message": st.sampled_from(["customer_called", "x"])})},
    }
    return tokens, {"instance_id": instance_ids, "task_id": task_ids, **targets}


def strategy(operation, targets: dict):
    """Generated requests (valid and invalid), and as many with real ids and bodies naming real processes
    and cases."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    known = {name: targets[name] for name in ("instance_id", "task_id") if "{" + name + "}" in operation.path}
    if known:
        strategies.append(st.fixed_dictionaries(known).flatmap(
            lambda ids: operation.as_strategy(GenerationMode.POSITIVE, path_parameters=ids)))
    if operation.label in targets:
        strategies.append(targets[operation.label]["body"].flatmap(
            lambda body: operation.as_strategy(GenerationMode.POSITIVE, body=body)))
    return st.one_of(strategies)


def test_every_operation_answers_as_documented(web):
    tokens, targets = prepared(web)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", web.app)
    # Managers' actions last, so the tasks and messages before them still find cases that are open.
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda operation: operation.path.startswith("/instances/{instance_id}/"))
    assert len(operations) >= 20
    tried = []
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue

        @RUN
        @given(case=strategy(operation, targets))
        def answers_as_documented(case) -> None:
            for token in tokens.values():
                response = case.call(headers={"Authorization": f"Bearer {token}"})
                case.validate_response(response, checks=CHECKS)

        answers_as_documented()
        tried.append(operation.label)
    assert "POST /instances" in tried and "POST /tasks/{task_id}/complete" in tried
