"""DP504: system prompt variants and missing prompts, beyond the YAML cases."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from dataprep.api import lint
from dataprep.checks import prompt_templates as pt
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


def _write(path: Path, prompts: Sequence[str | None]) -> Path:
    path.write_text("".join(json.dumps(_chat(p, i)) + "\n" for i, p in enumerate(prompts)),
                    encoding="utf-8")
    return path


def _dp504(path: Path, tmp_path: Path, **options: object) -> list[dict[str, Any]]:
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
    # one slip each, every one at a different word: old drafts, not values of a template
    words = BASE.split()
    variants = [" ".join(w + "s" if k == i else w for k, w in enumerate(words))
                for i in range(sp.PER_RECORD_LIMIT + 5)]
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


# ------------------------------------------------------------ templates (prompt_templates)

TICKET = ("You are the support assistant for Northwind Outfitters. You are helping with ticket "
          "#{t} opened on {d} by {n}. Answer politely and do not offer refunds yourself.")
CUSTOMERS = ["Maria Lopez", "Kenji Watanabe", "Amara Okafor", "Lukas Becker", "Priya Raman",
             "Tom O'Brien", "Sofia Rossi", "Chen Wei"]


@pytest.mark.parametrize(("text", "masked", "values"), [
    ("Ticket #48213 opened 2024-03-02 at 10:30 am", "Ticket #{number} opened {date} at {time}",
     ["48213", "2024-03-02", "10:30 am"]),
    ("Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024",
     "Cutting Knowledge Date: December {number}\nToday Date: {date}", ["2023", "26 Jul 2024"]),
    ("Today is Monday, March 4, 2024.", "Today is {date}.", ["Monday, March 4, 2024"]),
    ("会话于2024年3月2日开始", "会话于{date}开始", ["2024年3月2日"]),
    ("Session 123e4567-e89b-12d3-a456-426614174000 for maria.lopez@example.org",
     "Session {uuid} for {email}", ["123e4567-e89b-12d3-a456-426614174000", "maria.lopez@example.org"]),
    ("Commit 3f2a9c1be4, case TCK-48213, user_10293, see https://help.example.com/t/48213.",
     "Commit {hash}, case {id}, {id}, see {url}.",
     ["3f2a9c1be4", "TCK-48213", "user_10293", "https://help.example.com/t/48213"]),
    ("You are GPT-4, not l5 or a {name} slot.", "You are GPT-{number}, not l5 or a {name} slot.", ["4"]),
])
def test_mask_finds_obvious_values(text: str, masked: str, values: list[str]) -> None:
    got, found = pt.mask(text)
    assert pt._MARK.sub(lambda m: "{" + m.group(1) + "}", got) == masked
    assert found == values


def test_template_from_ids_dates_and_names() -> None:
    prompts = [(TICKET.format(t=48213 + 7 * i, d=f"2024-03-{i % 28 + 1:02d}", n=CUSTOMERS[i % 8]), 1, i, i)
               for i in range(40)]
    groups = pt.group_prompts(prompts, top_k=50, slot_values=3)
    assert len(groups) == 1
    g = groups[0]
    assert (g.count, g.order, sorted(g.members)) == (40, 0, list(range(40)))
    assert g.text == ("You are the support assistant for Northwind Outfitters. You are helping with "
                      "ticket #{number} opened on {date} by {name}. Answer politely and do not offer "
                      "refunds yourself.")
    assert g.slots == ("{number}", "{date}", "{name}")


def test_values_that_never_change_are_shown_as_they_are() -> None:
    prompts = [(TICKET.format(t=48213, d=f"2024-03-0{i + 1}", n="Maria Lopez"), 1, i, i) for i in range(3)]
    (g,) = pt.group_prompts(prompts, top_k=50, slot_values=3)
    assert "ticket #48213 opened on {date} by Maria Lopez." in g.text and g.slots == ("{date}",)


def test_literal_braces_are_not_slots() -> None:
    prompts = [("Greet the user as {name}.", 5, 0, 0), ("Greet the user as {name}!", 1, 1, 1)]
    groups = pt.group_prompts(prompts, top_k=50, slot_values=3)
    assert [(g.text, g.slots) for g in groups] == [("Greet the user as {name}.", ()),
                                                   ("Greet the user as {name}!", ())]


def test_a_typo_stays_apart_from_the_template() -> None:
    prompts = [(TICKET.format(t=48213 + i, d="2024-03-02", n=CUSTOMERS[i % 8]), 1, i, i) for i in range(20)]
    prompts.append((TICKET.format(t=50000, d="2024-04-01", n="Ana Souza").replace("politely", "politley"),
                    1, 20, 20))
    template, typo = pt.group_prompts(prompts, top_k=50, slot_values=3)
    assert template.count == 20 and typo.members == [20]
    # the typo is shown in the template's terms, so the only visible difference is the typo
    assert describe_difference(template.text, typo.text) == '"politely" → "politley"'


def test_grouping_is_deterministic_and_ignores_input_order() -> None:
    prompts = [(TICKET.format(t=48213 + i, d=f"2024-03-{i % 9 + 1:02d}", n=CUSTOMERS[i % 8]), 1, i, i)
               for i in range(30)] + [("You summarise news articles in one sentence.", 3, 30, 30)]
    first = pt.group_prompts(prompts, top_k=50, slot_values=3)
    again = pt.group_prompts(list(reversed(prompts)), top_k=50, slot_values=3)
    assert [(g.text, g.count, sorted(g.members)) for g in first] == \
        [(g.text, g.count, sorted(g.members)) for g in again]


def test_436_filled_prompts_are_not_436_variants(tmp_path: Path) -> None:
    """The report from the issue: one usual prompt plus 436 conversations whose prompt
    carries their own id and date."""
    header = "Conversation {c}, exported {d}. You are a careful assistant for the ACME help desk."
    prompts: list[str | None] = [header.format(c="c-000001", d="2024-07-26")] * 600
    prompts += [header.format(c=f"c-{i:06d}", d=f"2024-07-{i % 25 + 1:02d}") for i in range(2, 438)]
    path = _write(tmp_path / "data.jsonl", prompts)
    start = time.perf_counter()
    assert _dp504(path, tmp_path) == []
    assert time.perf_counter() - start < 10
    # an edited copy of the template among them is still found, and named against it
    prompts.append(header.format(c="c-999999", d="2024-08-01").replace("careful", "carefree"))
    found = _dp504(_write(tmp_path / "data.jsonl", prompts), tmp_path)
    assert len(found) == 1 and found[0]["line"] == 1037
    assert '"careful" → "carefree"' in found[0]["message"]
    assert ("the usual prompt (1036 records, first at line 1) is one template filled with {id}, {date}: "
            '"Conversation {id}, exported {date}.') in found[0]["message"]


def test_slot_values_option(tmp_path: Path) -> None:
    prompts: list[str | None] = [TICKET.format(t=48213, d="2024-03-02", n="Maria Lopez")] * 30
    prompts += [TICKET.format(t=48213, d="2024-03-02", n=n) for n in ("Kenji Watanabe", "Amara Okafor")]
    path = _write(tmp_path / "data.jsonl", prompts)
    assert _dp504(path, tmp_path) == []  # three names: a slot
    found = _dp504(path, tmp_path, slot_values=4)
    assert [f["line"] for f in found] == [31, 32]
    assert '"Maria Lopez." → "Kenji Watanabe."' in found[0]["message"]


def test_many_distinct_long_prompts_stay_fast() -> None:
    def word(n: int) -> str:  # distinct letters-only names: no digits for the masks
        return "".join(chr(97 + n // 26**k % 26) for k in range(4))

    prompts = [("You can call these tools: " + " ".join(
        f"{word(i * 40 + k)} takes {word(i * 97 + k + 7)} of type string" for k in range(40)), 1, i, i)
        for i in range(1500)]
    prompts += [(TICKET.format(t=48213 + i, d="2024-03-02", n=CUSTOMERS[i % 8]), 1, 1500 + i, 1500 + i)
                for i in range(1500)]
    start = time.process_time()
    groups = pt.group_prompts(prompts, top_k=50, slot_values=3)
    assert time.process_time() - start < 10
    assert sorted(g.count for g in groups)[-2:] == [1, 1500]
