"""Duplicates and leakage (DP301-DP304) through the real engine, plus the dedup pieces.

The YAML cases (``fixtures/rules/DP30x.yaml``) pin each rule's findings one rule at a
time; they cannot state ``related`` (it holds run-specific absolute paths), so the
pointers from a copy to the record it copies are checked here, together with what only
shows across runs or inputs: determinism, disk partitions against memory, re-reading
through sources without byte offsets, and the summary and score.
"""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dataprep.api import lint
from dataprep.dedup.batch import band_keys_of, prepare
from dataprep.dedup.lsh import BandStore
from dataprep.dedup.minhash import Hasher, candidate_probability, choose_bands, jaccard
from dataprep.dedup.shingles import (
    CHAR_KIND,
    WORD_KIND,
    Segments,
    char_shingles,
    char_shingles_many,
    kinds_for,
    shingle,
    word_hashes,
    word_hashes_many,
    word_shingles,
    word_shingles_many,
)
from dataprep.model import Finding
from dataprep.resources import load_schema

# 43 words; B changes one word of A (word 3-gram Jaccard 0.86), C changes two more words
# of B (0.74 from B), so C is 0.64 from A, below the 0.7 threshold, and is verified
# against B only.
A = ("to reset your password open the settings page choose account and then security "
     "click the reset button and follow the link we send to your email address the link "
     "stays valid for thirty minutes after that you need to request a new one")
B = A.replace("thirty", "sixty")
C = B.replace("choose account", "choose profile").replace("your email", "the email")
UNRELATED = (
    "our store opens at nine in the morning and closes at six in the evening on weekdays "
    "while on saturdays we open at ten and close at four and on sundays and public holidays "
    "the store stays closed all day long",
    "please describe the steps you took before the application crashed which version you "
    "were running and whether the problem happens every time so that our engineers can "
    "reproduce it on their own machines and fix it quickly",
)
SHORT = "How do I reset my password?"
SHORT_NEAR = "How do I reset my password??"
DUP_CODES = ("DP301", "DP302", "DP303", "DP304")

Loc = tuple[str, int | None, int | None]


# --------------------------------------------------------------------------- helpers


