"""Bounds on what one builtin or operator may produce inside a script.

The line counter cannot stop a single C-level call (`max(range(10**12))`, `10**10**10`,
`'a' * 10**9`, `'x'.ljust(10**9)`), so the sandbox routes such calls through these checks, which
refuse a result larger than the limits before it is computed.
"""
from __future__ import annotations

import math
import operator
import re
from types import SimpleNamespace
from typing import Any, Callable

from RestrictedPython.Guards import safer_getattr

from ..errors import RunLimitExceeded
from ..limits import RunLimits

_SEQUENCES = (str, bytes, list, tuple)
INPLACE = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "//=": operator.ifloordiv, "%=": operator.imod, "**=": operator.ipow, "|=": operator.ior,
    "&=": operator.iand, "^=": operator.ixor, "<<=": operator.ilshift, ">>=": operator.irshift,
}
_WIDTHS = re.compile(r"(\d{4,})")


def _too_big(what: str, size: float, limit: int) -> RunLimitExceeded:
    return RunLimitExceeded(f"{what} would have about {size:,.0f} items; a script may make at most {limit:,}")


class Guards:
    """The checked operators, builtins and string methods for one sandbox."""

    def __init__(self, limits: RunLimits):
        self.limits = limits

    # --- operators (the sandbox compiles `a ** b`, `a * b`, `a << b`, `a % b` into calls of `binop`) ---

    def binop(self, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            self._check_power(left, right)
            return left ** right
        if op == "*":
            self._check_repeat(left, right)
            return left * right
        if op == "<<":
            self._check_shift(left, right)
            return left << right
        if op == "%" and isinstance(left, str):
            self._check_widths(left, "a %-format")
        return left % right

    def inplace(self, op: str, left: Any, right: Any) -> Any:
        if op in ("**=", "*=", "<<=", "%="):
            return self.binop(op[:-1], left, right)
        return INPLACE[op](left, right)

    def _check_power(self, base: Any, exponent: Any, modulus: Any = None) -> None:
        if modulus is not None or not (_integer(base) and _integer(exponent)) or exponent <= 0 or abs(base) < 2:
            return
        bits = exponent * math.log2(abs(base))
        if bits > self.limits.integer_bits:
            raise RunLimitExceeded(f"{base}**{exponent} would be a number of about {bits:,.0f} bits; "
                                   f"a script may make at most {self.limits.integer_bits:,}")

    def _check_repeat(self, left: Any, right: Any) -> None:
        sequence, count = (left, right) if isinstance(left, _SEQUENCES) else (right, left)
        if isinstance(sequence, _SEQUENCES) and _integer(count) and len(sequence) * count > self.limits.items:
            raise _too_big("repeating a sequence", len(sequence) * count, self.limits.items)

    def _check_shift(self, left: Any, right: Any) -> None:
        if _integer(left) and _integer(right) and left and left.bit_length() + right > self.limits.integer_bits:
            raise RunLimitExceeded(f"{left} << {right} would be a number of {left.bit_length() + right:,} bits; "
                                   f"a script may make at most {self.limits.integer_bits:,}")

    def _check_widths(self, template: str, what: str) -> None:
        widest = max((int(w) for w in _WIDTHS.findall(template)), default=0)
        if widest > self.limits.items:
            raise _too_big(what, widest, self.limits.items)

    # --- f-strings: `f"{x:>{n}}"` is compiled into `format_value(x, f">{n}", conversion)` -----------

    def format_value(self, value: Any, spec: str, conversion: int) -> str:
        if conversion == ord("r"):
            value = repr(value)
        elif conversion in (ord("s"), ord("a")):
            value = str(value) if conversion == ord("s") else ascii(value)
        self._check_widths(spec, "a format width")
        return format(value, spec)

    # --- builtins ----------------------------------------------------------------------------

    def builtins(self, base: dict[str, Any]) -> dict[str, Any]:
        checked = dict(base)
        checked.pop("bytes", None)  # bytes(n) allocates n bytes; scripts work on text

        def guarded_range(*args: int) -> range:
            produced = range(*args)
            if len(produced) > self.limits.items:
                raise _too_big(f"range{args}", len(produced), self.limits.items)
            return produced

        def guarded_pow(base_: Any, exponent: Any, modulus: Any = None) -> Any:
            self._check_power(base_, exponent, modulus)
            return pow(base_, exponent, modulus)

        checked.update(range=guarded_range, pow=guarded_pow, math=self._math())
        return checked

    def _math(self) -> SimpleNamespace:
        safe = {name: getattr(math, name) for name in dir(math) if not name.startswith("_")}

        def bounded(name: str, function: Callable) -> Callable:
            def call(*args: Any) -> Any:
                if any(_integer(a) and a > 10_000 for a in args):
                    raise RunLimitExceeded(f"math.{name} takes numbers up to 10,000 in a script")
                return function(*args)
            return call

        for name in ("factorial", "comb", "perm"):
            safe[name] = bounded(name, safe[name])
        return SimpleNamespace(**safe)

    # --- attribute access: string methods whose result size is an argument ---------------------

    def getattr(self, obj: Any, name: str, default: Any = None, getattr: Callable = safer_getattr) -> Any:
        value = getattr(obj, name, default)
        if isinstance(obj, str) and name in _SIZED_STRING_METHODS:
            return _SIZED_STRING_METHODS[name](self, obj, value)
        return value


def _integer(value: Any) -> bool:
    return isinstance(value, int)


def _padding(guards: Guards, text: str, method: Callable) -> Callable:
    def call(width: int, *rest: Any) -> str:
        if _integer(width) and width > guards.limits.items:
            raise _too_big(f"padding a text to {width}", width, guards.limits.items)
        return method(width, *rest)
    return call


def _expandtabs(guards: Guards, text: str, method: Callable) -> Callable:
    def call(tabsize: int = 8) -> str:
        if _integer(tabsize) and tabsize * max(1, text.count("\t")) > guards.limits.items:
            raise _too_big("expanding tabs", tabsize * text.count("\t"), guards.limits.items)
        return method(tabsize)
    return call


def _replace(guards: Guards, text: str, method: Callable) -> Callable:
    def call(old: str, new: str, count: int = -1) -> str:
        if isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
            times = len(text) + 1 if old == "" else text.count(old)
            if count >= 0:
                times = min(times, count)
            size = len(text) + times * (len(new) - len(old))
            if size > guards.limits.items:
                raise _too_big("replacing in a text", size, guards.limits.items)
        return method(old, new, count)
    return call


def _join(guards: Guards, text: str, method: Callable) -> Callable:
    def call(parts: Any) -> str:
        parts = list(parts)
        size = len(text) * max(0, len(parts) - 1) + sum(len(p) for p in parts if isinstance(p, str))
        if size > guards.limits.items:
            raise _too_big("joining texts", size, guards.limits.items)
        return method(parts)
    return call


_SIZED_STRING_METHODS: dict[str, Callable[[Guards, str, Callable], Callable]] = {
    "ljust": _padding, "rjust": _padding, "center": _padding, "zfill": _padding,
    "expandtabs": _expandtabs, "replace": _replace, "join": _join,
}
