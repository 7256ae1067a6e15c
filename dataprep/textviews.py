"""The texts of a record by role, for the content rules (DP5xx, DP6xx).

Every format is reduced to a list of ``Turn``s — (role, text, JSON pointer) — with
roles normalised to ``system``, ``user``, ``assistant``, ``tool`` (ShareGPT ``human`` →
user, ``gpt`` → assistant; Alpaca instruction/input → user, output → assistant;
completion prompt → user, completion → assistant; preference prompt → user, chosen and
rejected → assistant; classification text → user; plain text → assistant, since it is
what a language model learns to produce).  Content rules walk these instead of knowing
every format.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from dataprep.formats import chat_messages

_SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant",
                   "chatgpt": "assistant", "bard": "assistant", "system": "system", "tool": "tool",
                   "function_call": "assistant", "observation": "tool"}


class Turn(NamedTuple):
    role: str
    text: str
    pointer: str


def _content(c: Any, pointer: str) -> tuple[str, str]:
    if type(c) is str:
        return c, pointer
    if type(c) is list:
        parts = []
        for p in c:
            if type(p) is dict and type(p.get("text")) is str:
                parts.append(p["text"])
            elif type(p) is str:
                parts.append(p)
        return "\n".join(parts), pointer
    return "", pointer


def _msg_list(msgs: Any, prefix: str, role_key: str, content_key: str,
              roles: Mapping[str, str] | None) -> list[Turn]:
    out: list[Turn] = []
    if type(msgs) is str:
        return [Turn("user", msgs, prefix)]
    if type(msgs) is not list:
        return out
    for i, m in enumerate(msgs):
        if type(m) is not dict:
            continue
        role = m.get(role_key)
        role = roles.get(role, role) if roles and type(role) is str else role
        text, ptr = _content(m.get(content_key), f"{prefix}/{i}/{content_key}")
        out.append(Turn(role if type(role) is str else "?", text, ptr))
    return out


#: the last record's turns: several content checks ask for the same record in a row.
#: The record itself is held (not its ``id``), so a freed record's id can never be
#: mistaken for the next one's.
_last: tuple[Any, str, list[Turn]] | None = None


def turns(fmt: str, d: Mapping[str, Any]) -> list[Turn]:
    """All texts of a record in order, with normalised roles and pointers.

    Memoised for the record being checked: callers must not modify the list.
    """
    global _last
    last = _last
    if last is not None and last[0] is d and last[1] == fmt:
        return last[2]
    out = _turns(fmt, d)
    _last = (d, fmt, out)
    return out


def _turns(fmt: str, d: Mapping[str, Any]) -> list[Turn]:
    if fmt == "chat":
        got = chat_messages(d)
        if not got:
            return []
        msgs, prefixes = got
        out: list[Turn] = []
        counters: dict[str, int] = {}
        for m, prefix in zip(msgs, prefixes):
            i = counters.get(prefix, 0)
            counters[prefix] = i + 1
            if type(m) is dict:
                text, ptr = _content(m.get("content"), f"{prefix}/{i}/content")
                role = m.get("role")
                out.append(Turn(role if type(role) is str else "?", text, ptr))
        return out
    if fmt == "sharegpt":
        return _msg_list(d.get("conversations"), "/conversations", "from", "value", _SHAREGPT_ROLES)
    if fmt == "completion":
        return [Turn("user", _s(d.get("prompt")), "/prompt"),
                Turn("assistant", _s(d.get("completion")), "/completion")]
    if fmt == "alpaca":
        return [Turn("user", _s(d.get("instruction")), "/instruction"),
                Turn("user", _s(d.get("input")), "/input"),
                Turn("assistant", _s(d.get("output")), "/output")]
    if fmt == "preference":
        key = "prompt" if "prompt" in d else "input"
        out = _msg_list(d.get(key), f"/{key}", "role", "content", None)
        for side in ("chosen", "rejected"):
            v = d.get(side)
            if type(v) is str:
                out.append(Turn("assistant", v, f"/{side}"))
            else:
                out.extend(_msg_list(v, f"/{side}", "role", "content", None))
        return out
    if fmt == "classification":
        return [Turn("user", _s(d.get("text")), "/text")]
    if fmt == "text":
        return [Turn("assistant", _s(d.get("text")), "/text")]
    return []


def _s(v: Any) -> str:
    return v if type(v) is str else ""


def outputs(fmt: str, d: Mapping[str, Any]) -> list[Turn]:
    """The turns a model is trained to produce (assistant turns)."""
    return [t for t in turns(fmt, d) if t.role == "assistant"]


def system_prompt(fmt: str, d: Mapping[str, Any]) -> Turn | None:
    """The record's first system (or developer) message, if any."""
    if fmt == "sharegpt" and type(d.get("system")) is str:
        return Turn("system", d["system"], "/system")
    for t in turns(fmt, d):
        if t.role in ("system", "developer"):
            return t
    return None
