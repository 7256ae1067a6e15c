"""The instruction-style view of a record: each request, the material it comes with, its reply.

Task-validity rules ask the same questions of every instruction layout: what was asked,
what material came with the request, what was written before it, and what the reply
says.  The layouts already give every text as role-tagged turns (``records.turns``), so
one reading serves Alpaca, chat ``messages``, ShareGPT and completions alike, and no rule
looks at a layout's keys:

- a *request* is a run of user texts right before an assistant reply;
- its first text is the *instruction*; the user texts after it are its *material*
  (an Alpaca ``input``, or a second user message that holds the article);
- the *context* is how much text came before the request (system prompt, Alpaca
  ``history``, earlier turns) and *history* how many earlier user or assistant texts:
  a back-reference such as "this passage" may point there;
- the *reply* is the run of assistant texts that answers it.

The answer-side rules (DP703, DP704) read each record a second way, ``exchanges``: the
whole prompt (all user texts of the run joined), the *final* assistant prose turn before
the next user turn (what an assistant writes before a tool call is not the answer) and
the tool output in between (a link a search returned is grounded, not made up).  Both
readings share this module so that a layout change is made in one place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from dataprep import records
from dataprep.records import Turn


class Request(NamedTuple):
    """One request of a record and the reply that answers it."""

    instruction: Turn
    #: user texts after the instruction and before the reply (an Alpaca input)
    material: tuple[Turn, ...]
    #: characters of text before the request (system prompt included)
    context: int
    #: the assistant prose that answers it (tool calls left out)
    reply: tuple[Turn, ...]
    #: earlier user and assistant texts (an exchange before this one)
    history: int = 0

    def material_text(self) -> str:
        """The material as one stripped string ("" when there is none)."""
        if len(self.material) == 1:
            return self.material[0].text.strip()
        return "\n".join(t.text for t in self.material).strip()

    def reply_text(self) -> str:
        return self.reply[0].text if len(self.reply) == 1 else "\n".join(t.text for t in self.reply)


def requests(turns: Sequence[Turn]) -> list[Request]:
    """Every request of a record's turns that an assistant reply answers, in order.

    A user run that a tool result, nothing or only a blank reply follows is not a
    request (nothing was answered, so nothing was made up); an Alpaca record gives one
    request (instruction, input, output), a multi-turn chat one per exchange.
    """
    out: list[Request] = []
    context = history = 0
    i, n = 0, len(turns)
    while i < n:
        t = turns[i]
        if t.role != "user" or t.kind != "text":
            context += len(t.text)
            history += t.role != "system" and bool(t.text.strip())
            i += 1
            continue
        j = i
        while j < n and turns[j].role == "user" and turns[j].kind == "text":
            j += 1
        k = j
        while k < n and turns[k].role == "assistant":
            k += 1
        if k > j:
            reply = tuple(x for x in turns[j:k] if x.kind == "text" and x.text.strip())
            if reply:
                out.append(Request(turns[i], tuple(turns[i + 1:j]), context, reply, history))
        context += sum(len(x.text) for x in turns[i:k])
        history += sum(1 for x in turns[i:k] if x.text.strip())
        i = k
    return out


#: the request part of an instruction ends at its first colon, quote or blank line: what
#: follows is material ("Edit this sentence: 'draw a circle'"), not the request
_HEAD_END = re.compile(r"：|:[ \t\n]|[\"“「『]|\n[ \t]*\n")
HEAD_CHARS = 400


def head(text: str) -> str:
    """The request part of an instruction: up to its first colon, quote or blank line
    (at most ``HEAD_CHARS`` characters)."""
    cut = text[:HEAD_CHARS]
    m = _HEAD_END.search(cut)
    return cut[:m.start()] if m else cut


def record_requests(fmt: str, d: Mapping[str, Any]) -> list[Request]:
    """``requests`` of a record given by layout name and data."""
    return requests(records.turns(fmt, d))


def uses_tools(fmt: str, d: Mapping[str, Any], turns: Sequence[Turn]) -> bool:
    """Whether the record gives the model tools (definitions, calls or results): a model
    with a search or a calendar tool can do what a plain text model cannot."""
    if any(t.kind != "text" for t in turns):
        return True
    return bool(records.get(fmt).tools_text(d))


def shows_media(fmt: str, d: Mapping[str, Any], turns: Sequence[Turn]) -> bool:
    """Whether the record shows the model media (image, audio or video lists, their
    placeholders, or non-text content parts): "this photo" then has something to refer to."""
    if any(m.items for m in records.get(fmt).media(d)):
        return True
    for t in turns:
        if t.role == "user" and ("<image>" in t.text or "<video>" in t.text
                                 or "<audio>" in t.text):
            return True
        if t.role == "user" and _has_media_part(d, t.pointer):
            return True
    return False


def _has_media_part(d: Mapping[str, Any], pointer: str) -> bool:
    """Whether the value at ``pointer`` (a turn's content) is a list of parts with a
    non-text part: the text view keeps only the text parts."""
    node: Any = d
    for key in pointer.lstrip("/").split("/"):
        if type(node) is dict:
            node = node.get(key)
        elif type(node) is list and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False
    if type(node) is not list:
        return False
    return any(type(p) is dict and p.get("type") not in (None, "text", "reasoning", "think")
               for p in node)


class Exchange(NamedTuple):
    """A prompt, the reply that answers it, and the tool output the reply may draw on."""

    prompt: str
    reply: Turn
    grounding: str


def exchanges(turns: Sequence[Turn]) -> list[Exchange]:
    """Each answer of a record with the prompt it answers.

    The prompt is the last run of user texts (an Alpaca instruction and its input, joined
    by a newline); the answer is the last assistant prose turn before the next user turn
    (text an assistant writes before a tool call is not the answer); the grounding is the
    text of the tool results in between.
    """
    out: list[Exchange] = []
    users: list[str] = []
    tools: list[str] = []
    answer: Turn | None = None
    in_run = False
    for t in turns:
        if t.role == "user":
            if not in_run:
                if answer is not None and users:
                    out.append(Exchange("\n".join(users), answer, "\n".join(tools)))
                users, tools, answer, in_run = [], [], None, True
            if t.text:
                users.append(t.text)
            continue
        in_run = False
        if t.role == "tool" or t.kind == "result":
            tools.append(t.text)
        elif t.role == "assistant":
            answer = t if t.kind == "text" and t.text.strip() else None
    if answer is not None and users:
        out.append(Exchange("\n".join(users), answer, "\n".join(tools)))
    return out
