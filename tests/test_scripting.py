"""The script sandbox on its own: what diagrams may and may not do."""
from __future__ import annotations

import pytest

from engine.errors import ScriptPolicyError
from engine.scripting import SandboxEnvironment, check_script


@pytest.mark.parametrize("source, reason", [
    ("import os", "imports are not allowed"),
    ("from os import system", "imports are not allowed"),
    ("x = ().__class__.__base__.__subclasses__()", "__class__"),
    ("x = __builtins__", "__builtins__"),
    ("global y\ny = 1", "global statements"),
    ("x = (", "SyntaxError"),
])
def test_forbidden_or_broken_scripts_are_refused_with_the_reason(source, reason):
    assert reason in check_script(source)


def test_ordinary_scripts_run_and_write_task_data():
    env = SandboxEnvironment()
    data = {"amounts": [3, 4], "name": "张三"}
    env.execute("total = sum(amounts)\ntotal += 1\ngreeting = f'您好 {name}'\nlabels = [a for a in amounts]", data)
    assert data == {"amounts": [3, 4], "name": "张三", "total": 8, "greeting": "您好 张三", "labels": [3, 4]}


def test_helpers_are_callable_but_never_stored_in_task_data():
    env = SandboxEnvironment({"double": lambda x: 2 * x})
    data = {"n": 21}
    env.execute("answer = double(n)", data)
    assert data == {"n": 21, "answer": 42}
    assert env.evaluate("double(n) > 40", data) is True


@pytest.mark.parametrize("source", [
    "open('/etc/passwd')",
    "eval('1')",
    "getattr(name, '__class__')",
    "'{0.__class__}'.format(name)",
])
def test_dangerous_calls_fail_at_run_time(source):
    with pytest.raises(Exception) as caught:
        SandboxEnvironment().evaluate(source, {"name": "x"})
    assert not isinstance(caught.value, SyntaxError)


def test_task_data_may_not_shadow_a_helper():
    with pytest.raises(ScriptPolicyError, match="double"):
        SandboxEnvironment({"double": lambda x: x}).execute("y = 1", {"double": 3})


def test_an_endless_loop_is_stopped_with_a_clear_error():
    env = SandboxEnvironment(max_lines=10_000)
    with pytest.raises(ScriptPolicyError, match="stopped after 10,000 steps"):
        env.execute("n = 0\nwhile True:\n    n += 1", {})
    data = {}
    env.execute("total = 0\nfor i in range(1000):\n    total += i", data)  # ordinary loops are fine
    assert data["total"] == 499500
