"""Plain text: ``{"text"}`` language-modelling records (continued pre-training, packing)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataprep.records.base import Layout, Problem, Turn, s
from dataprep.records.messages import plain_string


class Text(Layout):
    name = "text"
    schema = "text"
    families = frozenset({"text"})
    keys = frozenset({"text"})
    summary = 'Text: "text" for language modelling'
    trainers = "TRL SFTTrainer (dataset_text_field), axolotl completion, LLaMA-Factory pre-training"
    task = "generative"
    replies = False

    def match(self, d: Mapping[str, Any]) -> bool:
        return "text" in d

    def turns(self, d: Mapping[str, Any]) -> list[Turn]:
        # the text is what a language model learns to produce
        return [Turn("assistant", s(d.get("text")), "/text")]

    def identity(self, d: Mapping[str, Any]) -> str:
        return s(d.get("text"))

    def prompt_response(self, d: Mapping[str, Any]) -> tuple[str, str]:
        return "", ""

    def output(self, d: Mapping[str, Any]) -> str | None:
        return None

    def label_pointer(self, d: Mapping[str, Any]) -> str | None:
        return None

    def problems(self, d: Mapping[str, Any]) -> list[Problem]:
        out: list[Problem] = []
        plain_string(d, "text", "text", out)
        return out

    def required_texts(self, d: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        return [("/text", d["text"], "text")] if type(d.get("text")) is str else []
