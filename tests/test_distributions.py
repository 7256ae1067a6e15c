"""``summary.distributions`` and per-file scores: measured by a real lint, binned, valid
against the report schema, the same at ``--jobs 2``, and drawn by the HTML report."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from dataprep import api
from dataprep.histogram import LogBins, linear_bins
from dataprep.report import html as html_report
from dataprep.resources import load_schema

WORDS = ("river mountain village teacher garden window morning letter market station "
         "history science music doctor library winter summer bridge forest ocean").split()


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def _chat(q: str, a: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}


def _write(path: Path, rows: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def chat_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two training files of English chat with exact and near copies, and an eval file."""
    d = tmp_path_factory.mktemp("dist")
    rng = random.Random(7)
    a = [_chat(f"Please tell me about the {rng.choice(WORDS)} near the {rng.choice(WORDS)}, "
               f"item {i}.", " ".join(_sentence(rng, rng.randint(8, 30)) for _ in range(3)))
         for i in range(80)]
    a += [a[0], a[0], a[1]]  # clusters of exact copies: sizes 3 and 2
    near = dict(a[5])
    near["messages"] = [a[5]["messages"][0],
                        {"role": "assistant", "content": a[5]["messages"][1]["content"] + " Yes"}]
    a.append(near)
    b = [_chat(f"What is the story of the {rng.choice(WORDS)} number {i}?",
               " ".join(_sentence(rng, 12) for _ in range(2))) for i in range(40)]
    b.append({"messages": [{"role": "user", "content": "x"}]})  # invalid: no assistant turn
    _write(d / "part_a.jsonl", a)
    _write(d / "part_b.jsonl", b)
    _write(d / "eval.jsonl", [a[10], _chat("An unseen question about rivers?", "A fresh reply.")])
    return d


def test_linear_bins_use_round_widths_and_count_every_value() -> None:
    values = [0, 3, 17, 250, 999, 1000, 4000]
    got = linear_bins(values)
    assert got is not None
    edges, counts = got["edges"], got["counts"]
    step = edges[1] - edges[0]
    assert step == 200  # 4000 / 40 = 100 would be 41 bins; the next round width is 200
    assert all(b - a == step for a, b in zip(edges, edges[1:]))
    assert len(edges) == len(counts) + 1 and sum(counts) == len(values)
    assert edges[-1] > max(values)
    assert counts[0] == 3 and counts[1] == 1 and counts[-1] == 1  # 0, 3, 17 | 250 | 4000
    assert linear_bins([]) is None
    assert linear_bins([0, 0])["counts"] == [2]  # type: ignore[index]


def test_log_bins_follow_1_2_5_edges_and_trim_empty_ends() -> None:
    b = LogBins()
    assert not b and b.to_dict() is None
    for v in (3, 4, 7, 120, 10**12):
        b.add(v)
    d = b.to_dict()
    assert d is not None
    assert d["edges"][:4] == [2, 5, 10, 20]
    assert d["counts"][:2] == [2, 1]  # 3 and 4 in [2, 5); 7 in [5, 10)
    assert sum(d["counts"]) == 5  # a value past the last edge is in the last bin


def test_a_lint_measures_every_distribution(chat_dir: Path) -> None:
    result = api.lint([str(chat_dir)], task="generative").to_dict()
    dist = result["summary"]["distributions"]
    assert {"tokens", "reply_chars", "cluster_sizes", "languages"} <= set(dist)
    tokens = dist["tokens"]
    valid_train = sum(f["valid"] for f in result["files"] if f["split"] == "train")
    assert sum(tokens["counts"]) == valid_train  # all of them: under the sample size
    assert "sampled" not in tokens and tokens["limit"] == result["summary"]["tokens"]["limit"]
    # one user and one assistant message per valid training record
    assert set(dist["reply_chars"]) == {"user", "assistant"}
    assert sum(dist["reply_chars"]["assistant"]["counts"]) == valid_train
    # exact clusters (3 and 2 records) and the near pair
    assert dist["cluster_sizes"]["3"] == 1 and dist["cluster_sizes"]["2"] >= 2
    assert dist["languages"]["counts"].get("en", 0) >= 0.9 * dist["languages"]["records"]
    Draft202012Validator(load_schema("report")).validate(result)


def test_per_file_scores_point_at_the_worse_file(chat_dir: Path) -> None:
    result = api.lint([str(chat_dir)], task="generative").to_dict()
    files = result["score"]["files"]
    a, b = (next(v for k, v in files.items() if k.endswith(n)) for n in ("part_a.jsonl",
                                                                          "part_b.jsonl"))
    assert set(files) == {f["path"] for f in result["files"]}
    assert all(0 <= v <= 100 for v in files.values())
    # part_a's only problems are copies (uniqueness); part_b has an invalid record
    assert a < 100 and b < 100
    single = api.lint([str(chat_dir / "part_a.jsonl")], task="generative").to_dict()
    assert "files" not in single["score"]  # one file: its score is the overall one


def test_kto_counts_are_the_label_chart(tmp_path: Path) -> None:
    rows = [{"prompt": f"Question {i} about the {WORDS[i % 20]}?",
             "completion": f"An answer about the {WORDS[(i * 3) % 20]} for {i}.",
             "label": i % 3 != 0} for i in range(30)]
    result = api.lint([_write(tmp_path / "kto.jsonl", rows)]).to_dict()
    assert result["summary"]["distributions"]["labels"] == {"desirable": 20, "undesirable": 10}


def test_distributions_are_the_same_on_two_workers(chat_dir: Path) -> None:
    one = api.lint([str(chat_dir)], task="generative").to_dict()
    two = api.lint([str(chat_dir)], task="generative", jobs=2, shard_bytes=4096).to_dict()
    assert two["summary"]["distributions"] == one["summary"]["distributions"]
    assert two["score"]["files"] == one["score"]["files"]


def test_the_html_report_draws_what_the_lint_measured(chat_dir: Path) -> None:
    result = api.lint([str(chat_dir)], task="generative").to_dict()
    page = html_report.render(result)
    for chart in ("tokens", "reply_chars", "cluster_sizes", "languages", "by_code", "per_file"):
        assert f'data-chart="{chart}"' in page, chart
    assert "Score per file" in page and "Findings per file" not in page


def test_linear_bins_start_near_values_far_from_zero() -> None:
    values = [702, 715, 731, 760, 789]
    got = linear_bins(values)
    assert got is not None
    edges, counts = got["edges"], got["counts"]
    assert 600 < edges[0] <= 702 and edges[-1] > 789 and sum(counts) == len(values)
    assert edges[1] - edges[0] in (1, 2, 5, 10, 20) and len(counts) <= 40
    # values close to zero keep a zero origin
    assert linear_bins([3, 50, 90])["edges"][0] == 0  # type: ignore[index]
