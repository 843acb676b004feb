"""The JUEL expressions (`${...}`) of Camunda 7 diagrams that mean the same in Python, translated.

Supported: variable names, string, number, true/false/null literals, comparisons (`==` `!=` `<`
`<=` `>` `>=` and `eq ne lt le gt ge`), `&&` `||` `!` (`and` `or` `not`), `empty x`, arithmetic
(`+ - * / %`, `div`, `mod`) and parentheses. Anything else (method calls, properties such as
`a.b`, `execution`, bean names) has no meaning outside Camunda's Java engine: `translate` returns
None and the caller refuses the element, showing the expression.
"""
from __future__ import annotations

import keyword
import re

_WHOLE = re.compile(r"^\s*[$#]\{(.*)\}\s*$", re.DOTALL)
_TOKEN = re.compile(r"""\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|"""
                    r"""(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>==|!=|<=|>=|&&|\|\||[<>!()+\-*/%]))""")
_WORDS = {"and": "and", "or": "or", "not": "not", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">",
          "ge": ">=", "div": "/", "mod": "%", "true": "True", "false": "False", "null": "None"}
_OPERATORS = {"&&": "and", "||": "or", "!": "not"}
_ENGINE_NAMES = {"execution", "task", "authenticatedUserId", "dateTime", "now", "empty", "instanceof", "loopCounter",
                 "nrOfInstances", "nrOfActiveInstances", "nrOfCompletedInstances"}


def is_juel(text: str | None) -> bool:
    return bool(text) and bool(_WHOLE.match(text))


def translate(text: str) -> str | None:
    """The Python expression meaning the same as the JUEL expression `text`, or None."""
    whole = _WHOLE.match(text)
    if whole is None:
        return None
    body = whole.group(1).strip()
    words: list[str] = []
    position = 0
    empty_pending = False
    while position < len(body):
        match = _TOKEN.match(body, position)
        if match is None or match.end() == position:
            return None
        position = match.end()
        kind, value = match.lastgroup, match.group(match.lastgroup)
        if kind == "name":
            if value == "empty":
                empty_pending = True
                continue
            if value in _WORDS:
                words.append(_WORDS[value])
                continue
            following = body[position:].lstrip()[:1]
            if value in _ENGINE_NAMES or keyword.iskeyword(value) or (following and following in ".[("):
                return None
            if empty_pending:
                words.append(f"(not {value})")
                empty_pending = False
                continue
        elif kind == "op":
            value = _OPERATORS.get(value, value)
        elif kind == "string":
            value = repr(value[1:-1].replace("\\'", "'").replace('\\"', '"'))
        if empty_pending:
            return None
        words.append(value)
    if empty_pending or not words:
        return None
    python = " ".join(words).replace("( ", "(").replace(" )", ")")
    try:
        compile(python, "<juel>", "eval")
    except SyntaxError:
        return None
    return python


def variable_name(text: str) -> str | None:
    """The variable a `${name}` (or plain `name`) expression names, or None."""
    whole = _WHOLE.match(text)
    body = (whole.group(1) if whole else text).strip()
    return body if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", body) and body not in _WORDS else None
