"""What is compared: the text views of a record, per format.

``full`` is everything learnable (the whole conversation); ``prompt`` is the input side
(for chat, every message before the last assistant turn); ``response`` is the output
side.  Near-duplicates compare ``full``; "same prompt, different responses" compares
``prompt`` and then ``response``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataprep.formats import _content_str, chat_messages, content_text

#: role/field separators of ``formats.content_text``; shingling treats them as spaces
SEPARATORS = str.maketrans({"\x1e": " ", "\x1f": " "})


def _s(v: Any) -> str:
    return v if type(v) is str else ("" if v is None else str(v))


def _turns(msgs: Any, role_key: str, content_key: str, assistant: tuple[str, ...]) -> tuple[str, str]:
    if type(msgs) is not list:
        return "", ""
    last = -1
    for i, m in enumerate(msgs):
        if type(m) is dict and m.get(role_key) in assistant:
            last = i
    if last < 0:
        return "", ""
    if not any(type(m) is dict and _content_str(m.get(content_key)).strip() for m in msgs[:last]):
        # role names alone are no prompt: empty user turns must not form one group
        return "", _content_str(msgs[last].get(content_key))
    prompt = "\x1e".join(
        f"{m.get(role_key)}\x1f{_content_str(m.get(content_key)).strip()}"
        for m in msgs[:last] if type(m) is dict
    )
    return prompt, _content_str(msgs[last].get(content_key))


def prompt_response(fmt: str, d: Mapping[str, Any]) -> tuple[str, str]:
    """(prompt side, response side) of a record; ("", "") when it has no such split."""
    if fmt == "chat":
        got = chat_messages(d)
        return _turns(got[0], "role", "content", ("assistant",)) if got else ("", "")
    if fmt == "sharegpt":
        return _turns(d.get("conversations"), "from", "value", ("gpt", "assistant", "chatgpt", "bard"))
    if fmt == "completion":
        return _s(d.get("prompt")), _s(d.get("completion"))
    if fmt == "alpaca":
        return f"{_s(d.get('instruction'))}\x1e{_s(d.get('input'))}", _s(d.get("output"))
    if fmt == "preference":
        prompt = d.get("prompt", d.get("input"))
        chosen = d.get("chosen")
        p = prompt if type(prompt) is str else content_text("chat", {"messages": prompt}) if type(prompt) is list else ""
        c = chosen if type(chosen) is str else content_text("chat", {"messages": chosen}) if type(chosen) is list else ""
        return p, c
    if fmt == "classification":
        return _s(d.get("text")), _s(d.get("label"))
    return "", ""


def full_text(fmt: str, d: Mapping[str, Any]) -> str:
    """The text near-duplicates compare.

    Classification records compare their input text only: a short label shared by
    thousands of records would otherwise add the same characters to every short text
    and lift unrelated pairs over the threshold.
    """
    if fmt == "classification":
        return _s(d.get("text"))
    return content_text(fmt, d)