def write_jsonl(path: Path, records: Iterable[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def texts(*values: str) -> list[dict[str, str]]:
    return [{"text": v} for v in values]


def chat(user: str, answer: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def run(paths: Sequence[Path], cwd: Path, **kwargs: Any) -> Any:
    kwargs.setdefault("select", ["DP3"])
    return lint([str(p) for p in paths], cwd=cwd, **kwargs)


def loc(path: str, line: int | None, record: int | None) -> Loc:
    return (Path(path).name, line, record)


def view(findings: Iterable[Finding], code: str | None = None) -> list[tuple[Any, ...]]:
    """(code, file name, line, record, [related (file name, line, record)]) per finding."""
    return [
        (f.code, *loc(f.path, f.line, f.record), [loc(r.path, r.line, r.record) for r in f.related])
        for f in findings
        if code is None or f.code == code
    ]


def codes(findings: Iterable[Finding]) -> list[str]:
    return [f.code for f in findings]


# --------------------------------------------------------------------- clusters and related


def test_exact_repeats_point_at_the_first_copy(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", texts("alpha beta", "gamma", "ALPHA  beta", "delta", "alpha beta"))
    got = view(run([data], tmp_path).findings)
    first = [("data.jsonl", 1, 0)]
    assert got == [("DP301", "data.jsonl", 3, 2, first), ("DP301", "data.jsonl", 5, 4, first)]


def test_near_cluster_members_point_at_the_first_then_their_verified_partner(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", texts(A, UNRELATED[0], B, C, UNRELATED[1]))
    res = run([data], tmp_path)
    assert view(res.findings) == [
        ("DP302", "data.jsonl", 3, 2, [("data.jsonl", 1, 0)]),
        # C is 0.64 from A (not verified): the cluster's first, then the partner it matched
        ("DP302", "data.jsonl", 4, 3, [("data.jsonl", 1, 0), ("data.jsonl", 3, 2)]),
    ]
    assert all("cluster of 3 records" in f.message for f in res.findings)
    assert "near duplicate of data.jsonl:3 (Jaccard 0.74" in res.findings[1].message.replace(str(tmp_path) + "/", "")


def _tool_chat(answer: str, tool: str, args: str, tools: list[str] | None = None) -> dict[str, Any]:
    rec: dict[str, Any] = {"messages": [
        {"role": "user", "content": A},
        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                             "function": {"name": tool, "arguments": args}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny, 21 degrees"},
        {"role": "assistant", "content": answer},
    ]}
    if tools is not None:
        rec["tools"] = [{"type": "function", "function": {"name": n, "parameters": {}}} for n in tools]
    return rec


def test_tool_calls_and_tools_are_part_of_a_near_copy(tmp_path: Path) -> None:
    """Worded alike but calling another tool, with other arguments or offering other
    tools: another example, not a near copy.  The same calls and tools with a reworded
    reply still are."""
    base = _tool_chat(B, "get_weather", '{"city": "Paris"}', ["get_weather"])
    reworded = _tool_chat(C, "get_weather", '{"city": "Paris"}', ["get_weather"])
    others = [
        _tool_chat(B, "get_forecast", '{"city": "Paris"}', ["get_weather"]),
        _tool_chat(B, "get_weather", '{"city": "Lyon"}', ["get_weather"]),
        _tool_chat(B, "get_weather", '{"city": "Paris"}', ["get_weather", "get_time"]),
        _tool_chat(B, "get_weather", '{"city": "Paris"}'),
    ]
    data = write_jsonl(tmp_path / "data.jsonl", [base, *others, reworded])
    got = view(run([data], tmp_path).findings)
    assert got == [("DP302", "data.jsonl", 6, 5, [("data.jsonl", 1, 0)])]


def test_near_partner_is_the_earliest_of_several(tmp_path: Path) -> None:
    """B and B' are both verified against A and against each other: both point at A."""
    b2 = A.replace("minutes", "hours")
    data = write_jsonl(tmp_path / "data.jsonl", texts(A, B, b2))
    got = view(run([data], tmp_path).findings)
    assert got == [
        ("DP302", "data.jsonl", 2, 1, [("data.jsonl", 1, 0)]),
        ("DP302", "data.jsonl", 3, 2, [("data.jsonl", 1, 0)]),
    ]


def test_exact_and_near_copies_of_one_record(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", texts(A, A.upper(), B))
    got = view(run([data], tmp_path).findings)
    assert got == [
        ("DP301", "data.jsonl", 2, 1, [("data.jsonl", 1, 0)]),
        ("DP302", "data.jsonl", 3, 2, [("data.jsonl", 1, 0)]),
    ]


def _sentence(rng: random.Random, vocab: Sequence[str], n: int = 40) -> list[str]:
    return [rng.choice(vocab) for _ in range(n)]


def test_one_changed_word_is_found_and_unrelated_records_are_not(tmp_path: Path) -> None:
    """30 pairs of 40-word records differing in one word (Jaccard about 0.85), shuffled
    among 60 unrelated records over the same vocabulary: every pair, nothing else."""
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(400)]
    originals = [_sentence(rng, vocab) for _ in range(30)]
    records: list[tuple[str, int | None]] = []
    for k, words in enumerate(originals):
        changed = list(words)
        pos = 5 + k % 30
        changed[pos] = "changed"
        records.append((" ".join(words), k))
        records.append((" ".join(changed), k))
    records += [(" ".join(_sentence(rng, vocab)), None) for _ in range(60)]
    rng.shuffle(records)
    data = write_jsonl(tmp_path / "data.jsonl", texts(*(t for t, _ in records)))
    res = run([data], tmp_path, select=["DP302"])
    first_of: dict[int, int] = {}
    expected = []
    for i, (_, pair) in enumerate(records):
        if pair is None:
            continue
        if pair in first_of:
            expected.append(("DP302", "data.jsonl", i + 1, i, [("data.jsonl", first_of[pair] + 1, first_of[pair])]))
        else:
            first_of[pair] = i
    assert view(res.findings) == expected
    sims = [float(re.search(r"Jaccard (\d\.\d+)", f.message).group(1)) for f in res.findings]  # type: ignore[union-attr]
    assert all(0.8 <= s < 0.9 for s in sims)


def test_short_texts_use_byte_shingles(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", texts(SHORT, "How do I change my email address?", SHORT_NEAR, "Where is my parcel?"))
    res = run([data], tmp_path)
    assert view(res.findings) == [("DP302", "data.jsonl", 3, 2, [("data.jsonl", 1, 0)])]
    assert "Jaccard 0.96" in res.findings[0].message


def test_shingle_kinds_overlap_around_the_short_text_limit() -> None:
    assert kinds_for(0) == (CHAR_KIND,)
    assert kinds_for(19) == (CHAR_KIND,)
    assert set(kinds_for(20)) == {CHAR_KIND, WORD_KIND}
    assert set(kinds_for(24)) == {CHAR_KIND, WORD_KIND}
    assert kinds_for(25) == (WORD_KIND,)


EMPTYISH = [
    {"text": ""},
    {"text": "   "},
    {"text": "!"},
    {"text": None},
    {"text": 12},
    {"prompt": "", "completion": ""},
    {"messages": []},
    {"messages": [{"role": "user", "content": ""}, {"role": "assistant", "content": ""}]},
    {"messages": [{"role": "user", "content": None}, {"role": "assistant", "content": [{"type": "text", "text": ""}]}]},
    {"instruction": "", "input": "", "output": ""},
    {"conversations": "not a list"},
    {"chosen": [], "rejected": None, "prompt": 5},
]


def test_empty_and_odd_records_neither_crash_nor_cluster(tmp_path: Path) -> None:
    records: list[Any] = [*EMPTYISH, {"text": SHORT}, {"text": A}]
    lines = [json.dumps(r) for r in records] + ['{"text": "\\ud800 lone surrogate"}'] * 2
    data = tmp_path / "data.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run([data], tmp_path, select=["DP3", "DP9"])
    assert "DP901" not in codes(res.findings)
    # nothing is a near copy of a real text, and empty texts make no near cluster
    assert not [f for f in res.findings if f.code in ("DP302", "DP304")]


def test_empty_chat_prompts_are_not_one_prompt(tmp_path: Path) -> None:
    """Role names alone are no prompt: empty user turns with different answers are not DP303."""
    data = write_jsonl(tmp_path / "data.jsonl", [
        chat("", "The capital of France is Paris."),
        chat("  ", "Photosynthesis turns light into sugar."),
        chat("", "Water boils at 100 degrees at sea level."),
    ])
    assert "DP303" not in codes(run([data], tmp_path).findings)


@pytest.mark.parametrize("records", [[], [{"text": A}], [chat("hi", "hello")]], ids=["empty", "text", "chat"])
def test_zero_and_one_record_files(tmp_path: Path, records: list[Any]) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", records)
    res = run([data], tmp_path)
    assert [f for f in res.findings if f.code in DUP_CODES] == []
    summary = res.to_dict()["summary"]
    assert summary["effective_examples"] == len(records)
    assert summary["exact_duplicates"] == 0


# --------------------------------------------------------------------------- leakage


def test_leakage_between_train_and_test_files(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "d" / "train.jsonl", texts(UNRELATED[0], A, SHORT))
    write_jsonl(tmp_path / "d" / "test.jsonl", texts(UNRELATED[1], A.upper(), SHORT_NEAR, "nothing like the rest"))
    res = run([tmp_path / "d"], tmp_path)
    leaks = view(res.findings, "DP304")
    assert leaks == [
        ("DP304", "test.jsonl", 2, 1, [("train.jsonl", 2, 1)]),
        ("DP304", "test.jsonl", 3, 2, [("train.jsonl", 3, 2)]),
    ]
    by_line = {f.line: f for f in res.findings if f.code == "DP304"}
    assert "exact copy" in by_line[2].message and by_line[2].severity == "error"
    assert "near copy" in by_line[3].message and "Jaccard" in by_line[3].message
    assert not [f for f in res.findings if f.code in ("DP301", "DP302")]


def test_leakage_through_eval_paths(tmp_path: Path) -> None:
    train = write_jsonl(tmp_path / "part_a.jsonl", texts(A, UNRELATED[0]))
    other = write_jsonl(tmp_path / "part_b.jsonl", texts(UNRELATED[1], B, UNRELATED[0].upper()))
    res = run([train], tmp_path, eval_paths=[str(other)])
    assert view(res.findings, "DP304") == [
        ("DP304", "part_b.jsonl", 2, 1, [("part_a.jsonl", 1, 0)]),
        ("DP304", "part_b.jsonl", 3, 2, [("part_a.jsonl", 2, 1)]),
    ]
    assert [f["split"] for f in res.to_dict()["files"]] == ["eval", "train"]


def test_copies_between_training_files_are_duplicates_not_leakage(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "d" / "part1.jsonl", texts(A, SHORT))
    write_jsonl(tmp_path / "d" / "part2.jsonl", texts(B, SHORT.lower()))
    res = run([tmp_path / "d"], tmp_path)
    assert view(res.findings) == [
        ("DP302", "part2.jsonl", 1, 0, [("part1.jsonl", 1, 0)]),
        ("DP301", "part2.jsonl", 2, 1, [("part1.jsonl", 2, 1)]),
    ]


def test_every_leaked_evaluation_copy_is_reported(tmp_path: Path) -> None:
    """An evaluation record repeated inside its split still leaks, copy after copy."""
    write_jsonl(tmp_path / "d" / "train.jsonl", texts(A, SHORT))
    write_jsonl(tmp_path / "d" / "test.jsonl", texts(A, A.upper(), B, B))
    res = run([tmp_path / "d"], tmp_path, select=["DP304"])
    assert [(f.line, [loc(r.path, r.line, r.record) for r in f.related]) for f in res.findings] == [
        (1, [("train.jsonl", 1, 0)]),
        (2, [("train.jsonl", 1, 0)]),
        (3, [("train.jsonl", 1, 0)]),
        (4, [("train.jsonl", 1, 0)]),
    ]


# ------------------------------------------------------- which record is first (all four rules)


def _order(res: Any, given: Sequence[Path]) -> Any:
    """Sort key of a place in reading order as people mean it: training before evaluation,
    files in the order given, then lines."""
    split = {f["path"]: f["split"] for f in res.files}
    rank = {str(p): i for i, p in enumerate(given)}

    def key(path: str, line: int | None) -> tuple[int, int, int]:
        return (split[path] == "eval", rank[path], line or 0)

    return key


def test_every_duplicate_sits_on_the_later_record_and_points_at_the_earliest(tmp_path: Path) -> None:
    planet = "Which planet is closest to the Sun?"
    part1 = write_jsonl(tmp_path / "part1.jsonl", [
        {"prompt": planet, "completion": "Mercury"},
        {"prompt": "Summarise the note.", "completion": A},
        {"prompt": "Summarise the hours.", "completion": UNRELATED[0]},
    ])
    part2 = write_jsonl(tmp_path / "part2.jsonl", [
        {"prompt": "Summarise the note.", "completion": B},
        {"prompt": planet.lower(), "completion": "Venus, I think"},
        {"prompt": "Summarise the note.", "completion": A.upper()},
        {"prompt": "Summarise the note.", "completion": C},
    ])
    # the evaluation file is passed (and read) first; it still counts as the later one
    held_out = write_jsonl(tmp_path / "held_out.jsonl", [
        {"prompt": "Summarise the hours.", "completion": UNRELATED[0].upper()},
        {"prompt": "Summarise the note.", "completion": B},
    ])
    res = run([part1, part2], tmp_path, eval_paths=[str(held_out)], task="generative")
    assert view(res.findings) == [
        ("DP304", "held_out.jsonl", 1, 0, [("part1.jsonl", 3, 2)]),
        ("DP304", "held_out.jsonl", 2, 1, [("part2.jsonl", 1, 0)]),  # its exact copy beats a near one
        ("DP302", "part2.jsonl", 1, 0, [("part1.jsonl", 2, 1)]),
        ("DP303", "part2.jsonl", 2, 1, [("part1.jsonl", 1, 0)]),
        ("DP301", "part2.jsonl", 3, 2, [("part1.jsonl", 2, 1)]),
        ("DP302", "part2.jsonl", 4, 3, [("part1.jsonl", 2, 1), ("part2.jsonl", 1, 0)]),
    ]
    key = _order(res, [part1, part2, held_out])
    for f in res.findings:
        assert key(f.related[0].path, f.related[0].line) < key(f.path, f.line), f


def test_text_names_each_place_once(tmp_path: Path) -> None:
    from dataprep.report import render

    data = write_jsonl(tmp_path / "data.jsonl", [
        {"prompt": "Capital of France?", "completion": "Paris"},
        {"prompt": "Summarise the note.", "completion": A},
        {"prompt": "capital of  France?", "completion": "Lyon, I think"},
        {"prompt": "Summarise the note.", "completion": B},
        {"prompt": "Summarise the note.", "completion": C},
        {"prompt": "summarise the note.", "completion": A},
    ])
    held_out = write_jsonl(tmp_path / "test.jsonl", [{"prompt": "Summarise the note.", "completion": A}])
    res = run([data, held_out], tmp_path, task="generative")
    out = render("text", res.to_dict())
    lines = [ln for ln in out.splitlines() if ln.startswith(str(tmp_path)) and ": DP30" in ln]
    assert {ln.split(": ")[1].split()[0] for ln in lines} == set(DUP_CODES)
    for ln in lines:
        places = re.findall(r"\S+\.jsonl:\d+", ln)
        assert len(places) == len(set(places)), ln
        assert "(first at" in ln or len(places) == 2, ln


def test_parquet_records_are_numbered_from_one_in_text(tmp_path: Path) -> None:
    from dataprep.report import render

    target = _write_as("parquet", tmp_path / "rows", texts(UNRELATED[0], "alpha beta", "ALPHA  beta"))
    res = run([target], tmp_path)
    assert view(res.findings) == [("DP301", "rows.parquet", None, 2, [("rows.parquet", None, 1)])]
    out = render("text", res.to_dict())
    line = next(ln for ln in out.splitlines() if "DP301" in ln)
    assert line == (f"{target}: DP301 exact duplicate (after normalisation) of {target} record 2 "
                    "(record 3)")
    assert "record 0" not in out


# --------------------------------------------------------------------- same prompt (DP303)


def test_same_chat_prompt_with_different_answers(tmp_path: Path) -> None:
    system = {"role": "system", "content": "You are a geography tutor."}
    q = "What is the capital of France?"
    data = write_jsonl(tmp_path / "data.jsonl", [
        {"messages": [system, {"role": "user", "content": q}, {"role": "assistant", "content": "Paris."}]},
        {"messages": [system, {"role": "user", "content": "Name a river in Spain."},
                      {"role": "assistant", "content": "The Ebro."}]},
        # same words, but the last assistant turn answers another question
        {"messages": [system, {"role": "user", "content": q}, {"role": "assistant", "content": "Paris."},
                      {"role": "user", "content": "And Spain?"}, {"role": "assistant", "content": "Madrid."}]},
        {"messages": [system, {"role": "user", "content": q.lower()}, {"role": "assistant", "content": "Lyon, since 1990."}]},
        {"messages": [system, {"role": "user", "content": q + " "}, {"role": "assistant", "content": "Marseille."}]},
    ])
    res = run([data], tmp_path)
    found = [f for f in res.findings if f.code == "DP303"]
    # the later records answer differently and point at the first; the fifth is alike
    # as a whole text, but its reply differs, so it is a second answer (DP303), not a
    # near copy (DP302 needs both the prompt and the reply near-equal)
    assert view(found) == [("DP303", "data.jsonl", 4, 3, [("data.jsonl", 1, 0)]),
                           ("DP303", "data.jsonl", 5, 4, [("data.jsonl", 1, 0)])]
    assert "3 records share this prompt" in found[0].message
    assert not [f for f in res.findings if f.code == "DP302"]
    assert res.task == "generative"


def test_same_completion_prompt_with_different_answers(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [
        {"prompt": "Capital of France?", "completion": "Paris"},
        {"prompt": "Capital of Spain?", "completion": "Madrid"},
        {"prompt": "capital of  France?", "completion": "Lyon, I think"},
        {"prompt": "Capital of Spain?", "completion": "madrid"},  # same answer: DP301
    ])
    res = run([data], tmp_path, task="generative")
    assert view(res.findings) == [
        ("DP303", "data.jsonl", 3, 2, [("data.jsonl", 1, 0)]),
        ("DP301", "data.jsonl", 4, 3, [("data.jsonl", 2, 1)]),
    ]


def test_no_same_prompt_finding_for_classification(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", [
        {"text": "The delivery was late but the food was great", "label": "positive"},
        {"text": "the delivery was late but the food was great", "label": "negative"},
        {"text": "Terrible service and cold soup", "label": "negative"},
        {"text": "Lovely staff", "label": "positive"},
    ])
    res = run([data], tmp_path)
    assert res.task == "classification"
    assert "DP303" not in codes(res.findings)


# ----------------------------------------------------------------------- summary and score


def test_effective_examples_subtract_exact_and_near_duplicates(tmp_path: Path) -> None:
    train = texts(A, UNRELATED[0], A.upper(), B, C, SHORT, SHORT_NEAR, UNRELATED[1], SHORT)
    write_jsonl(tmp_path / "d" / "train.jsonl", train)
    write_jsonl(tmp_path / "d" / "valid.jsonl", texts("held out text one", "held out text one", A))
    res = run([tmp_path / "d"], tmp_path)
    summary = res.to_dict()["summary"]
    assert summary["train_records"] == 9 and summary["eval_records"] == 3
    assert summary["exact_duplicates"] == 2  # A.upper(), the second SHORT; eval copies not counted
    assert summary["near_duplicates"] == 3  # B, C, SHORT_NEAR
    assert summary["effective_examples"] == 9 - 2 - 3
    dims = res.to_dict()["score"]["dimensions"]
    assert dims["uniqueness"] == pytest.approx(4 / 9, abs=1e-4)


def test_without_the_duplicate_rules_only_exact_copies_are_subtracted(tmp_path: Path) -> None:
    """The volume rules need the cheap exact stage only; MinHash does not run for them."""
    data = write_jsonl(tmp_path / "data.jsonl", texts(A, A.upper(), B, UNRELATED[0]))
    report = run([data], tmp_path, select=["DP201"]).to_dict()
    assert report["summary"]["exact_duplicates"] == 1
    assert report["summary"]["near_duplicates"] is None
    assert report["summary"]["effective_examples"] == 3
    assert report["score"]["dimensions"]["uniqueness"] == pytest.approx(3 / 4, abs=1e-4)


def test_duplicates_lower_the_uniqueness_dimension_and_the_score(tmp_path: Path) -> None:
    clean = write_jsonl(tmp_path / "clean" / "data.jsonl", texts(A, UNRELATED[0], UNRELATED[1], SHORT))
    dup = write_jsonl(tmp_path / "dup" / "data.jsonl", texts(A, UNRELATED[0], B, A, SHORT))
    c = run([clean], tmp_path).to_dict()["score"]
    d = run([dup], tmp_path).to_dict()["score"]
    assert c["dimensions"]["uniqueness"] == 1.0
    assert d["dimensions"]["uniqueness"] == pytest.approx(3 / 5, abs=1e-4)
    assert d["overall"] < c["overall"]
    charged = {e["code"] for e in d["costs"]}
    assert {"DP301", "DP302"} <= charged


def test_default_preset_runs_the_duplicate_rules(tmp_path: Path) -> None:
    data = write_jsonl(tmp_path / "data.jsonl", texts(A, A, B))
    res = lint([str(data)], cwd=tmp_path)
    assert {"DP301", "DP302"} <= set(codes(res.findings))


def test_report_with_duplicate_findings_matches_the_schema(tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    write_jsonl(tmp_path / "d" / "train.jsonl", [*texts(A, A, B), {"prompt": "Q?", "completion": "x"},
                                                 {"prompt": "Q?", "completion": "y"}])
    write_jsonl(tmp_path / "d" / "test.jsonl", texts(A))
    report = lint([str(tmp_path / "d")], cwd=tmp_path).to_dict()
    errors = [e.message for e in Draft202012Validator(load_schema("report")).iter_errors(report)]
    assert errors == []
    assert {"DP301", "DP302", "DP303", "DP304"} <= set(report["summary"]["by_code"])


# ------------------------------------------------------- determinism, spilling, re-reading


def _mixed_records() -> list[dict[str, Any]]:
    return [
        {"text": UNRELATED[0]}, {"text": A}, {"text": SHORT}, {"text": B}, {"text": C},
        {"text": UNRELATED[1]}, {"text": SHORT_NEAR}, {"text": A.upper()}, {"text": ""},
        {"prompt": "Capital of France?", "completion": "Paris"},
        {"prompt": "capital of france?", "completion": "Lyon"},
    ]


def _comparable(findings: Iterable[Finding]) -> list[tuple[Any, ...]]:
    """Findings without paths and lines (which differ between source kinds)."""
    return [(f.code, f.record, [r.record for r in f.related], f.count,
             re.sub(r" of \S+( record \d+)?", "", f.message)) for f in findings]


def test_two_runs_give_identical_reports(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "d" / "train.jsonl", _mixed_records())
    write_jsonl(tmp_path / "d" / "test.jsonl", texts(B, SHORT))
    first = lint([str(tmp_path / "d")], cwd=tmp_path).to_dict()
    second = lint([str(tmp_path / "d")], cwd=tmp_path).to_dict()
    assert first == second
    assert first["summary"]["by_code"].get("DP302")


def test_disk_partitions_give_the_same_findings_as_memory(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "d" / "train.jsonl", _mixed_records())
    write_jsonl(tmp_path / "d" / "test.jsonl", texts(B, SHORT))
    memory = run([tmp_path / "d"], tmp_path)
    disk = run([tmp_path / "d"], tmp_path, options={"DP302": {"spill_after": 0}})
    assert [f.to_dict() for f in disk.findings] == [f.to_dict() for f in memory.findings]
    assert disk.to_dict()["summary"] == memory.to_dict()["summary"]
    assert {"DP301", "DP302", "DP303", "DP304"} <= set(codes(memory.findings))


def _write_as(kind: str, path: Path, records: list[dict[str, Any]]) -> Path:
    if kind == "jsonl.gz":
        target = path.with_suffix(".jsonl.gz")
        with gzip.open(target, "wt", encoding="utf-8") as fh:
            fh.write("".join(json.dumps(r) + "\n" for r in records))
    elif kind == "json":
        target = path.with_suffix(".json")
        target.write_text(json.dumps(records, indent=2), encoding="utf-8")
    elif kind == "parquet":
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        target = path.with_suffix(".parquet")
        # one schema for all rows: absent fields are null, which the reader drops
        pq.write_table(pa.Table.from_pylist(records), target)
    else:
        target = write_jsonl(path.with_suffix(".jsonl"), records)
    return target


@pytest.mark.parametrize("kind", ["jsonl.gz", "json", "parquet"])
def test_sources_without_offsets_give_the_same_findings(tmp_path: Path, kind: str) -> None:
    records = [r for r in _mixed_records() if "text" in r]  # one schema, for Parquet
    plain = run([_write_as("jsonl", tmp_path / "plain" / "data", records)], tmp_path)
    (tmp_path / "other").mkdir()
    other = run([_write_as(kind, tmp_path / "other" / "data", records)], tmp_path)
    assert _comparable(other.findings) == _comparable(plain.findings)
    assert {"DP301", "DP302"} <= set(codes(plain.findings))


def test_bom_crlf_and_blank_lines_reread_the_right_records(tmp_path: Path) -> None:
    """Verification seeks to byte offsets: a BOM, CRLF ends and blank lines must not shift them."""
    data = tmp_path / "data.jsonl"
    data.write_bytes(b"\xef\xbb\xbf" + json.dumps({"text": A}).encode() + b"\r\n\r\n"
                     + json.dumps({"text": UNRELATED[0]}).encode() + b"\r\n\r\n"
                     + json.dumps({"text": B}).encode() + b"\r\n")
    res = run([data], tmp_path)
    assert view(res.findings) == [("DP302", "data.jsonl", 5, 2, [("data.jsonl", 1, 0)])]
    assert "Jaccard 0.86" in res.findings[0].message


# ------------------------------------------------------------------------ the pieces


def test_jaccard_of_sorted_unique_sets() -> None:
    a = np.array([1, 2, 3, 4], dtype=np.uint64)
    b = np.array([3, 4, 5], dtype=np.uint64)
    assert jaccard(a, b) == pytest.approx(2 / 5)
    assert jaccard(a, a) == 1.0
    assert jaccard(a, np.empty(0, dtype=np.uint64)) == 0.0


@pytest.mark.parametrize("threshold", [0.5, 0.7, 0.8, 0.9])
@pytest.mark.parametrize("num_perm", [32, 128, 256])
def test_bands_reach_the_recall_target_at_the_threshold(threshold: float, num_perm: int) -> None:
    bands, rows = choose_bands(threshold, num_perm)
    assert bands * rows <= num_perm
    assert candidate_probability(threshold, bands, rows) >= 0.95


def test_band_store_spilled_to_disk_gives_the_same_candidates() -> None:
    """More records than one in-memory chunk, with planted equal keys in some bands."""
    rng = np.random.default_rng(5)
    n, bands = 9000, 6
    keys = rng.integers(0, 2**63, size=(n, bands), dtype=np.int64).astype(np.uint64)
    for i in range(0, n - 1, 97):  # pairs sharing one band
        keys[i + 1, i % bands] = keys[i, i % bands]
    keys[100:110, 2] = keys[100, 2]  # a group of ten
    stores = {spill: BandStore(bands, spill) for spill in (0, 10**9)}
    for store in stores.values():
        for i in range(n):
            store.add(i, keys[i])
    disk, memory = stores[0].candidate_pairs(), stores[10**9].candidate_pairs()
    assert np.array_equal(disk, memory)
    pairs = {tuple(p) for p in memory.tolist()}
    assert (0, 1) in pairs and (97, 98) in pairs and (8827, 8828) in pairs
    assert {(100, j) for j in range(101, 110)} <= pairs
    assert all(a < b for a, b in pairs)


def test_band_store_takes_many_records_at_once() -> None:
    rng = np.random.default_rng(6)
    n, bands = 5000, 4
    keys = rng.integers(0, 50, size=(n, bands), dtype=np.int64).astype(np.uint64)
    one, many = BandStore(bands, 10**9), BandStore(bands, 10**9)
    for i in range(n):
        one.add(i, keys[i])
    for start in (0, 7, 1500, 4999):  # uneven batches, one crossing a chunk
        stop = {0: 7, 7: 1500, 1500: 4999, 4999: 5000}[start]
        many.add_many(np.arange(start, stop), keys[start:stop])
    many.add_many(np.empty(0, dtype=np.int64), keys[:0])
    assert many.count == n
    assert np.array_equal(one.candidate_pairs(), many.candidate_pairs())


# ------------------------------------------------------------------- batched stage


def _batch_texts(seed: int) -> list[str]:
    """Normalised texts of every length the stage meets: empty, 1-4 bytes, 1 and 2 words,
    around the byte/word and k-permutation/OPH boundaries, long; ASCII and not."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(400)] + ["café", "naïve", "日本語", "x", "ab", "🙂"]
    texts = ["", "a", "ab", "abc", "abcd", "abcde", "é", "日本"]
    for n in (1, 2, 3, 4, 19, 20, 21, 24, 25, 60, 170, 180, 181, 200, 260, 365, 366, 400, 1500):
        for _ in range(2):
            texts.append(" ".join(rng.choice(vocab) for _ in range(n)))
    texts.append(" ".join(["same"] * 50))  # one distinct 3-gram
    texts += [" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 700))) for _ in range(60)]
    rng.shuffle(texts)
    return [prepare(t) for t in texts]


def _keys_per_record(norm: str, hashers: dict[str, Hasher]) -> dict[tuple[str, str], np.ndarray]:
    """What the stage computed record by record before batching (the reference)."""
    words = word_hashes(norm)
    out = {}
    for kind in kinds_for(len(words)):
        sh = shingle(norm, kind, words)
        if len(sh):
            h = hashers[kind]
            for scheme in h.schemes(len(sh)):
                sig = h.signature(sh) if scheme == "kperm" else h.oph_signature(sh)
                out[(kind, scheme)] = h.band_keys(sig)
    return out


@pytest.mark.parametrize("num_perm", [128, 100])
@pytest.mark.parametrize("seed", [1, 2])
def test_batched_keys_equal_the_per_record_keys(seed: int, num_perm: int) -> None:
    texts = _batch_texts(seed)
    hashers = {WORD_KIND: Hasher(num_perm, seed, 0.7), CHAR_KIND: Hasher(num_perm, seed, 0.8)}
    words = word_hashes_many(texts)
    chars = char_shingles_many(texts)
    trigrams = word_shingles_many(words)
    for i, t in enumerate(texts):
        assert np.array_equal(words[i], word_hashes(t)), t
    for few in ([], [""], ["", ""], ["", "a b"], ["a b", ""]):
        got = word_hashes_many(few)
        assert len(got) == len(few) and len(got.values) == got.offsets[-1]
        assert all(np.array_equal(got[i], word_hashes(t)) for i, t in enumerate(few))
        if not any(few):
            assert band_keys_of(few, hashers) == []  # empty texts get no keys
        assert np.array_equal(chars[i], char_shingles(t)), t
        assert np.array_equal(trigrams[i], word_shingles(word_hashes(t))), t
    for kind, sh in ((CHAR_KIND, chars), (WORD_KIND, trigrams)):
        h = hashers[kind]
        kperm, oph = h.signatures(sh), h.oph_signatures(sh)
        for i in range(len(texts)):
            assert np.array_equal(kperm[i], h.signature(sh[i]))
            if len(sh[i]):  # the per-record path never asks OPH for an empty set
                assert np.array_equal(oph[i], h.oph_signature(sh[i]))
            assert np.array_equal(h.band_keys_many(kperm)[i], h.band_keys(kperm[i]))
            assert np.array_equal(h.band_keys_many(oph)[i], h.band_keys(oph[i]))
    batched: dict[int, dict[tuple[str, str], np.ndarray]] = {i: {} for i in range(len(texts))}
    schemes = set()
    for bk in band_keys_of(texts, hashers):
        schemes.add((bk.kind, bk.scheme))
        for row, keys in zip(bk.rows.tolist(), bk.keys):
            batched[row][(bk.kind, bk.scheme)] = keys
    assert schemes == {(CHAR_KIND, "kperm"), (WORD_KIND, "kperm"), (WORD_KIND, "oph")}
    for i, t in enumerate(texts):
        ref = _keys_per_record(t, hashers)
        assert batched[i].keys() == ref.keys(), t
        for key, keys in ref.items():
            assert np.array_equal(batched[i][key], keys), (t, key)


@pytest.mark.parametrize("num_perm", [64, 100])
def test_batched_oph_handles_sparse_sets_and_the_top_hash(num_perm: int) -> None:
    """Bins left empty are densified as one record at a time does; the hash 2**64 - 1
    falls past the last bin in both."""
    h = Hasher(num_perm, 3, 0.7)
    rng = np.random.default_rng(3)
    sets = [np.unique(rng.integers(0, 2**63, size=n, dtype=np.int64).astype(np.uint64) * np.uint64(2))
            for n in (1, 2, 5, 40, 63, 64, 300)]
    sets.append(np.array([5, 2**64 - 1], dtype=np.uint64))
    sets.append(np.array([2**64 - 1], dtype=np.uint64))
    sh = Segments(np.concatenate(sets), np.cumsum([0] + [len(s) for s in sets]))
    got = h.oph_signatures(sh)
    for i, s in enumerate(sets):
        assert np.array_equal(got[i], h.oph_signature(s))


def test_small_batches_give_the_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Flushing every few records (batch edges inside files and views) changes nothing."""
    write_jsonl(tmp_path / "d" / "train.jsonl", _mixed_records() * 2)
    write_jsonl(tmp_path / "d" / "test.jsonl", texts(B, SHORT))
    whole = lint([str(tmp_path / "d")], cwd=tmp_path).to_dict()
    monkeypatch.setattr("dataprep.dedup.stage.BATCH_TEXTS", 3)
    small = lint([str(tmp_path / "d")], cwd=tmp_path).to_dict()
    assert small == whole
    assert whole["summary"]["by_code"].get("DP302")


# ------------------------------------------------------------------- length-aware defaults


def test_long_texts_with_five_percent_of_words_changed_are_found(tmp_path: Path) -> None:
    """20 texts of 120 words, each copied with 6 words (5 %) replaced at random places:
    every copy is found (word 3-gram Jaccard about 0.74, threshold 0.7), nothing else."""
    rng = random.Random(11)
    vocab = [f"w{i}" for i in range(3000)]
    records: list[str] = []
    for _ in range(20):
        words = _sentence(rng, vocab, 120)
        copy = list(words)
        for pos in rng.sample(range(120), 6):
            copy[pos] = f"new{pos}"
        records += [" ".join(words), " ".join(copy)]
    data = write_jsonl(tmp_path / "data.jsonl", texts(*records))
    got = view(run([data], tmp_path, select=["DP302"]).findings)
    assert got == [("DP302", "data.jsonl", i + 2, i + 1, [("data.jsonl", i + 1, i)]) for i in range(0, 40, 2)]


def test_short_texts_from_one_template_with_other_content_are_not_copies(tmp_path: Path) -> None:
    questions = [f"What is the capital city of {c}?" for c in ("France", "Spain", "Peru", "Kenya", "Japan")]
    questions += [f"Convert {n} degrees Celsius to Fahrenheit." for n in (10, 25, 30, 40)]
    questions += ["Write a short poem about the sea at night.", "Write a short poem about the moon at night."]
    data = write_jsonl(tmp_path / "data.jsonl", texts(*questions))
    assert codes(run([data], tmp_path, select=["DP302"]).findings) == []


def test_short_bar_rises_with_length_and_follows_its_floor() -> None:
    from dataprep.dedup.stage import short_bar

    assert short_bar(15, 15, 0.8) == 0.8  # "Where is my parcel?": the floor decides
    assert short_bar(100, 100, 0.8) == pytest.approx(94 / 106)  # 6 5-grams may differ per side
    assert short_bar(100, 100, 0.5) == pytest.approx(85 / 115)  # a lower floor loosens the rise too
    assert short_bar(15, 15, 0.5) == 0.5
    assert short_bar(100, 100, 1.0) == 1.0


def test_a_near_copy_with_another_label_is_a_conflict_not_a_copy(tmp_path: Path) -> None:
    """DP402 names it (DP302 stays quiet), and it still adds no effective example:
    adding a conflicting record must never raise the example count."""
    rows = [{"text": f"a question about topic number {w} for the bank", "label": lab}
            for w, lab in zip(("one", "two", "three", "four", "five", "six"), ("a", "b") * 3)]
    rows += [{"text": "I do not recognise this card payment from last Tuesday", "label": "card"},
             {"text": "I do not recognize this card payment from last Tuesday", "label": "debit"},
             {"text": "I do not recognise this card payment from last tuesday!", "label": "card"}]
    data = write_jsonl(tmp_path / "data.jsonl", rows)
    res = run([data], tmp_path, select=["DP3", "DP402"], task="classification")
    # 7 conflicts with 6; 8 copies 6 (same label) and conflicts with 7
    assert [(f.code, f.record) for f in res.findings if f.code in ("DP302", "DP402")] == [
        ("DP402", 7), ("DP302", 8), ("DP402", 8)]
    assert res.summary["effective_examples"] == 7
    alone = run([data], tmp_path, task="classification")  # DP402 off: DP302 names both
    assert sorted(f.record for f in alone.findings if f.code == "DP302") == [7, 8]
