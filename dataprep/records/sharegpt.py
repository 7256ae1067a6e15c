"""ShareGPT: ``conversations`` of ``{from, value}`` turns, and LLaMA-Factory's DPO variant.

Read by FastChat, axolotl (``sharegpt`` types), LLaMA-Factory (``formatting: sharegpt``) and
most conversion scripts.  Speaker tags are ``records.roles.SHAREGPT_TAGS``; a record may
carry a top-level ``system`` prompt and ``tools`` (a list, or its JSON text), and media
lists for multimodal trainers.  LLaMA-Factory's preference layout keeps the shared
history in ``conversations`` and the two replies as turn objects in ``chosen`` and
``rejected``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from dataprep.records.base import (
    FIELD_SEP, Conversation, Layout, Pair, Problem, Turn, content_text, joined, system_turns,
)
from dataprep.records.messages import json_type, plain_string, sharegpt_turns, tools_text
from dataprep.records.preference import describe_empty
from dataprep.records.roles import SHAREGPT_TAGS, role_of


class ShareGPT(Layout):
    name = "sharegpt"
    schema: ClassVar[str | None] = "sharegpt"
    families = frozenset({"conversation"})
    keys = frozenset({"conversations", "system", "tools", "images", "videos", "audios"})
    summary = ('ShareGPT: "conversations" of {from, value} turns (human, gpt, function_call, '
               'observation, ...), top-level "system" and "tools"')
    trainers = "FastChat, axolotl sharegpt, LLaMA-Factory sharegpt"

    def match(self, d: Mapping[str, Any]) -> bool:
        return "conversations" in d

    def turns(self, d: Mapping[str, Any]) -> list[Turn]:
        return sharegpt_turns(d.get("conversations"), out=system_turns(d))

    def tools_text(self, d: Mapping[str, Any]) -> str:
        return tools_text(d) if len(d) > 1 else ""

    def carries_system(self, d: Mapping[str, Any]) -> bool:
        return True

    def system_pointer(self, d: Mapping[str, Any]) -> str:
        return "/conversations"

    def conversation(self, d: Mapping[str, Any]) -> Conversation | None:
        conv = d.get("conversations")
        if type(conv) is not list:
            return None
        return Conversation((("/conversations", conv),), "from", "value", "turns", SHAREGPT_TAGS,
                            "turn")

    def problems(self, d: Mapping[str, Any]) -> list[Problem]:
        out = []
        conv = d.get("conversations")
        if type(conv) is not list:
            if "conversations" not in d:
                out.append(Problem("missing", "", 'ShareGPT record has no "conversations"'))
            else:
                out.append(Problem("type", "/conversations", '"conversations" must be a list of '
                                   f"turns, not {json_type(conv)}"))
        plain_string(d, "system", "ShareGPT", out, required=False)
        return out


def _reply(v: Any, ptr: str) -> list[Turn]:
    """A DPO side: one turn object, or a list of them (some exports), or a bare string."""
    if type(v) is str:
        return [Turn("assistant", v, ptr)]
    if type(v) is dict:
        role = role_of(v.get("from", "gpt"), SHAREGPT_TAGS)
        return [Turn(role, content_text(v.get("value")), f"{ptr}/value")]
    if type(v) is list:
        return sharegpt_turns(v, ptr)
    return []


class ShareGPTPreference(ShareGPT):
    name = "sharegpt-dpo"
    schema = None
    families = frozenset({"conversation", "preference"})
    keys = frozenset({"conversations", "chosen", "rejected", "system", "tools", "images",
                      "videos", "audios"})
    summary = ('ShareGPT preference: the shared history in "conversations", the two replies '
               'as turn objects in "chosen" and "rejected"')
    trainers = "LLaMA-Factory (sharegpt, ranking: true)"
    task = "generative"
    #: only "chosen" and "rejected" are trained on; "conversations" is their history
    context_prefixes = ("/prompt", "/conversations")

    def match(self, d: Mapping[str, Any]) -> bool:
        return "conversations" in d and "chosen" in d and "rejected" in d

    def turns(self, d: Mapping[str, Any]) -> list[Turn]:
        out = super().turns(d)
        out.extend(_reply(d.get("chosen"), "/chosen"))
        out.extend(_reply(d.get("rejected"), "/rejected"))
        return out

    def conversation(self, d: Mapping[str, Any]) -> Conversation | None:
        conv = super().conversation(d)
        return None if conv is None else conv._replace(needs_reply=False)

    def prompt_response(self, d: Mapping[str, Any]) -> tuple[str, str]:
        pair = self.preference(d)
        return ("", "") if pair is None else (pair.prompt, pair.chosen)

    def output(self, d: Mapping[str, Any]) -> str | None:
        return None

    def preference(self, d: Mapping[str, Any]) -> Pair | None:
        prompt = super().turns(d)
        chosen, rejected = _reply(d.get("chosen"), "/chosen"), _reply(d.get("rejected"), "/rejected")
        if not chosen or not rejected:
            return None
        return Pair(joined(prompt), FIELD_SEP.join(t.text for t in chosen),
                    FIELD_SEP.join(t.text for t in rejected), "/chosen", "/rejected", False,
                    (describe_empty(d.get("chosen")), describe_empty(d.get("rejected"))))

    def problems(self, d: Mapping[str, Any]) -> list[Problem]:
        out = super().problems(d)
        for key in ("chosen", "rejected"):
            v = d.get(key)
            if type(v) is dict:
                if type(v.get("value")) is not str:
                    what = "no" if "value" not in v else f"a {json_type(v.get('value'))}"
                    out.append(Problem("type", f"/{key}", f'"{key}" turn has {what} "value" '
                                       "string"))
            elif type(v) is not str and type(v) is not list:
                out.append(Problem("type", f"/{key}", f'"{key}" must be a turn object '
                                   f'{{"from", "value"}}, not {json_type(v)}'))
        return out
