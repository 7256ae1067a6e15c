"""Classification: ``{"text", "label"}`` (field names mappable in ``[tool.dataprep.fields]``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dataprep.records.base import FIELD_SEP, Layout, Problem, Turn, s
from dataprep.records.messages import json_type, plain_string


class Classification(Layout):
    name = "classification"
    schema = "classification"
    families = frozenset({"classification"})
    keys = frozenset({"text", "label"})
    summary = 'Classification: "text" and "label" (string, number or boolean)'
    trainers = "Hugging Face text classification, OpenAI classification via chat"
    task = "classification"
    near_is_input = True

    def match(self, d: Mapping[str, Any]) -> bool:
        return "text" in d and "label" in d

    def turns(self, d: Mapping[str, Any]) -> list[Turn]:
        return [Turn("user", s(d.get("text")), "/text")]

    def identity(self, d: Mapping[str, Any]) -> str:
        label = d.get("label")
        shown = label.strip() if type(label) is str else ("" if label is None else str(label))
        return f"{s(d.get('text')).strip()}{FIELD_SEP}{shown}"

    def near_text(self, d: Mapping[str, Any]) -> str:
        # the input only: a short label shared by thousands of records would add the same
        # characters to every short text and lift unrelated pairs over the threshold
        return s(d.get("text"))

    def prompt_response(self, d: Mapping[str, Any]) -> tuple[str, str]:
        label = d.get("label")
        return s(d.get("text")), label if type(label) is str else ""

    def output(self, d: Mapping[str, Any]) -> str | None:
        label = d.get("label")
        return label if type(label) is str else (None if label is None else repr(label))

    def label(self, d: Mapping[str, Any]) -> tuple[str, bool] | None:
        v = d.get("label")
        if type(v) is str:
            return (v, True) if v.strip() else None
        if type(v) in (int, float, bool):
            return json.dumps(v), False
        return None

    def label_field(self, d: Mapping[str, Any]) -> tuple[str, Any, bool] | None:
        return "/label", d.get("label"), "label" in d

    def label_pointer(self, d: Mapping[str, Any]) -> str | None:
        return "/label"

    def label_input(self, d: Mapping[str, Any]) -> str:
        return s(d.get("text"))

    def token_sequences(self, d: Mapping[str, Any]) -> list[list[tuple[str, str, int]]]:
        out = [(t.text, t.pointer, 0) for t in self.cached_turns(d)]
        if type(d.get("label")) is str:
            out.append((d["label"], "/label", 0))
        return [out]

    def problems(self, d: Mapping[str, Any]) -> list[Problem]:
        out: list[Problem] = []
        plain_string(d, "text", "classification", out)
        label = d.get("label")
        if type(label) is list or type(label) is dict:
            out.append(Problem("type", "/label", f'"label" must be a string or a number, not '
                               f"{json_type(label)} (use one record per label)"))
        return out

    def required_texts(self, d: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        return [("/text", d["text"], "classification")] if type(d.get("text")) is str else []
