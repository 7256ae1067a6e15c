"""Record layouts: one home per layout, and the views every other part of dataprep reads.

``LAYOUTS`` lists the layouts in detection order (most specific first); ``detect`` names
a record's layout with a few dictionary look-ups.  Everything else asks a view by layout
name (``turns(fmt, d)``, ``prompt_response(fmt, d)``, ...), so rules, stages, the score
and the reporters never branch on a layout's name or read its keys.

Adding a layout: write its module here (a ``Layout`` subclass), list it in ``LAYOUTS``,
add its YAML cases under ``fixtures/rules/`` and its row in the README's format table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dataprep.records.alpaca import Alpaca
from dataprep.records.base import (
    FIELD_SEP, ROLE_SEP, Conversation, Layout, Media, Pair, Problem, Turn,
)
from dataprep.records.chat import Chat, ChatConversations
from dataprep.records.classification import Classification
from dataprep.records.completion import Completion
from dataprep.records.kto import KTO
from dataprep.records.preference import Preference
from dataprep.records.prompt_only import PromptOnly
from dataprep.records.sharegpt import ShareGPT, ShareGPTPreference
from dataprep.records.text import Text

__all__ = ["FIELD_SEP", "ROLE_SEP", "Conversation", "Layout", "Media", "Pair", "Problem", "Turn",
           "LAYOUTS", "FORMATS", "UNKNOWN", "detect", "get"]

#: every layout, in detection order
LAYOUTS: tuple[Layout, ...] = (
    KTO(), ShareGPTPreference(), Chat(), ChatConversations(), ShareGPT(), Preference(),
    Completion(), Alpaca(), Classification(), Text(), PromptOnly(),
)
UNKNOWN = "unknown"


class _Unknown(Layout):
    """A record no layout reads: every view is empty."""

    name = UNKNOWN

    def match(self, d: Mapping[str, Any]) -> bool:
        return False

    def turns(self, d: Mapping[str, Any]) -> list[Turn]:
        return []

    def prompt_response(self, d: Mapping[str, Any]) -> tuple[str, str]:
        return "", ""

    def identity(self, d: Mapping[str, Any]) -> str:
        return ""


#: layouts by name, in the order reports list them (the classic seven first)
BY_NAME: dict[str, Layout] = {x.name: x for x in LAYOUTS}
_UNKNOWN_LAYOUT = _Unknown()
#: layout names in report order: how ties between a file's formats are broken
FORMATS: tuple[str, ...] = (
    "chat", "completion", "alpaca", "sharegpt", "preference", "classification", "text",
    "chat-conversations", "sharegpt-dpo", "kto", "prompt-only",
)
assert set(FORMATS) == set(BY_NAME), "FORMATS must list every layout"


def detect(d: Mapping[str, Any]) -> str:
    """Name the layout of one record (a dict), or 'unknown'."""
    for layout in LAYOUTS:
        if layout.match(d):
            return layout.name
    return UNKNOWN


def get(fmt: str) -> Layout:
    """The layout of a name ('unknown' and unrecognised names: a layout with empty views)."""
    return BY_NAME.get(fmt, _UNKNOWN_LAYOUT)


def applies(fmt: str, wanted: frozenset[str] | tuple[str, ...] | None) -> bool:
    """Whether a rule or check declared for ``wanted`` (layout or family names) reads ``fmt``."""
    if wanted is None:
        return True
    layout = BY_NAME.get(fmt)
    if layout is None:
        return False
    return fmt in wanted or not layout.families.isdisjoint(wanted)


#: metadata keys common in real datasets: reported as info, not as unknown keys
METADATA_KEYS = frozenset(
    {"id", "idx", "uuid", "source", "meta", "metadata", "dataset", "split", "tags", "category",
     "lang", "language", "url", "license", "created_at", "timestamp", "task", "name"}
)
#: canonical field names a user may map from other keys in [tool.dataprep.fields]
MAPPABLE = frozenset({"messages", "conversations", "prompt", "completion", "instruction", "input",
                      "output", "chosen", "rejected", "text", "label", "system", "history",
                      "tools", "images", "videos", "audios", "kto_tag"})
#: role/field separators of the views; normalisation and shingling treat them as spaces
SEPARATORS = str.maketrans({FIELD_SEP: " ", ROLE_SEP: " "})


def apply_mapping(d: dict[str, Any], mapping: Mapping[str, str]) -> None:
    """Rename dataset keys to canonical ones in place (``{"label": "intent"}``)."""
    for canonical, key in mapping.items():
        if key in d and canonical not in d:
            d[canonical] = d.pop(key)


def written_pointer(pointer: str, mapping: Mapping[str, str]) -> str:
    """A pointer into the canonical record as a pointer into the record as written."""
    if not mapping or not pointer.startswith("/"):
        return pointer
    head, sep, rest = pointer[1:].partition("/")
    return "/" + mapping.get(head, head) + sep + rest


# ---------------------------------------------------------------- views by layout name

def turns(fmt: str, d: Mapping[str, Any]) -> list[Turn]:
    """Every text of a record in order (memoised for the record being checked: callers
    must not modify the list)."""
    return get(fmt).cached_turns(d)


def outputs(fmt: str, d: Mapping[str, Any]) -> list[Turn]:
    """The texts a model is trained to produce (assistant prose turns)."""
    return [t for t in turns(fmt, d) if t.role == "assistant" and t.kind == "text"]


def system_prompt(fmt: str, d: Mapping[str, Any]) -> Turn | None:
    """The record's system prompt, if any."""
    return get(fmt).system(d)


def prompt_response(fmt: str, d: Mapping[str, Any]) -> tuple[str, str]:
    """(prompt side, response side) of a record; ("", "") when it has no such split."""
    return get(fmt).prompt_response(d)


def identity(fmt: str, d: Mapping[str, Any]) -> str:
    """What exact duplicates compare (tool calls and tool definitions included)."""
    return get(fmt).identity(d)


def near_text(fmt: str, d: Mapping[str, Any]) -> str:
    """What near duplicates compare."""
    return get(fmt).near_text(d)


def output(fmt: str, d: Mapping[str, Any]) -> str | None:
    """The record's target output, used to infer a classification task; None if not one."""
    return get(fmt).output(d)


def preference(fmt: str, d: Mapping[str, Any]) -> Pair | None:
    """The preference pair of a paired-preference record."""
    return get(fmt).preference(d)


def near_reuses_identity(fmt: str) -> bool:
    """Whether near duplicates compare the same text as exact duplicates (so the exact
    stage's normalised text can be reused)."""
    return type(get(fmt)).near_text is Layout.near_text


def text_size(fmt: str, d: Mapping[str, Any]) -> int:
    """Characters of text the layout reads from a record (0: none)."""
    layout = BY_NAME.get(fmt)
    return layout.text_size(d) if layout is not None else 0


def desirable(fmt: str, d: Mapping[str, Any]) -> bool | None:
    """An unpaired-preference record's label (None for other layouts)."""
    return get(fmt).desirable(d)
