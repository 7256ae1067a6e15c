"""Tool calls: structured ones rendered as text, and calls written as text parsed back.

For tool-use data the calls are the training target, so two records that differ only in
their calls are different examples: views render every call as ``name(arguments)`` so
that duplicates, near duplicates and "same prompt" compare them.

Many trainers put calls in the assistant's text instead of a ``tool_calls`` field:

- Hermes / Qwen: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` (Hermes
  data often writes the body as a Python dict literal with single quotes, which its
  parsers accept), results in a following tool turn, often wrapped in
  ``<tool_response>``;
- ToolACE: the whole reply is a list of calls ``[name(arg=value, ...), ...]``.

``text_calls`` recognises both, so a tool turn after such a reply answers a call, and
reports what cannot be parsed (the arguments rule reads the problems).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson

_HERMES = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.S)
_TOOLACE = re.compile(r"^\[\s*[A-Za-z_][\w.\-]*\(.*\)\s*\]$", re.S)


class TextCall(NamedTuple):
    """A call found in an assistant's text; ``problem`` is None when it parses."""

    name: str
    arguments: str
    problem: str | None


def dumps(value: Any) -> str:
    """Canonical JSON text of a value (sorted keys), or its repr when it is not JSON."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        return repr(value)


def render(name: Any, arguments: Any) -> str:
    """One call as ``name(arguments)``; string arguments are kept as written."""
    args = arguments if type(arguments) is str else dumps(arguments)
    return f"{name if type(name) is str else '?'}({args})"


def structured_calls(m: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(rendered call, pointer below the message to its arguments) of one OpenAI-style
    message: ``tool_calls``, legacy ``function_call``, LLaMA-Factory v1 ``tool_call`` parts."""
    out: list[tuple[str, str]] = []
    tc = m.get("tool_calls")
    if type(tc) is list:
        for k, call in enumerate(tc):
            fn = call.get("function") if type(call) is dict else None
            if type(fn) is dict:
                out.append((render(fn.get("name"), fn.get("arguments")),
                            f"/tool_calls/{k}/function/arguments"))
            elif type(call) is dict and "name" in call:  # flattened calls of some exports
                out.append((render(call.get("name"), call.get("arguments")),
                            f"/tool_calls/{k}/arguments"))
    fc = m.get("function_call")
    if type(fc) is dict:
        out.append((render(fc.get("name"), fc.get("arguments")), "/function_call/arguments"))
    content = m.get("content")
    if type(content) is list:
        for j, part in enumerate(content):
            if type(part) is dict and part.get("type") == "tool_call":
                value = part.get("value")
                out.append((value if type(value) is str else dumps(value), f"/content/{j}/value"))
    return out


def might_hold_calls(text: str) -> bool:
    """A cheap screen: could this text contain Hermes or ToolACE calls?"""
    return "<tool_call>" in text or (text[:1] == "[" or text.lstrip()[:1] == "[") and "(" in text


def text_calls(text: str) -> list[TextCall]:
    """The calls written in an assistant's text (empty when there are none)."""
    if "<tool_call>" in text:
        return [_hermes(body) for body in _HERMES.findall(text)]
    stripped = text.strip()
    if stripped[:1] == "[" and _TOOLACE.match(stripped):
        return _toolace(stripped)
    return []


def _hermes(body: str) -> TextCall:
    value: Any
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        import ast  # only texts that hold calls pay for it

        try:
            value = ast.literal_eval(body)  # Hermes writes Python dict literals
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            reason = str(exc).split(":")[0]
            return TextCall("?", body, f"<tool_call> body is not valid JSON ({reason})")
    if type(value) is not dict:
        return TextCall("?", body, "<tool_call> body must be a JSON object with \"name\" "
                        "and \"arguments\"")
    name = value.get("name")
    args = value.get("arguments", value.get("parameters"))
    if type(name) is not str or not name.strip():
        return TextCall("?", body, '<tool_call> body has no string "name"')
    if type(args) is str:
        try:
            args = orjson.loads(args)
        except orjson.JSONDecodeError:
            return TextCall(name, args, f"arguments of {name} are not valid JSON")
    if args is not None and type(args) is not dict:
        return TextCall(name, dumps(args), f"arguments of {name} must be a JSON object")
    return TextCall(name, dumps(args if args is not None else {}), None)


def _toolace(text: str) -> list[TextCall]:
    import ast

    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return [TextCall("?", text, "call list is not valid name(arg=value, ...) syntax")]
    body = tree.body
    if not isinstance(body, ast.List):
        return []
    out: list[TextCall] = []
    for node in body.elts:
        if not isinstance(node, ast.Call):
            out.append(TextCall("?", ast.unparse(node), "list item is not a call"))
            continue
        name = ast.unparse(node.func)
        if node.args:
            out.append(TextCall(name, ast.unparse(node), f"{name} has positional arguments; "
                                "calls take name=value arguments"))
            continue
        args: dict[str, Any] = {}
        problem = None
        for kw in node.keywords:
            try:
                args[str(kw.arg)] = ast.literal_eval(kw.value)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                problem = f"argument {kw.arg} of {name} is not a literal value"
                break
        out.append(TextCall(name, dumps(args), problem))
    return out
