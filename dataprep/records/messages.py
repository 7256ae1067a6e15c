"""Shared reading of message lists, for the layouts built from them.

OpenAI-style messages (``role``/``content``, ``tool_calls``, content parts) appear under
``messages``, under ``conversations`` (LLaMA-Factory and axolotl exports), in TRL's
conversational prompt/completion and preference fields; ShareGPT turns are
``from``/``value``.  These functions turn either into ``Turn``s, so each layout module
only says where its lists are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from dataprep.records import toolcalls
from dataprep.records.base import Problem, Turn, content_text
from dataprep.records.roles import OPENAI_ROLES, ROLE_OF_CLASS, SHAREGPT_TAGS


def message_turns(msgs: Any, prefix: str, role_key: str = "role", content_key: str = "content",
                  table: Mapping[str, str] = OPENAI_ROLES, out: list[Turn] | None = None
                  ) -> list[Turn]:
    """Turns of a message list: each message's text, then the calls it makes."""
    out = [] if out is None else out
    if type(msgs) is str:  # a plain-text prompt where messages may also stand
        out.append(Turn("user", msgs, prefix))
        return out
    if type(msgs) is not list:
        return out
    for i, m in enumerate(msgs):
        if type(m) is not dict:
            continue
        tag = m.get(role_key)
        cls = table.get(tag) if type(tag) is str else None
        role = ROLE_OF_CLASS[cls] if cls is not None else (tag if type(tag) is str else "?")
        ptr = f"{prefix}/{i}/{content_key}"
        text = content_text(m.get(content_key))
        if cls == "call":
            kind = "call"
        elif cls == "tool" or cls == "function":
            kind = "result"
        elif role == "assistant" and toolcalls.might_hold_calls(text) and toolcalls.text_calls(text):
            kind = "call"
        else:
            kind = "text"
        out.append(Turn(role, text, ptr, kind))
        if role == "assistant" and ("tool_calls" in m or "function_call" in m
                                    or type(m.get(content_key)) is list):
            for call, sub in toolcalls.structured_calls(m):
                out.append(Turn("assistant", call, f"{prefix}/{i}{sub}", "call"))
    return out


def sharegpt_turns(conv: Any, prefix: str = "/conversations", out: list[Turn] | None = None
                   ) -> list[Turn]:
    """Turns of a ShareGPT ``conversations`` list (``from``/``value``)."""
    return message_turns(conv, prefix, "from", "value", SHAREGPT_TAGS, out)


def tools_text(d: Mapping[str, Any]) -> str:
    """A record's ``tools`` (a list, or JSON text of one) and legacy ``functions``, canonical."""
    parts = []
    for key in ("tools", "functions"):
        v = d.get(key)
        if v is None or v == "" or v == []:
            continue
        if type(v) is str:
            try:
                v = orjson.loads(v)
            except orjson.JSONDecodeError:
                parts.append(v)
                continue
        parts.append(toolcalls.dumps(v))
    return "\n".join(parts)


def plain_string(d: Mapping[str, Any], key: str, layout: str, out: list[Problem],
                 required: bool = True) -> str | None:
    """A field that must be a string: its value, or None after noting what is wrong."""
    v = d.get(key)
    if type(v) is str:
        return v
    if v is None and key not in d:
        if required:
            out.append(Problem("missing", "", f'{layout} record has no "{key}"'))
        return None
    if v is None and not required:
        return None
    out.append(Problem("type", f"/{key}", f'"{key}" must be a string, not {json_type(v)}'))
    return None


_JSON_TYPES = {str: "a string", int: "a number", float: "a number", bool: "a boolean",
               list: "an array", dict: "an object", type(None): "null"}


def json_type(value: Any) -> str:
    """The JSON name of a value's type, for messages ("an array", "null")."""
    return _JSON_TYPES.get(type(value), type(value).__name__)
