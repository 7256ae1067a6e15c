"""Completion: ``{"prompt", "completion"}`` strings (OpenAI legacy, TRL standard prompt-completion).

OpenAI's legacy guide asked for a separator at the prompt's end and a leading space in
the completion; those conventions are part of the layout, not hygiene problems.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataprep.records.base import Layout, Problem, Turn, s
from dataprep.records.messages import plain_string


class Completion(Layout):
    name = "completion"
    schema = "completion"
    roles_in_identity = False
    families = frozenset({"completion"})
    keys = frozenset({"prompt", "completion"})
    summary = 'Completion: "prompt" and "completion" strings'
    trainers = "OpenAI legacy fine-tuning, TRL (standard prompt-completion), axolotl completion"
    #: a leading space in the reply is the legacy tokenisation convention
    leading_space_ok = True

    def match(self, d: Mapping[str, Any]) -> bool:
        return "prompt" in d and "completion" in d

    def turns(self, d: Mapping[str, Any]) -> list[Turn]:
        return [Turn("user", s(d.get("prompt")), "/prompt"),
                Turn("assistant", s(d.get("completion")), "/completion")]

    def prompt_response(self, d: Mapping[str, Any]) -> tuple[str, str]:
        return s(d.get("prompt")), s(d.get("completion"))

    def label_input(self, d: Mapping[str, Any]) -> str:
        return s(d.get("prompt"))

    def problems(self, d: Mapping[str, Any]) -> list[Problem]:
        out: list[Problem] = []
        plain_string(d, "prompt", "completion", out)
        plain_string(d, "completion", "completion", out)
        return out

    def required_texts(self, d: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        return [(f"/{k}", d[k], "completion") for k in ("prompt", "completion")
                if type(d.get(k)) is str]
