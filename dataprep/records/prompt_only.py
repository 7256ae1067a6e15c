"""Prompt-only records: RL prompts (GRPO, PPO, RLOO) with reference fields and no reply.

TRL's online trainers read ``prompt`` (a string or a message list) and pass every other
column to the reward functions (``solution``, ``answer``, ``ground_truth``, ...); verl
keeps the reference under ``reward_model``.  These records teach nothing by supervision:
the model samples its own replies, so the linter checks the prompts and counts them
against prompt-set thresholds, never as SFT examples.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataprep.records.base import Layout, Problem, Turn, joined, system_turns
from dataprep.records.messages import json_type, message_turns

#: fields that hold what a reward function compares against
REFERENCE_KEYS = frozenset({"solution", "answer", "answers", "ground_truth", "reference",
                            "target", "gold", "final_answer", "reward_model", "extra_info",
                            "data_source", "ability", "test_cases", "verification_info"})
#: keys that hold a reply: a record with one is a supervised example in some other layout
_REPLY_KEYS = frozenset({"completion", "chosen", "rejected", "response", "responses", "output",
                         "messages", "conversations"})


class PromptOnly(Layout):
    name = "prompt-only"
    families = frozenset({"prompt-only"})
    keys = frozenset({"prompt", "system", "images"} | REFERENCE_KEYS)
    summary = ('Prompt-only: RL prompts ("prompt", a string or messages) with reference fields '
               "and no reply; not SFT examples")
    trainers = "TRL GRPO/PPO/RLOO trainers, verl"
    task = "generative"
    supervised = False
    #: a prompt is sampled many times per step (GRPO: 8-16 generations), so a few hundred
    #: distinct prompts already give thousands of scored completions
    volume = (50, 500)

    def match(self, d: Mapping[str, Any]) -> bool:
        return "prompt" in d and d.keys().isdisjoint(_REPLY_KEYS)

    def turns(self, d: Mapping[str, Any]) -> list[Turn]:
        return message_turns(d.get("prompt"), "/prompt", out=system_turns(d))

    def prompt_response(self, d: Mapping[str, Any]) -> tuple[str, str]:
        return joined(self.cached_turns(d)), ""

    def output(self, d: Mapping[str, Any]) -> str | None:
        return None

    def label_pointer(self, d: Mapping[str, Any]) -> str | None:
        return None

    def carries_system(self, d: Mapping[str, Any]) -> bool:
        return type(d.get("prompt")) is list

    def system_pointer(self, d: Mapping[str, Any]) -> str:
        return "/prompt"

    def problems(self, d: Mapping[str, Any]) -> list[Problem]:
        v = d.get("prompt")
        if type(v) is str or type(v) is list:
            return []
        return [Problem("type", "/prompt", f'"prompt" must be a string or a list of messages, '
                        f"not {json_type(v)}")]

    def required_texts(self, d: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        text = "\n".join(t.text for t in self.cached_turns(d) if t.role != "system")
        return [("/prompt", text, "prompt-only")] if type(d.get("prompt")) in (str, list) else []
