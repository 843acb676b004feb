"""The script sandbox on its own: what diagrams may and may not do."""
from __future__ import annotations

import pytest

from engine.errors import RunLimitExceeded, ScriptPolicyError
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
    with pytest.raises(RunLimitExceeded, match="stopped after 10,000 steps"):
        env.execute("n = 0\nwhile True:\n    n += 1", {})
    data = {}
    env.execute("total = 0\nfor i in range(1000):\n    total += i", data)  # ordinary loops are fine
    assert data["total"] == 499500


@pytest.mark.parametrize("source, says", [
    ("x = max(range(10**12))", "range"),
    ("x = 10**10**10", "bits"),
    ("x = pow(10, 10**10)", "bits"),
    ("x = 'a' * 10**9", "repeating"),
    ("x = [0] * 10**9", "repeating"),
    ("x = 1 << 10**10", "bits"),
    ("x = 'a'.ljust(10**9)", "padding"),
    ("x = 'ab'.replace('', 'x' * 1000) .replace('x', 'y' * 1000)", "replacing"),
    ("x = f'{1:>{10**9}}'", "format width"),
    ("x = '%1000000000d' % 1", "format"),
    ("x = math.factorial(10**8)", "math.factorial"),
    ("x = 3\nx **= 10**10", "bits"),
])
def test_one_c_level_call_cannot_produce_a_runaway_result(source, says):
    """Each of these is one operation the line counter never sees; it is refused before it runs."""
    with pytest.raises(RunLimitExceeded, match=says):
        SandboxEnvironment().execute(source, {})


def test_ordinary_arithmetic_and_text_still_work_under_the_guards():
    data = {"n": 7}
    SandboxEnvironment().execute(
        "a = 2 ** 10\nb = 'ab' * 3\nc = [0] * 4\nd = 1 << 8\ne = '%05d' % n\nf = f'{n:>4}|{n!r}'\n"
        "g = 'x'.ljust(3, '.')\nh = ', '.join(['a', 'b'])\ni = 'a-b'.replace('-', '+')\nj = math.sqrt(16)\n"
        "k = sum(range(10))\nn *= 3", data)
    assert data == {"n": 21, "a": 1024, "b": "ababab", "c": [0, 0, 0, 0], "d": 256, "e": "00007", "f": "   7|7",
                    "g": "x..", "h": "a, b", "i": "a+b", "j": 4.0, "k": 45}


def test_a_script_may_not_leave_more_data_than_an_instance_may_hold():
    from engine.limits import RunLimits
    env = SandboxEnvironment(limits=RunLimits(data_bytes=10_000))
    with pytest.raises(RunLimitExceeded, match="at most 10,000"):
        env.execute("big = 'x' * 20000", {})


def test_a_script_stops_when_the_step_runs_out_of_time():
    from engine.limits import RunLimits, step_budget
    limits = RunLimits(step_seconds=0.2, script_lines=10**12)
    with step_budget(limits), pytest.raises(RunLimitExceeded, match="longer than 0.2 s"):
        SandboxEnvironment(limits=limits).execute("while True:\n    pass", {})


def test_scripts_read_the_engines_clock():
    from datetime import date, datetime, timezone
    from engine import ManualClock
    clock = ManualClock(datetime(2031, 5, 6, 7, 8, tzinfo=timezone.utc))
    data = {}
    SandboxEnvironment(clock=clock).execute(
        "now = datetime.now(timezone_utc)\nday = date.today()\nlater = datetime(2031, 5, 7) > datetime.utcnow()\n"
        "is_dt = isinstance(now, datetime)", data, {"timezone_utc": timezone.utc})
    assert data["now"] == datetime(2031, 5, 6, 7, 8, tzinfo=timezone.utc) and type(data["now"]) is datetime
    assert type(data["day"]) is date and data["later"] is True and data["is_dt"] is True
