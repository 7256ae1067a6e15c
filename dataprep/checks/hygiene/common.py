"""What the hygiene rules share: how a text is named and quoted in a message."""

from __future__ import annotations

import re

from dataprep.records import Turn

#: characters of text shown around a match
EXCERPT = 60

_ROLE_LABEL = {"assistant": "assistant reply", "user": "user turn", "system": "system prompt",
               "developer": "system prompt", "tool": "tool output"}

#: top-level fields name themselves better than their normalised role does
_FIELD_LABEL = {"/input": "input", "/instruction": "instruction", "/output": "output",
                "/text": "text", "/prompt": "prompt", "/completion": "completion",
                "/chosen": "chosen reply", "/rejected": "rejected reply", "/system": "system prompt"}

#: a line that opens or closes a fenced code block (not ```inline``` on one line)
FENCE = re.compile(r"^[ \t]*```(?!.*```)", re.MULTILINE)


def label(role: str, pointer: str) -> str:
    """How a message names the text it is about ("assistant reply", "input", ...)."""
    return _FIELD_LABEL.get(pointer) or _ROLE_LABEL.get(role, f"{role} turn")


def turn_label(turn: Turn) -> str:
    """``label`` of a turn."""
    return label(turn.role, turn.pointer)


def show(s: str) -> str:
    """A short text as it should appear in a message: escapes visible, length capped."""
    r = repr(s)
    return r if len(r) <= EXCERPT + 2 else r[: EXCERPT - 1] + "…'"


def excerpt(text: str, start: int, end: int, width: int = EXCERPT) -> str:
    """About ``width`` characters around ``text[start:end]``, whitespace collapsed, quoted.

    The cut falls between words, never inside one: the engine masks secrets and personal
    data in every message (``dataprep.redact``), and half a key would not be recognised.
    """
    if end - start >= width:
        a, b = start, start + width
    else:
        a = max(0, start - (width - (end - start)) // 2)
        b = min(len(text), a + width)
        a = max(0, b - width)
    if a > 0 and not text[a - 1].isspace():
        space = _next_space(text, a, start)
        a = space if space is not None else start
    if b < len(text) and not text[b].isspace():
        keep = end if end < b else start  # never cut the match itself short when it fits
        cut = max(text.rfind(" ", keep, b), text.rfind("\n", keep, b))
        b = cut if cut > start else b
    body = " ".join(text[a:b].split())
    return "'" + ("…" if a > 0 else "") + body + ("…" if b < len(text) else "") + "'"


def _next_space(text: str, lo: int, hi: int) -> int | None:
    for i in range(lo, hi):
        if text[i].isspace():
            return i + 1
    return None


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def fence_lines(text: str) -> int:
    """Lines that open or close a fenced code block."""
    return len(FENCE.findall(text)) if "```" in text else 0
