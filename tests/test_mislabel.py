"""DP404 (likely mislabelled) beyond its YAML cases: the label model, scale, bounds, config.

The YAML cases (``fixtures/rules/DP404.yaml``) show single findings on hand-written data;
these tests generate seeded datasets with known flipped labels.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from dataprep import labelmodel
from dataprep.api import lint
from dataprep.checks.mislabel import MISSING_EXTRA

pytestmark = pytest.mark.skipif(not labelmodel.available(), reason="needs the 'labels' extra")

_FILLER = ("the", "a", "my", "this", "today", "again", "please", "about", "with", "for", "and", "so")


def topics(n_classes: int, per_class: int, seed: int = 0, flip: float = 0.0,
           words: int = 8) -> tuple[list[dict[str, object]], set[int]]:
    """Records whose text names its class by three keywords among filler; ``flip`` of them relabelled."""
    rng = random.Random(seed)
    keys = [[f"k{c}w{j}" for j in range(3)] for c in range(n_classes)]
    records: list[dict[str, object]] = []
    for c in range(n_classes):
        for _ in range(per_class):
            body = [rng.choice(keys[c]) for _ in range(3)] + rng.choices(_FILLER, k=words - 3)
            rng.shuffle(body)
            records.append({"text": " ".join(body), "label": f"class-{c}"})
    rng.shuffle(records)
    flipped = set(rng.sample(range(len(records)), round(flip * len(records))))
    for i in flipped:
        given = records[i]["label"]
        records[i]["label"] = rng.choice([f"class-{c}" for c in range(n_classes) if f"class-{c}" != given])
    return records, flipped


def write(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def dp404(tmp_path: Path, path: Path, **options: object) -> list:
    res = lint([str(path)], select=["DP404"], task="classification", cwd=tmp_path,
               options={"DP404": options} if options else None)
    return [f for f in res.findings if f.code == "DP404"]


def mostly(flagged: set[int], flipped: set[int]) -> bool:
    """Only flipped records flagged, and nearly all of them (confident learning is cautious)."""
    return flagged <= flipped and len(flagged) >= 0.75 * len(flipped)


def split(found: list) -> tuple[set[int], list]:
    """(records flagged as warnings, info findings)."""
    return {f.record for f in found if f.severity == "warning"}, [f for f in found if f.severity == "info"]


def test_finds_flips_in_two_classes(tmp_path: Path) -> None:
    records, flipped = topics(2, 60, flip=0.1)
    flagged, infos = split(dp404(tmp_path, write(tmp_path / "d.jsonl", records)))
    assert not infos
    assert mostly(flagged, flipped)


def test_two_hundred_classes(tmp_path: Path) -> None:
    records, flipped = topics(200, 8, seed=2, flip=0.05)
    found = dp404(tmp_path, write(tmp_path / "d.jsonl", records))
    flagged, infos = split(found)
    assert len(flagged & flipped) >= 0.8 * len(flipped)
    assert len(flagged - flipped) <= 0.2 * len(flagged)
    # a flip can leave a class below the fold count: it is named, never a crash
    assert len(infos) <= 1 and all("left" in f.message for f in infos)


def test_same_findings_twice(tmp_path: Path) -> None:
    path = write(tmp_path / "d.jsonl", topics(5, 40, seed=3, flip=0.1)[0])
    first = [f.to_dict() for f in dp404(tmp_path, path)]
    assert first
    assert first == [f.to_dict() for f in dp404(tmp_path, path)]


def test_message_names_given_suggested_and_quality(tmp_path: Path) -> None:
    records, flipped = topics(3, 30, seed=4, flip=0.05)
    found = dp404(tmp_path, write(tmp_path / "d.jsonl", records))
    f = next(f for f in found if f.severity == "warning")
    given = records[f.record]["label"]
    assert f.message.startswith(f"label {given!r} is likely wrong: a model trained on the other "
                                "records suggests 'class-")
    assert re.search(r"\(label quality (< 0\.001|0\.\d{3}); suspect \d+ of \d+\)$", f.message)
    assert f.record in flipped
    assert f.pointer == "/label" and f.line == f.record + 1


def test_missing_extra_is_one_info(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(labelmodel, "available", lambda: False)
    found = dp404(tmp_path, write(tmp_path / "d.jsonl", topics(2, 20, flip=0.1)[0]))
    assert [(f.severity, f.message, f.path) for f in found] == [("info", MISSING_EXTRA, "<dataset>")]


def test_every_label_unique_is_one_clear_info(tmp_path: Path) -> None:
    records = [{"text": f"text number {i}", "label": f"label-{i}"} for i in range(30)]
    found = dp404(tmp_path, write(tmp_path / "d.jsonl", records))
    assert len(found) == 1 and found[0].severity == "info"
    assert "cannot train its label model" in found[0].message


def test_sample_above_max_records_is_stated_and_seeded(tmp_path: Path) -> None:
    path = write(tmp_path / "d.jsonl", topics(3, 100, seed=5, flip=0.1)[0])
    found = dp404(tmp_path, path, max_records=120)
    flagged, infos = split(found)
    assert [f.message for f in infos] == [
        "DP404 checked a seeded sample of 120 of 300 labelled records (max_records 120)"]
    assert flagged
    assert [f.to_dict() for f in found] == [f.to_dict() for f in dp404(tmp_path, path, max_records=120)]
    other_seed = dp404(tmp_path, path, max_records=120, seed=7)
    assert {f.record for f in other_seed} != flagged


def test_texts_reread_when_over_the_character_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past ``MAX_CHARS`` the stored texts are dropped, a sample is drawn and re-read by location."""
    records, flipped = topics(3, 100, seed=6, flip=0.1, words=10)
    monkeypatch.setattr(labelmodel, "MAX_CHARS", 5000)
    flagged, infos = split(dp404(tmp_path, write(tmp_path / "d.jsonl", records)))
    assert len(infos) == 1 and "seeded sample of" in infos[0].message
    assert "million input characters" in infos[0].message
    assert flagged and flagged <= flipped  # texts came back: the model learned from them


