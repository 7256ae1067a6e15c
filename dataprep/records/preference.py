"""Paired preference (DPO, ORPO, reward models): a prompt and a chosen and a rejected reply.

TRL reads two shapes: *explicit prompt* (``prompt`` + ``chosen`` + ``rejected``, strings or
message lists) and *implicit prompt* (only ``chosen`` and ``rejected``, each a whole
conversation; the prompt is their shared beginning).  Anthropic's HH-RLHF writes the
implicit shape as transcripts, ``"\\n\\nHuman: ...\\n\\nAssistant: ..."``: the leading
``\\n\\n`` is the convention, and the reply is the text after the last ``Assistant:``.
Some exports use ``chosen_messages``/``rejected_messages``; LLaMA-Factory's alpaca ranking
data has ``instruction``/``input`` as the prompt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dataprep.records.base import FIELD_SEP, Layout, Pair, Problem, Turn, joined, s, system_turns
from dataprep.records.messages import json_type, message_turns

_SPEAKER = re.compile(r"\n\n(Human|Assistant|H|A):[ \t]?")
_HH_ROLES = {"Human": "user", "H": "user", "Assistant": "assistant", "A": "assistant"}


def transcript_turns(text: str, ptr: str) -> list[Turn] | None:
    """Turns of an HH-style transcript; None when the text is not one."""
    if "\n\nAssistant:" not in text and "\n\nA:" not in text:
        return None
    parts = _SPEAKER.split(text)
    if len(parts) < 3:
        return None
    out: list[Turn] = []
    if parts[0].strip():
        out.append(Turn("user", parts[0], ptr))
    for k in range(1, len(parts) - 1, 2):
        out.append(Turn(_HH_ROLES[parts[k]], parts[k + 1].strip(), ptr))
    return out


def _side(d: Mapping[str, Any], key: str) -> tuple[str, Any]:
    if key in d:
        return key, d[key]
    alt = f"{key}_messages"
    return (alt, d[alt]) if alt in d else (key, None)


def _side_turns(v: Any, ptr: str) -> list[Turn]:
    if type(v) is str:
        got = transcript_turns(v, ptr)
        return got if got is not None else [Turn("assistant", v, ptr)]
    if type(v) is dict:  # one message object
        return message_turns([v], ptr)
    return message_turns(v, ptr)


def describe_empty(v: Any) -> str:
    """How a side whose reply is blank is described in a finding."""
    if type(v) is list:
        return "is an empty list" if not v else "is a message list without assistant content"
    if type(v) is str and transcript_turns(v, "") is not None:
        return "has an empty final reply"
    if type(v) is dict:
        return "has an empty value"
    return "is empty"


def _split(ts: list[Turn]) -> tuple[list[Turn], list[Turn]]:
    """(history, final reply turns): the reply is the trailing run of assistant turns."""
    end = len(ts)
    start = end
    while start > 0 and ts[start - 1].role == "assistant":
        start -= 1
    return ts[:start], ts[start:]


class Preference(Layout):
    name = "preference"
    schema = "preference"
    families = frozenset({"preference"})
    keys = frozenset({"prompt", "input", "instruction", "chosen", "rejected", "chosen_messages",
                      "rejected_messages", "system", "images"})
    summary = ('Preference: "chosen" and "rejected" (strings, message lists or HH transcripts), '
               'with an explicit "prompt" or an implicit one (their shared beginning)')
    trainers = "TRL DPO/ORPO/reward trainers, Anthropic HH-RLHF, LLaMA-Factory alpaca ranking"
    task = "generative"
    leading_space_ok = True

    def match(self, d: Mapping[str, Any]) -> bool:
        return ("chosen" in d and "rejected" in d) or (
            "chosen_messages" in d and "rejected_messages" in d)

    def _prompt(self, d: Mapping[str, Any]) -> list[Turn]:
        out = system_turns(d)
        if "instruction" in d and "prompt" not in d:
            out.append(Turn("user", s(d.get("instruction")), "/instruction"))
            if s(d.get("input")):
                out.append(Turn("user", s(d["input"]), "/input"))
            return out
        key = "prompt" if "prompt" in d else "input"
        v = d.get(key)
        if type(v) is str:
            got = transcript_turns(v, f"/{key}")
            out.extend(got if got is not None else [Turn("user", v, f"/{key}")])
        elif v is not None:
            out.extend(message_turns(v, f"/{key}"))
        return out

    def _explicit(self, d: Mapping[str, Any]) -> bool:
        return "prompt" in d or "input" in d or "instruction" in d

    def _sides(self, d: Mapping[str, Any]) -> tuple[list[Turn], list[Turn], list[Turn], bool]:
        """(prompt, chosen reply, rejected reply, histories differ)."""
        ck, cv = _side(d, "chosen")
        rk, rv = _side(d, "rejected")
        chosen, rejected = _side_turns(cv, f"/{ck}"), _side_turns(rv, f"/{rk}")
        if self._explicit(d):
            return self._prompt(d), chosen, rejected, False
        ch, cr = _split(chosen)
        rh, rr = _split(rejected)
        differs = [(t.role, t.text.strip()) for t in ch] != [(t.role, t.text.strip()) for t in rh]
        return ch, cr, rr, differs

    def turns(self, d: Mapping[str, Any]) -> list[Turn]:
        prompt, chosen, rejected, _ = self._sides(d)
        return prompt + chosen + rejected

    def preference(self, d: Mapping[str, Any]) -> Pair | None:
        prompt, chosen, rejected, differs = self._sides(d)
        ck = "/" + _side(d, "chosen")[0]
        rk = "/" + _side(d, "rejected")[0]
        return Pair(joined(prompt),
                    FIELD_SEP.join(t.text for t in chosen if t.role == "assistant"),
                    FIELD_SEP.join(t.text for t in rejected if t.role == "assistant"),
                    ck, rk, differs,
                    (describe_empty(_side(d, "chosen")[1]), describe_empty(_side(d, "rejected")[1])))

    def prompt_response(self, d: Mapping[str, Any]) -> tuple[str, str]:
        pair = self.preference(d)
        return ("", "") if pair is None else (pair.prompt, pair.chosen)

    def identity(self, d: Mapping[str, Any]) -> str:
        prompt, chosen, rejected, _ = self._sides(d)
        return FIELD_SEP.join((joined(prompt), joined(chosen), joined(rejected)))

    def output(self, d: Mapping[str, Any]) -> str | None:
        return None

    def label_pointer(self, d: Mapping[str, Any]) -> str | None:
        return None

    def carries_system(self, d: Mapping[str, Any]) -> bool:
        return type(d.get("prompt", d.get("input"))) is list or "system" in d

    def system_pointer(self, d: Mapping[str, Any]) -> str:
        return "/prompt"

    def token_sequences(self, d: Mapping[str, Any]) -> list[list[tuple[str, str, int]]]:
        prompt, chosen, rejected, _ = self._sides(d)
        head = [(t.text, t.pointer, 0) for t in prompt]
        return [head + [(t.text, t.pointer, 0) for t in chosen],
                head + [(t.text, t.pointer, 0) for t in rejected]]

    def problems(self, d: Mapping[str, Any]) -> list[Problem]:
        out: list[Problem] = []
        for key in ("prompt", "input", "instruction"):
            v = d.get(key)
            if v is not None and type(v) is not str:
                if type(v) is list:
                    _messages(v, f"/{key}", out)
                else:
                    out.append(Problem("type", f"/{key}", f'"{key}" must be a string or a list '
                                       f"of messages, not {json_type(v)}"))
        for side in ("chosen", "rejected"):
            key, v = _side(d, side)
            if type(v) is str:
                continue
            if type(v) is list:
                _messages(v, f"/{key}", out)
            elif key not in d:
                out.append(Problem("missing", "", f'preference record has no "{side}"'))
            else:
                out.append(Problem("type", f"/{key}", f'"{key}" must be a string or a list of '
                                   f"messages, not {json_type(v)}"))
        return out


def _messages(msgs: list[Any], ptr: str, out: list[Problem]) -> None:
    """Note malformed messages of a preference side or prompt."""
    for i, m in enumerate(msgs):
        if type(m) is not dict:
            out.append(Problem("type", f"{ptr}/{i}", f"message must be an object, not "
                               f"{json_type(m)}"))
            continue
        role = m.get("role")
        if type(role) is not str:
            if role is None and "role" not in m:
                out.append(Problem("missing", f"{ptr}/{i}", 'message has no "role"'))
            else:
                out.append(Problem("type", f"{ptr}/{i}/role", f'"role" must be a string, not '
                                   f"{json_type(role)}"))
            continue
        content = m.get("content")
        if type(content) is str or type(content) is list:
            continue
        if content is None and "content" not in m:
            out.append(Problem("missing", f"{ptr}/{i}", 'message has no "content"'))
        elif content is not None or not m.get("tool_calls"):
            out.append(Problem("type", f"{ptr}/{i}/content", '"content" must be a string or a '
                               f"list of content parts, not {json_type(content)}"))
