"""Unpaired preference (KTO): one reply per record, labelled desirable or not.

TRL's KTOTrainer reads ``prompt`` + ``completion`` (strings or message lists) or
``messages`` with a boolean ``label``; LLaMA-Factory marks its alpaca or sharegpt records
with a boolean ``kto_tag``.  The text is read by the layout the rest of the record is in;
this module adds the label.  An undesirable reply is *meant* to be bad, so reply-quality
rules skip it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataprep.records.alpaca import Alpaca
from dataprep.records.base import Conversation, Layout, Problem, Turn
from dataprep.records.chat import Chat, ChatConversations
from dataprep.records.completion import Completion
from dataprep.records.messages import json_type
from dataprep.records.sharegpt import ShareGPT

_INNER: tuple[Layout, ...] = (Chat(), ChatConversations(), ShareGPT(), Completion(), Alpaca())
LABEL_KEYS = ("label", "kto_tag")


def _label_key(d: Mapping[str, Any]) -> str | None:
    if type(d.get("label")) is bool:
        return "label"
    return "kto_tag" if "kto_tag" in d else None


class KTO(Layout):
    name = "kto"
    families = frozenset({"conversation", "completion", "alpaca", "kto"})
    keys = frozenset(set().union(*(x.keys for x in _INNER)) | {"label", "kto_tag"})
    summary = ('Unpaired preference (KTO): prompt/completion or messages with a boolean '
               '"label", or LLaMA-Factory records with "kto_tag"')
    trainers = "TRL KTOTrainer, LLaMA-Factory (kto_tag)"
    task = "generative"

    def match(self, d: Mapping[str, Any]) -> bool:
        return _label_key(d) is not None and self._inner(d) is not None

    def _inner(self, d: Mapping[str, Any]) -> Layout | None:
        for layout in _INNER:
            if layout.match(d):
                return layout
        return None

    def _of(self, d: Mapping[str, Any]) -> Layout:
        return self._inner(d) or _INNER[0]

    def turns(self, d: Mapping[str, Any]) -> list[Turn]:
        return self._of(d).turns(d)

    def identity(self, d: Mapping[str, Any]) -> str:
        return f"{self._of(d).identity(d)}\x1elabel\x1f{self.desirable(d)}"

    def near_text(self, d: Mapping[str, Any]) -> str:
        return self._of(d).near_text(d)

    def tools_text(self, d: Mapping[str, Any]) -> str:
        return self._of(d).tools_text(d)

    def prompt_response(self, d: Mapping[str, Any]) -> tuple[str, str]:
        return self._of(d).prompt_response(d)

    def output(self, d: Mapping[str, Any]) -> str | None:
        return None  # the reply is not a class label

    def label_input(self, d: Mapping[str, Any]) -> str:
        return self._of(d).label_input(d)

    def desirable(self, d: Mapping[str, Any]) -> bool | None:
        key = _label_key(d)
        v = d.get(key) if key else None
        return v if type(v) is bool else None

    def system(self, d: Mapping[str, Any]) -> Turn | None:
        return self._of(d).system(d)

    def carries_system(self, d: Mapping[str, Any]) -> bool:
        return self._of(d).carries_system(d)

    def system_pointer(self, d: Mapping[str, Any]) -> str:
        return self._of(d).system_pointer(d)

    def plain_messages(self, d: Mapping[str, Any]) -> list[Any] | None:
        return self._of(d).plain_messages(d)

    def conversation(self, d: Mapping[str, Any]) -> Conversation | None:
        return self._of(d).conversation(d)

    def token_sequences(self, d: Mapping[str, Any]) -> list[list[tuple[str, str, int]]]:
        return self._of(d).token_sequences(d)

    def problems(self, d: Mapping[str, Any]) -> list[Problem]:
        out = self._of(d).problems(d)
        key = _label_key(d)
        if key is not None and type(d.get(key)) is not bool:
            out.append(Problem("type", f"/{key}", f'"{key}" must be true (desirable) or false '
                               f"(undesirable), not {json_type(d.get(key))}"))
        return out

    def required_texts(self, d: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        return self._of(d).required_texts(d)
