"""DP107: media lists and the placeholders that refer to them (multimodal records)."""

from __future__ import annotations

from dataprep import records
from dataprep.checks.base import Check, Emit, Rule
from dataprep.model import Record


class MediaMismatch(Rule):
    """The number of ``<image>`` (``<video>``, ``<audio>``) placeholders differs from the media list.

    Multimodal trainers (LLaMA-Factory, Qwen-VL and LLaVA processors) replace each
    placeholder in the text with the features of the next item of ``images`` (``videos``,
    ``audios``); LLaMA-Factory stops with an error when the counts differ, and processors
    that do not check pair the wrong image with the text or drop one.

    Examples:
    pass: {"messages": [{"role": "user", "content": "<image>What is this?"}, {"role": "assistant", "content": "A cat."}], "images": ["cat.jpg"]}
    fail: {"messages": [{"role": "user", "content": "<image><image>What is this?"}, {"role": "assistant", "content": "A cat."}], "images": ["cat.jpg"]}
    """

    code = "DP107"
    name = "structure.media-mismatch"
    severity = "error"


class MediaCheck(Check):
    """Compares each media list with its placeholders, through the layout's ``media`` view."""

    rules = (MediaMismatch,)
    per_record = True

    def check(self, rec: Record, emit: Emit) -> None:
        for m in records.get(rec.format).media(rec.data):
            if m.items != m.placeholders:
                emit.at("DP107", rec, f'"{m.key}" holds {m.items} item(s) but the text has '
                        f"{m.placeholders} {m.placeholder} placeholder(s)", f"/{m.key}")