def test_field_mapping_moves_the_pointer(tmp_path: Path) -> None:
    records, flipped = topics(2, 40, seed=8, flip=0.05)
    renamed = [{"utterance": r["text"], "intent": r["label"]} for r in records]
    (tmp_path / "dataprep.toml").write_text('[fields]\ntext = "utterance"\nlabel = "intent"\n', encoding="utf-8")
    found = dp404(tmp_path, write(tmp_path / "d.jsonl", renamed))
    assert mostly({f.record for f in found}, flipped)
    assert {f.pointer for f in found} == {"/intent"}


def test_completion_labels_point_at_the_completion(tmp_path: Path) -> None:
    records, flipped = topics(2, 40, seed=9, flip=0.05)
    rows = [{"prompt": f"Animal? {r['text']}", "completion": r["label"]} for r in records]
    res = lint([str(write(tmp_path / "d.jsonl", rows))], select=["DP404"], cwd=tmp_path)
    assert res.to_dict()["task"] == "classification"
    found = [f for f in res.findings if f.code == "DP404"]
    assert mostly({f.record for f in found}, flipped)
    assert {f.pointer for f in found} == {"/completion"}


def test_default_preset_runs_it(tmp_path: Path) -> None:
    records, flipped = topics(2, 40, seed=10, flip=0.05)
    res = lint([str(write(tmp_path / "d.jsonl", records))], cwd=tmp_path)
    assert mostly({f.record for f in res.findings if f.code == "DP404"}, flipped)


# ------------------------------------------------------------------ the model itself


def test_model_binary_scores_and_ranks() -> None:
    records, flipped = topics(2, 50, seed=11, flip=0.1)
    labels = [int(str(r["label"]).split("-")[1]) for r in records]
    report = labelmodel.find_suspects([str(r["text"]) for r in records], labels, 2, folds=5, seed=0)
    assert mostly({s.row for s in report.suspects}, flipped)
    assert [s.rank for s in report.suspects] == list(range(1, len(report.suspects) + 1))
    qualities = [s.quality for s in report.suspects]
    assert qualities == sorted(qualities) and all(0.0 <= q < 0.5 for q in qualities)
    assert all(s.suggested != s.given == labels[s.row] for s in report.suspects)
    assert report.skill > 0.5


