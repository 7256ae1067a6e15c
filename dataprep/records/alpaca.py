"""Alpaca: ``{"instruction", "input"?, "output"}``, with LLaMA-Factory's ``system`` and ``history``.

``history`` is a list of earlier ``[instruction, response]`` pairs; LLaMA-Factory renders
them as turns before the instruction, and trains on their responses too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataprep.records.base import FIELD_SEP, Layout, Problem, Turn, joined, s, system_turns
from dataprep.records.messages import json_type, plain_string


class Alpaca(Layout):
    name = "alpaca"
    schema = "alpaca"
    roles_in_identity = False
    families = frozenset({"alpaca"})
    keys = frozenset({"instruction", "input", "output", "system", "history", "images", "videos",
                      "audios"})
    summary = 'Alpaca: "instruction", optional "input", "output"; LLaMA-Factory "system" and "history"'
    trainers = "Stanford Alpaca, LLaMA-Factory alpaca, axolotl alpaca"

    def match(self, d: Mapping[str, Any]) -> bool:
        return "instruction" in d and "output" in d

    def turns(self, d: Mapping[str, Any]) -> list[Turn]:
        out = system_turns(d)
        history = d.get("history")
        if type(history) is list:
            for i, pair in enumerate(history):
                if type(pair) is list and len(pair) == 2:
                    out.append(Turn("user", s(pair[0]), f"/history/{i}/0"))
                    out.append(Turn("assistant", s(pair[1]), f"/history/{i}/1"))
        out.append(Turn("user", s(d.get("instruction")), "/instruction"))
        out.append(Turn("user", s(d.get("input")), "/input"))
        out.append(Turn("assistant", s(d.get("output")), "/output"))
        return out

    def prompt_response(self, d: Mapping[str, Any]) -> tuple[str, str]:
        # the system prompt and earlier turns are part of what the output answers: the same
        # "continue" after two different histories is not the same prompt
        prompt = f"{s(d.get('instruction'))}{FIELD_SEP}{s(d.get('input'))}"
        before = self.cached_turns(d)[:-3]
        if before:
            prompt = f"{joined(before)}{FIELD_SEP}{prompt}"
        return prompt, s(d.get("output"))

    def label_input(self, d: Mapping[str, Any]) -> str:
        return f"{s(d.get('instruction'))}\x1e{s(d.get('input'))}"

    def carries_system(self, d: Mapping[str, Any]) -> bool:
        return "system" in d

    def system_pointer(self, d: Mapping[str, Any]) -> str:
        return "/system"

    def problems(self, d: Mapping[str, Any]) -> list[Problem]:
        out: list[Problem] = []
        plain_string(d, "instruction", "alpaca", out)
        plain_string(d, "output", "alpaca", out)
        plain_string(d, "input", "alpaca", out, required=False)
        plain_string(d, "system", "alpaca", out, required=False)
        history = d.get("history")
        if history is not None:
            if type(history) is not list:
                out.append(Problem("type", "/history", '"history" must be a list of '
                                   f"[instruction, response] pairs, not {json_type(history)}"))
            else:
                for i, pair in enumerate(history):
                    if (type(pair) is not list or len(pair) != 2
                            or not all(type(x) is str for x in pair)):
                        out.append(Problem("type", f"/history/{i}", "a history entry must be a "
                                           "pair of strings [instruction, response]"))
        return out

    def required_texts(self, d: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        return [(f"/{k}", d[k], "alpaca") for k in ("instruction", "output")
                if type(d.get(k)) is str]
