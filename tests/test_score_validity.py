"""The outcome benchmark (``benchmarks/score_validity.py``): its defects, measures and a reduced run.

The reduced run lints and trains on a subsample of banking77 with three variants per
family and checks the *outcome* side: a model trained on clearly damaged data must do
clearly worse than on the clean data, or the benchmark measures nothing.  The score's own
ordering is what the benchmark reports, not what this test asserts.
"""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_validity", REPO / "benchmarks" / "score_validity.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["score_validity"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


sv = _load()
REALDATA = sv.DEFAULT_REALDATA
needs_realdata = pytest.mark.skipif(
    not (REALDATA / "banking77" / "banking77_train.jsonl").is_file(),
    reason=f"banking77 is not beside the checkout ({REALDATA}/banking77); the benchmark reads real data",
)

RECORDS = [{"text": f"question {i} about topic {i % 4} with some words", "label": f"l{i % 4}"} for i in range(40)]


def test_cut_stops_mid_sentence() -> None:
    reply = "Refunds usually reach your account within 5 business days. Ask the merchant for the reference."
    out = sv.cut(reply)
    assert out == "Refunds usually reach your account"  # 5 of 15 words, no closing stop
    assert sv.cut("Yes.") == "Yes"


def test_token_f1() -> None:
    assert sv.token_f1("Freeze the card now.", "freeze the card now") == 1.0
    assert sv.token_f1("", "freeze the card") == 0.0
    assert sv.token_f1("N/A", "freeze the card") == 0.0
    assert sv.token_f1("freeze the card", "freeze the card in the app") == pytest.approx(2 * 1 * 0.5 / 1.5)


def test_spearman_ties_and_order() -> None:
    assert sv.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert sv.spearman([1, 2, 3, 4], [40, 30, 20, 10]) == pytest.approx(-1.0)
    # scipy.stats.spearmanr([1, 1, 2, 3], [1, 2, 3, 4]) with average ranks for the tie
    assert sv.spearman([1, 1, 2, 3], [1, 2, 3, 4]) == pytest.approx(0.9486833)


def test_defects_change_what_they_say() -> None:
    rng = random.Random(0)
    flipped = sv.flip_labels(RECORDS, 0.25, rng)
    assert sum(a["label"] != b["label"] for a, b in zip(RECORDS, flipped)) == 10
    assert [r["text"] for r in flipped] == [r["text"] for r in RECORDS]
    dup = sv.duplicate(RECORDS, 0.5, random.Random(0))
    assert len(dup) == 60 and len({json.dumps(r) for r in dup}) == 40
    near = sv.near_duplicate(RECORDS, 0.5, random.Random(0))
    assert len(near) == 60 and len({r["text"].lower() for r in near}) == 60
    assert len(sv.per_class(RECORDS, 2, random.Random(0))) == 8


def test_broken_lines_are_dropped_by_the_trainer(tmp_path: Path) -> None:
    fam = sv.Classification(RECORDS, RECORDS)
    lines = sv.damage(RECORDS, 0.2, random.Random(0), fam.to_line)
    assert sum(isinstance(ln, str) for ln in lines) == 4
    path = tmp_path / "train.jsonl"
    sv.write_lines(path, lines, fam)
    read = fam.read(path)
    assert len(read) == 36 and sum(r["text"] == "" for r in read) == 4


def test_leakage_marks_the_copies() -> None:
    fam = sv.Classification(RECORDS, [dict(r, text=r["text"] + " held out") for r in RECORDS])
    built = fam.leakage(random.Random(0))
    assert built.eval is not None
    train_texts = {r["text"] for r in RECORDS}
    copied = {i for i, r in enumerate(built.eval) if isinstance(r, dict) and r["text"] in train_texts}
    assert copied == set(built.leaked) and len(copied) == 10 and len(built.eval) == 50


@needs_realdata
def test_reduced_run_orders_clearly_different_variants(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.json"
    assert sv.main(["--quick", "--limit", "1500", "--json", str(out), "--out", str(tmp_path / "data")]) == 0
    printed = capsys.readouterr().out
    assert "Spearman(outcome, score)" in printed
    report = json.loads(out.read_text(encoding="utf-8"))
    fams = report["families"]
    for family, names in sv.QUICK.items():
        rows = {r["variant"]: r for r in fams[family]["variants"]}
        assert sorted(rows) == sorted(names)
        for r in rows.values():
            assert 0.0 <= r["score"] <= 100.0 and r["verdict"] in ("ready", "needs-work", "not-ready")
            assert (tmp_path / "data" / family / r["variant"] / "train.jsonl").is_file()
    cls = {r["variant"]: r["outcome"] for r in fams["classification"]["variants"]}
    assert cls["clean"] > cls["flip-30"] + 0.05
    assert cls["clean"] > cls["truncated-50"] + 0.05
    gen = {r["variant"]: r["outcome"] for r in fams["generative"]["variants"]}
    assert gen["clean"] > gen["cut-50"] + 0.05
    assert gen["clean"] > gen["placeholder-30"] + 0.05
    # the score must rank them the same way, and a serious defect is never `ready`
    score = {(f, r["variant"]): r for f in fams for r in fams[f]["variants"]}
    for family, bad in (("classification", "flip-30"), ("classification", "truncated-50"),
                        ("generative", "cut-50"), ("generative", "placeholder-30")):
        assert score[(family, "clean")]["score"] > score[(family, bad)]["score"], (family, bad)
        assert score[(family, bad)]["verdict"] != "ready", (family, bad)
