"""DP504: system prompt variants and missing prompts, beyond the YAML cases."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from dataprep.api import lint
from dataprep.checks import system_prompt as sp
from dataprep.checks.system_prompt import describe_difference, excerpt, normalise

BASE = ("You are a careful assistant for the ACME help desk. Answer in short paragraphs, "
        "ask for the order number when you need it, and never promise refunds yourself.")


def _chat(system: str | None, i: int) -> dict[str, object]:
    msgs: list[dict[str, str]] = []
    if system is not None:
        msgs.append({"role": "system", "content": system})
    msgs += [{"role": "user", "content": f"question {i}"},
             {"role": "assistant", "content": f"answer {i}"}]
    return {"messages": msgs}


def _write(path: Path, prompts: list[str | None]) -> Path:
    path.write_text("".join(json.dumps(_chat(p, i)) + "\n" for i, p in enumerate(prompts)),
                    encoding="utf-8")
    return path


def _dp504(path: Path, tmp_path: Path, **options: object) -> list[dict[str, object]]:
    res = lint([str(path)], select=["DP504"], options={"DP504": options} if options else None,
               cwd=tmp_path)
    return [f.to_dict() for f in res.findings if f.code == "DP504"]


def test_normalise_and_excerpt() -> None:
    assert normalise("  You ARE\n a  bot. ") == "you are a bot."
    assert excerpt("a" * 100) == "a" * 59 + "…"
    assert excerpt("short\n text") == "short text"


@pytest.mark.parametrize(("a", "b", "want"), [
    ("Be brief.", "Be brief.", "same text"),
    ("x" * sp.TEXT_CHARS, "x" * sp.TEXT_CHARS,
     f"differs after the first {sp.TEXT_CHARS} characters"),
    ("Be brief.", "Be  brief.", "differs only in white space"),
    ("Be brief.", "be brief.", "differs only in letter case or white space"),
    ("You are a helpful bot.", "You are a helpfull bot.", '"helpful" → "helpfull"'),
    ("You are a helpful bot.", "You are a bot.", '"helpful" removed'),
    ("You are a bot.", "You are a kind bot.", '"kind" added'),
    ("A b c d e f.", "A x c d y f.", '"b" → "x" (+1 more change(s))'),
])
def test_describe_difference(a: str, b: str, want: str) -> None:
    assert describe_difference(a, b) == want


def test_rare_variant_of_a_long_prompt(tmp_path: Path) -> None:
    variant = BASE.replace("short paragraphs", "shrot paragraphs")
    path = _write(tmp_path / "data.jsonl", [BASE] * 30 + [variant] * 2 + [BASE] * 5)
    found = _dp504(path, tmp_path)
    assert len(found) == 1
    f = found[0]
    assert f["line"] == 31 and f["count"] == 2 and f["pointer"] == "/messages/0/content"
    assert '"short" → "shrot"' in f["message"]
    assert "the usual prompt (35 records, first at line 1)" in f["message"]
    assert len(f["message"]) < 300


def test_very_long_prompts_compare_by_words(tmp_path: Path) -> None:
    long = " ".join(f"Rule {i}: answer questions about topic {i} with care." for i in range(300))
    variant = long.replace("topic 15 ", "topic l5 ")
    late = long.replace("topic 250 ", "topic 25O ")  # beyond the characters kept
    path = _write(tmp_path / "data.jsonl", [long] * 20 + [variant, late])
    start = time.perf_counter()
    found = _dp504(path, tmp_path)
    assert time.perf_counter() - start < 5
    assert len(found) == 2
    assert '"15" → "l5"' in found[0]["message"]
    assert f"differs after the first {sp.TEXT_CHARS} characters" in found[1]["message"]


def test_many_variants_are_one_finding(tmp_path: Path) -> None:
    variants = [BASE.replace("ACME", f"ACME{i}") for i in range(sp.PER_RECORD_LIMIT + 5)]
    path = _write(tmp_path / "data.jsonl", [BASE] * 200 + variants)
    found = _dp504(path, tmp_path)
    assert len(found) == 1
    f = found[0]
    assert f["line"] == 201 and f["count"] == len(variants)
    assert f["message"].startswith(f"{len(variants)} variants of the usual system prompt in "
                                   f"{len(variants)} records")
    assert "variants first at lines 201, 202, 203, 204, 205, …" in f["message"]


def test_per_task_prompts_are_not_flooded(tmp_path: Path) -> None:
    tasks = [f"You are an assistant for task number {i}: {topic}." for i, topic in enumerate(
        ["translate English into German", "summarise news articles", "write SQL queries",
         "classify customer e-mails", "answer medical questions", "rewrite text politely",
         "extract dates from contracts", "tag parts of speech"])]
    prompts: list[str | None] = [t for t in tasks for _ in range(25)]
    path = _write(tmp_path / "data.jsonl", prompts)
    assert _dp504(path, tmp_path) == []


def test_templated_prompts_without_a_dominant_one_are_quiet(tmp_path: Path) -> None:
    prompts: list[str | None] = [f"You are a helpful assistant. Today is 2024-03-{d:02d}."
                                 for d in range(1, 29)]
    path = _write(tmp_path / "data.jsonl", prompts)
    assert _dp504(path, tmp_path) == []


def test_many_missing_prompts_are_one_finding(tmp_path: Path) -> None:
    prompts: list[str | None] = [BASE] * 100
    for i in range(3, 100, 8):
        prompts[i] = None
    n_missing = prompts.count(None)
    assert n_missing > sp.PER_RECORD_LIMIT
    path = _write(tmp_path / "data.jsonl", prompts)
    found = _dp504(path, tmp_path)
    assert len(found) == 1
    f = found[0]
    assert f["line"] == 4 and f["count"] == n_missing and f["pointer"] == "/messages"
    assert f["message"].startswith(f"{n_missing} conversations have no system prompt, while "
                                   f"{100 - n_missing} of this file's 100 conversations")
    assert "first at lines 4, 12, 20, 28, 36, …" in f["message"]


def test_texts_kept_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sp, "MAX_TEXTS", 3)
    others: list[str | None] = [f"Unrelated prompt number {i} about {i * 7} things."
                                for i in range(10)]
    variant = BASE.replace("ACME", "ACNE")
    # three distinct texts fill the cap: later prompts are counted, never compared
    path = _write(tmp_path / "data.jsonl", others + [BASE] * 30 + [variant])
    assert _dp504(path, tmp_path) == []
    path = _write(tmp_path / "data.jsonl", others[:1] + [BASE] * 30 + [variant])
    assert [f["line"] for f in _dp504(path, tmp_path)] == [32]


def test_two_runs_are_identical(tmp_path: Path) -> None:
    variant = BASE.replace("never", "do not")
    prompts: list[str | None] = [BASE] * 40 + [variant, None] + [BASE] * 10
    path = _write(tmp_path / "data.jsonl", prompts)
    first = _dp504(path, tmp_path)
    assert len(first) == 2 and first == _dp504(path, tmp_path)