def test_model_probabilities_are_out_of_fold_and_normalised() -> None:
    records, _ = topics(4, 20, seed=12)
    labels = [int(str(r["label"]).split("-")[1]) for r in records]
    probs = labelmodel.out_of_fold_probabilities([str(r["text"]) for r in records], labels, 4, folds=4)
    assert probs.shape == (80, 4)
    assert abs(probs.sum(axis=1) - 1).max() < 1e-9
    assert (probs.argmax(axis=1) == labels).mean() > 0.9


def test_model_survives_texts_without_shared_terms() -> None:
    texts = ["a", "b", "c", "d", "e", "f"]
    report = labelmodel.find_suspects(texts, [0, 0, 0, 1, 1, 1], 2, folds=3)
    assert report.skill <= 0.2  # nothing to learn; the check turns this into one info finding


def test_too_many_labels_stop_collecting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataprep.checks import mislabel

    monkeypatch.setattr(mislabel, "MAX_LABELS", 10)
    records = [{"text": f"text number {i}", "label": f"label-{i % 40}"} for i in range(200)]
    found = dp404(tmp_path, write(tmp_path / "d.jsonl", records))
    assert [(f.severity, f.path) for f in found] == [("info", "<dataset>")]
    assert "stopped reading labels after 10 distinct ones" in found[0].message


# ------------------------------------------------------------------ DP405, the per-class summary


def test_noise_by_class_names_the_worst_label_and_matches_the_score(tmp_path: Path) -> None:
    """One label takes most of the flips: it is named first; the overall rate is the score's."""
    records, _ = topics(4, 50, seed=13)
    rng = random.Random(13)
    hit = [i for i, r in enumerate(records) if r["label"] == "class-1"]
    for i in rng.sample(hit, 10):
        records[i]["label"] = "class-2"
    path = write(tmp_path / "d.jsonl", records)
    res = lint([str(path)], select=["DP404", "DP405"], task="classification", cwd=tmp_path)
    flagged = [f for f in res.findings if f.code == "DP404" and f.severity == "warning"]
    (summary,) = [f for f in res.findings if f.code == "DP405"]
    assert summary.severity == "info" and summary.record is None
    assert re.search(r"highest for: 'class-2' \d+% \(\d+ of 60, mostly suggested 'class-1'\)", summary.message)
    m = re.search(r"an estimated ([\d.]+)% of labels", summary.message)
    assert m is not None
    rate = float(m.group(1)) / 100
    assert rate == pytest.approx(len(flagged) / len(records), abs=5e-4)
    assert 1 - res.to_dict()["score"]["dimensions"]["labels"] == pytest.approx(rate, abs=5e-4)


def test_noise_by_class_alone_does_not_touch_the_score(tmp_path: Path) -> None:
    records, _ = topics(3, 30, seed=14, flip=0.1)
    res = lint([str(write(tmp_path / "d.jsonl", records))], select=["DP405"], task="classification",
               cwd=tmp_path)
    assert [f.code for f in res.findings] == ["DP405"]
    assert "labels" not in res.to_dict()["score"]["dimensions"]


def test_report_by_class_counts_flags_per_given_label() -> None:
    sus = [labelmodel.Suspect(0, 1, 0, 0.01, 1), labelmodel.Suspect(5, 1, 2, 0.02, 2),
           labelmodel.Suspect(7, 1, 2, 0.03, 3), labelmodel.Suspect(9, 0, 1, 0.04, 4)]
    report = labelmodel.ModelReport(suspects=sus, sizes=[10, 6, 4])
    rows = report.by_class()
    assert [(c.label, c.suspects, c.records, c.mostly) for c in rows] == [(1, 3, 6, 2), (0, 1, 10, 1), (2, 0, 4, -1)]
    assert rows[0].share == 0.5 and report.noise_rate == 4 / 20
    assert labelmodel.ModelReport().noise_rate == 0.0
