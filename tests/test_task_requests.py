"""The request side of task validity: the instruction view, DP701, DP702 and DP705 pieces."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from dataprep import records
from dataprep.api import lint
from dataprep.checks.task import dangling, merged, patterns, view
from dataprep.errors import ConfigError
from tests.rulecases import records_bytes


def _lint(tmp_path: Path, recs: Sequence[object], select: list[str], **kw: Any) -> list:
    data = tmp_path / "data.jsonl"
    data.write_bytes(records_bytes(recs))
    return lint([str(data)], select=select, cwd=tmp_path, **kw).findings


def _requests(d: dict[str, Any]) -> list[view.Request]:
    return view.record_requests(records.detect(d), d)


# ---------------------------------------------------------------- the view


def test_alpaca_request_has_instruction_material_and_reply() -> None:
    (req,) = _requests({"instruction": "Summarize the text.", "input": "Cats sleep a lot.",
                        "output": "Cats nap.", "system": "Be brief."})
    assert req.instruction.pointer == "/instruction"
    assert [t.pointer for t in req.material] == ["/input"]
    assert req.material_text() == "Cats sleep a lot."
    assert req.reply_text() == "Cats nap."
    assert req.context == len("Be brief.") and req.history == 0


def test_chat_gives_one_request_per_exchange_with_history() -> None:
    reqs = _requests({"messages": [
        {"role": "system", "content": "You help."},
        {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Summarize the text below."},
        {"role": "user", "content": "Long text here."},
        {"role": "assistant", "content": "Short."}]})
    assert [r.instruction.text for r in reqs] == ["Hi", "Summarize the text below."]
    assert [r.history for r in reqs] == [0, 2]
    assert reqs[1].material_text() == "Long text here."


def test_unanswered_or_blank_replies_are_not_requests() -> None:
    assert _requests({"messages": [{"role": "user", "content": "Summarize the following."}]}) == []
    assert _requests({"instruction": "Summarize the following.", "input": "", "output": " "}) == []


def test_head_stops_at_colon_quote_or_blank_line() -> None:
    assert view.head("Edit this sentence: draw a circle") == "Edit this sentence"
    assert view.head('Fix "call my mom" please') == "Fix "
    assert view.head("续写：从以下三个方面体现") == "续写"
    assert view.head("Summarize it.\n\nWe call the plumber.") == "Summarize it."


# ---------------------------------------------------------------- DP701 pieces


@pytest.mark.parametrize(("text", "ref", "found"), [
    ("Translate the following sentence: I am here.", "the following", True),
    ("Rewrite this sentence\nHe go home.", "this sentence", True),
    ("Explain the following term - Natural Language Processing", "the following", True),
    ("Sort the following list of names alphabetically.John, Amanda", "the following", True),
    ("Is the following sentence true? Fish can fly.", "the following", True),
    ("Summarize the following article.", "the following", False),
    ("Which of the following is the largest state?", "the following", False),
])
def test_inline_material(text: str, ref: str, found: bool) -> None:
    start = text.index(ref)
    got = dangling.inline_material(text, start, start + len(ref), forward=True)
    assert (got is not None) is found


def test_unknown_group_in_a_user_pack_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('pattern-packs = ["mine.toml"]\n', encoding="utf-8")
    (tmp_path / "mine.toml").write_text(
        '[[pattern]]\nid = "visaul.banner"\nrule = "DP702"\nregex = "banner"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown group 'visaul'"):
        _lint(tmp_path, [{"instruction": "Hi", "input": "", "output": "Hello"}], ["DP702"])


def test_group_of_another_rule_is_a_config_error(tmp_path: Path) -> None:
    pack = tmp_path / "mine.toml"
    pack.write_text('[[pattern]]\nid = "visual.x"\nrule = "DP701"\nregex = "x"\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="group 'visual' belongs to DP702, not DP701"):
        patterns.load([str(pack)])


def test_user_pack_adds_a_request_kind_pattern(tmp_path: Path) -> None:
    (tmp_path / "dataprep.toml").write_text('pattern-packs = ["mine.toml"]\n', encoding="utf-8")
    (tmp_path / "mine.toml").write_text(
        '[[pattern]]\nid = "physical.pet-the-cat"\nrule = "DP702"\n'
        "regex = '\\Apet the cat\\b'\nflags = [\"IGNORECASE\"]\ndescription = \"pet a cat\"\n",
        encoding="utf-8")
    found = _lint(tmp_path, [{"instruction": "Pet the cat for me.", "input": "", "output": "Purr."},
                             {"instruction": "Name a cat.", "input": "", "output": "Tom."}],
                  ["DP702"])
    assert [(f.line, f.code) for f in found] == [(1, "DP702")]
    assert "(pet a cat)" in found[0].message


# ---------------------------------------------------------------- DP705 pieces


def _headers() -> merged.Headers:
    return merged.Headers.of(patterns.load([]))


def test_merged_counts_headers_outside_code() -> None:
    h = _headers()
    fenced = "Example:\n```\n### Instruction:\nA\n### Instruction:\nB\n```"
    assert merged.merged(fenced, True, h) is None
    two = "### Instruction:\nA\n### Response:\nx\n### Instruction:\nB\n### Response:\ny"
    assert merged.merged(two, True, h) is not None
    assert merged.merged(two, False, h) is not None  # the last block is answered too
    few_shot = "### Instruction:\nA\n### Response:\nx\n### Instruction:\nB\n### Response:\n"
    assert merged.merged(few_shot, False, h) is None


def test_single_unnumbered_header_in_a_reply_is_not_merged() -> None:
    h = _headers()
    text = "The Alpaca format is:\n### Instruction:\n{instruction}\n### Response:\n{response}"
    assert merged.merged(text, True, h) is None


# ---------------------------------------------------------------- robustness and speed


def test_odd_records_never_crash(tmp_path: Path) -> None:
    recs: list[object] = [
        {"instruction": None, "input": ["x"], "output": {"a": 1}},
        {"instruction": "Summarize the following article.", "input": 5, "output": "ok"},
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}},
                                                  {"type": "text", "text": "What is in this photo?"}]},
                      {"role": "assistant", "content": "A cat."}]},
        {"messages": "not a list"},
        {"conversations": [{"from": "human"}, {"from": "gpt", "value": None}]},
        {"prompt": "", "completion": ""},
        "not json",
    ]
    found = _lint(tmp_path, recs, ["DP701", "DP702", "DP705"])
    assert not [f for f in found if f.code == "DP901"]
    # an image content part is something for "this photo" to refer to
    assert not [f for f in found if f.line == 3]
    # a non-string input is no material: the reference dangles
    assert [f.line for f in found if f.code == "DP701"] == [2]


def test_clean_records_cost_little() -> None:
    """The per-record budget: a few tens of microseconds for plain records."""
    refs = dangling.References.of(patterns.load([]))
    reqs = [view.requests(records.turns("alpaca", {
        "instruction": f"Write a short poem about the number {i} and the sea.", "input": "",
        "output": "The sea rolls in; the gulls cry out over the grey water."}))[0]
        for i in range(2000)]
    start = time.perf_counter()
    for r in reqs:
        assert dangling.dangling(r, refs, 200) is None
    per_record = (time.perf_counter() - start) / len(reqs)
    assert per_record < 200e-6
